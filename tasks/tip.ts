/**
 * `pennypost tip --post <id> --amount <decimal> [--token <address|PPTEST>]`: tips a post in ETH,
 * or in an accepted ERC-20 (approving PennyPost first when the allowance is short).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { getAddress, parseEventLogs, type Address, type Hex, type TransactionReceipt } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../lib/generated/abi.ts";
import { failedChecks, verifyAnchoredPost, type ChainReader, type ServedPost, type ServedProof } from "../lib/verify-anchored.ts";
import { approve, resolveAsset, type Asset } from "./assets.ts";
import { openApi, openChain, runCommand, type Api, type Chain, type Session } from "./context.ts";
import { nextVoucher, openRelay, requireDeposit } from "./relay.ts";
import { CliError, pennyPostErrorMessage, tokenErrorMessage } from "./errors.ts";
import { ETH, explainContext, formatAmount, gasLine, parseAmount, requirePostId, table } from "./format.ts";
import { requireEth, transact } from "./transact.ts";

interface TipArguments {
  post: string | undefined;
  amount: string | undefined;
  token: string | undefined;
  from: number;
  deployment: string | undefined;
  via: string;
  api: string;
}

export default async function tipAction(args: TipArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    const postId = requirePostId(args.post, "--post");
    if (args.token === undefined) parseAmount(args.amount, 18, "ETH"); // bad input fails before connecting
    if (args.token?.trim() === "") throw new CliError("--token must be PPTEST (the local test token) or a token's 0x address; to tip in ETH, leave out --token");
    if (!["direct", "batched", "voucher"].includes(args.via)) {
      throw new CliError("--via must be direct (a transaction), batched or voucher (signed, through the relayer, paid from the deposit)");
    }
    if (args.via !== "direct" && args.token !== undefined) throw new CliError("tips through the relayer are in ETH from the deposit here; leave out --token, or tip directly");
    const chain = await openChain(hre, session, args);
    if (args.via !== "direct") return tipRelayed(chain, session, openApi(args.api), args.via as "batched" | "voucher", postId, parseAmount(args.amount, 18, "ETH"));
    const receipt = args.token === undefined
      ? await tipEth(chain, postId, parseAmount(args.amount, 18, "ETH"))
      : await tipToken(chain, session, postId, args.token, args.amount);
    const [tipped] = parseEventLogs({ abi: pennyPostAbi, eventName: "Tipped", logs: receipt.logs });
    const { asset, amount, fee, author } = tipped.args;
    console.log(table([
      ["tipped", `post #${tipped.args.postId}`],
      ["amount", formatAmount(session.book, asset, amount)],
      ["author", `${author} (credited ${formatAmount(session.book, asset, amount - fee)})`],
      ["fee", formatAmount(session.book, asset, fee)],
      ["tx", receipt.transactionHash],
      ["block", String(receipt.blockNumber)],
      ["gas used", gasLine(receipt.gasUsed)],
    ]));
  });
}

async function tipEth(chain: Chain, postId: bigint, value: bigint): Promise<TransactionReceipt> {
  await requireEth(chain, value, "the tip");
  return transact(chain, (blockNumber) =>
    chain.publicClient.simulateContract({
      address: chain.pennyPost, abi: pennyPostAbi, functionName: "tip", args: [postId], value, account: chain.wallet.account, blockNumber,
    }),
  );
}

async function tipToken(chain: Chain, session: Session, postId: bigint, tokenText: string, amountText: string | undefined): Promise<TransactionReceipt> {
  const token: Asset = await resolveAsset(chain, session, tokenText, "--token");
  if (token.address === ETH) throw new CliError("to tip in ETH, leave out --token");
  session.token = token.address;
  const amount = parseAmount(amountText, token.decimals, token.symbol);
  const ctx = explainContext(session.book, token.address, session.place);
  const pennyPost = { address: chain.pennyPost, abi: pennyPostAbi } as const;
  const erc20 = { address: token.address, abi: pennyTestTokenAbi } as const;
  // Checked before approving, so that a tip that cannot succeed costs no approval transaction.
  const [paused, postCount, accepted, balance, allowance] = await Promise.all([
    chain.publicClient.readContract({ ...pennyPost, functionName: "paused" }),
    chain.publicClient.readContract({ ...pennyPost, functionName: "postCount" }),
    chain.publicClient.readContract({ ...pennyPost, functionName: "isTokenAccepted", args: [token.address] }),
    chain.publicClient.readContract({ ...erc20, functionName: "balanceOf", args: [chain.account] }),
    chain.publicClient.readContract({ ...erc20, functionName: "allowance", args: [chain.account, chain.pennyPost] }),
  ]);
  if (paused) throw new CliError(pennyPostErrorMessage("EnforcedPause", [], ctx));
  if (postId > postCount) throw new CliError(pennyPostErrorMessage("PennyPostUnknownPost", [postId], ctx));
  if (!accepted) throw new CliError(pennyPostErrorMessage("PennyPostTokenNotAccepted", [token.address], ctx));
  if (balance < amount) throw new CliError(tokenErrorMessage("ERC20InsufficientBalance", [chain.account, balance, amount], ctx));
  if (allowance < amount) await approve(chain, session, token, amount);
  return transact(chain, (blockNumber) =>
    chain.publicClient.simulateContract({
      ...pennyPost, functionName: "tipToken", args: [postId, token.address, amount], account: chain.wallet.account, blockNumber,
    }),
  );
}

/**
 * The author a signed tip on `postId` names, checked against the chain before anything is signed.
 * The chain stores no author for a relayed post, so a signed tip credits whoever it names: an index
 * that lies about the author would redirect the tip. A direct post's stored author is checked by the
 * contract itself (PennyPostAuthorMismatch); a batched post's author is in its Posted event; an
 * anchored post's is proven by its batch's root (lib/verify-anchored.ts). Chosen over binding the
 * leaf in the signed tip (which would let the chain refuse a wrong author) because it needs no
 * contract or signature change, costs no gas per tip, and leaves PennyPost within EIP-170; the
 * price is that every client must check (the CLI and the page do; see docs/protocol.md).
 */
async function provenAuthor(chain: Chain, api: Api, postId: bigint, post: ServedPost & { mode: string; txHash: string }): Promise<Address> {
  const refuse = (why: string) =>
    new CliError(`the index at ${api.url} serves post #${postId} with ${why}: no tip was signed; tip through an index you trust (--api)`);
  if (post.mode.startsWith("anchored")) {
    const proof = (await api.get<ServedProof>(`/v1/posts/${postId}/proof`))?.data;
    if (proof === undefined) throw refuse("no proof of its batch");
    const verified = await verifyAnchoredPost(chain.publicClient as unknown as ChainReader, chain.pennyPost, postId, post, proof);
    if (!verified.ok || verified.provenAuthor === undefined) throw refuse(`what the chain does not prove (${failedChecks(verified)})`);
    return verified.provenAuthor;
  }
  if (post.mode === "batched") {
    // The Posted event in the post's own transaction (a lying txHash finds none: refused).
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: post.txHash as Hex }).catch(() => undefined);
    const posted = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt?.logs ?? [] })
      .find((log) => log.address.toLowerCase() === chain.pennyPost.toLowerCase() && log.args.postId === postId);
    if (posted === undefined || getAddress(posted.args.author) !== getAddress(post.author)) {
      throw refuse(`an author its Posted event in tx ${post.txHash} does not name`);
    }
    return getAddress(posted.args.author);
  }
  return getAddress(post.author);
}

/** Signs a tip (or the next cumulative voucher) and sends it through the relayer. */
async function tipRelayed(chain: Chain, session: Session, api: Api, mode: "batched" | "voucher", postId: bigint, amount: bigint): Promise<void> {
  const post = (await api.get<ServedPost & { mode: string; txHash: string }>(`/v1/posts/${postId}`))?.data;
  if (post === undefined) throw new CliError(`the index at ${api.url} has no post #${postId}: see the ids with \`./pennypost feed\``);
  const author = await provenAuthor(chain, api, postId, post);
  const relay = openRelay(chain, api);
  const state = await relay.state();
  requireDeposit(state, amount, "a relayed tip", session.place);
  let body: Record<string, unknown>;
  if (mode === "batched") {
    const message = { tipper: chain.account, postId, author, asset: ETH, amount, nonce: BigInt(state.nextNonce), deadline: await relay.deadline() };
    body = { type: "tip", mode, message, signature: await relay.sign("Tip", message) };
  } else {
    const tip = { postId, author, amount };
    const message = { tipper: chain.account, asset: ETH, ...nextVoucher(state, tip) };
    body = { type: "voucher", message, tips: [tip], signature: await relay.sign("TipVoucher", message) };
  }
  const action = await relay.submit(body);
  const fee = (amount * BigInt(await chain.publicClient.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "tipFeeBps" }))) / 10_000n;
  console.log(table([
    ["tipped", `post #${postId}`],
    ["amount", `${formatAmount(session.book, ETH, amount)} from your deposit`],
    ["author", `${author} (credited ${formatAmount(session.book, ETH, amount - fee)})`],
    ["fee", formatAmount(session.book, ETH, fee)],
    ["mode", `${mode}, through the relayer ${state.relayer} (action ${action.id})`],
    ["tx", action.txHash ?? ""],
    ["block", String(action.blockNumber ?? "")],
  ]));
}
