/** `pennypost post --text "..."`: publishes a post, paying the posting fee read from the contract. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseEventLogs } from "viem";

import { pennyPostAbi } from "../lib/generated/abi.ts";
import { openApi, openChain, runCommand, type Api, type Chain, type Session } from "./context.ts";
import { RELAYED_POST_MODES, openRelay, requireDeposit, type RelayedPostMode } from "./relay.ts";
import { CliError } from "./errors.ts";
import { ETH, formatAmount, gasLine, table } from "./format.ts";
import { transact } from "./transact.ts";

export interface PostArguments {
  text: string | undefined;
  from: number;
  deployment: string | undefined;
  via: string;
  api: string;
}

export default async function postAction(args: PostArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand((session) => publish(hre, session, 0n, args));
}

/** Posts `args.text` as a reply to `parentId` (0: top level) and prints what was published. */
export async function publish(hre: HardhatRuntimeEnvironment, session: Session, parentId: bigint, args: PostArguments): Promise<void> {
  const text = args.text;
  if (text === undefined) throw new CliError('give the text with --text "..."');
  if (text.trim() === "") throw new CliError('the text is empty; give it with --text "..."');
  if (args.via !== "direct" && !(RELAYED_POST_MODES as readonly string[]).includes(args.via)) {
    throw new CliError(`--via must be direct (a transaction), or ${RELAYED_POST_MODES.join(", ")} (signed, through the relayer)`);
  }
  const chain = await openChain(hre, session, args);
  const contract = { address: chain.pennyPost, abi: pennyPostAbi } as const;
  const fee = await chain.publicClient.readContract({ ...contract, functionName: "postFee" });
  if (args.via !== "direct") return publishRelayed(chain, session, openApi(args.api), args.via as RelayedPostMode, parentId, text, fee);
  const receipt = await transact(chain, (blockNumber) =>
    chain.publicClient.simulateContract({
      ...contract, functionName: "post", args: [parentId, text], value: fee, account: chain.wallet.account, blockNumber,
    }),
  );
  const [posted] = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt.logs });
  const rows: Array<[string, string]> = [["post", `#${posted.args.postId}`]];
  if (parentId !== 0n) rows.push(["reply to", `#${parentId}`]);
  rows.push(
    ["author", posted.args.author],
    ["fee", formatAmount(session.book, ETH, posted.args.fee)],
    ["tx", receipt.transactionHash],
    ["block", String(receipt.blockNumber)],
    ["gas used", gasLine(receipt.gasUsed)],
  );
  console.log(table(rows));
}

/** Signs the post and sends it through the relayer; prints where it landed. */
async function publishRelayed(chain: Chain, session: Session, api: Api, mode: RelayedPostMode, parentId: bigint, content: string, fee: bigint): Promise<void> {
  const relay = openRelay(chain, api);
  const state = await relay.state();
  requireDeposit(state, fee, "a relayed post", session.place);
  let body: Record<string, unknown>;
  if (mode === "batched") {
    const message = { author: chain.account, parentId, content, maxFee: fee, nonce: BigInt(state.nextNonce), deadline: await relay.deadline() };
    body = { type: "post", mode, message, signature: await relay.sign("Post", message) };
  } else {
    const message = { author: chain.account, parentId, content, seq: BigInt(state.nextSeq), cumulativeFee: BigInt(state.cumulativeFee) + fee };
    body = { type: "post", mode, message, signature: await relay.sign("AnchoredPost", message) };
  }
  const action = await relay.submit(body);
  // Included is not yet served: wait (briefly) until the API has indexed it, so that the next
  // command (show, feed) finds it.
  if (action.postId !== undefined) await untilServed(api, action.postId);
  const rows: Array<[string, string]> = [["post", `#${action.postId}`]];
  if (parentId !== 0n) rows.push(["reply to", `#${parentId}`]);
  rows.push(
    ["author", chain.account],
    ["mode", `${mode}, through the relayer ${state.relayer} (action ${action.id})`],
    ["fee", `${formatAmount(session.book, ETH, fee)} from your deposit${mode === "batched" ? "" : " (settled with your later anchored posts)"}`],
    ["tx", action.txHash ?? ""],
    ["block", String(action.blockNumber ?? "")],
  );
  console.log(table(rows));
}

/** Waits until GET /v1/posts/:id answers, up to 30 s (the post is on chain either way). */
async function untilServed(api: Api, postId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await api.get(`/v1/posts/${postId}`)) !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
