/**
 * Where the gas of a batched post goes: `npx hardhat run scripts/bench/gas-breakdown.ts`.
 * Deploys PennyPost on the embedded network, sends a steady-state `submitBatch` of 128 signed
 * 280-byte posts from 16 authors (their nonces and deposits already warm from a first batch), traces
 * it (debug_traceTransaction, struct logs) and sums the gas by what it pays for, per post, against
 * the transaction's EIP-7623 calldata floor. This is the measurement behind the README's answer to
 * "why is batched mode not within 10% of its floor".
 */
import { network } from "hardhat";
import { encodeFunctionData, hexToBytes, parseEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { pennyPostDomain, signPost } from "../../lib/relayed.ts";

const POSTS = 128;
const AUTHORS = 16;
const TEXT = "x".repeat(280);
const FEE = 10n ** 13n;

const { viem } = await network.create();
const [owner] = await viem.getWalletClients();
const publicClient = await viem.getPublicClient();
const pennyPost = await viem.deployContract("PennyPost", [owner!.account.address, owner!.account.address, FEE, 250n]);
const domain = pennyPostDomain(await publicClient.getChainId(), pennyPost.address);
const authors = Array.from({ length: AUTHORS }, () => privateKeyToAccount(generatePrivateKey()));
for (const a of authors) await pennyPost.write.deposit([a.address], { value: parseEther("1") });
const batch = (round: number) => Promise.all(Array.from({ length: POSTS }, (_, i) => {
  const a = authors[i % AUTHORS]!;
  return signPost(a, domain, { author: a.address, parentId: 0n, content: TEXT, maxFee: FEE, nonce: BigInt(round * (POSTS / AUTHORS) + Math.floor(i / AUTHORS)), deadline: 2n ** 40n });
}));
await publicClient.waitForTransactionReceipt({ hash: await pennyPost.write.submitBatch([await batch(0), []]) });
const data = encodeFunctionData({ abi: pennyPost.abi, functionName: "submitBatch", args: [await batch(1), []] });
const hash = await owner!.sendTransaction({ to: pennyPost.address, data, chain: null });
const receipt = await publicClient.waitForTransactionReceipt({ hash });

interface Step { op: string; gas: number; gasCost: number; depth: number }
const trace = (await publicClient.request({
  method: "debug_traceTransaction" as never,
  params: [hash, { disableStack: true, disableMemory: true, disableStorage: true }] as never,
})) as { gas: number; structLogs: Step[] };

const groups: Record<string, number> = {};
const add = (group: string, gas: number) => (groups[group] = (groups[group] ?? 0) + gas);
const other: Record<string, number> = {};
const steps = trace.structLogs;
for (const [i, step] of steps.entries()) {
  const op = step.op;
  // A call's gasCost counts the gas it forwards; what it used is the drop to the next step at the
  // same depth (a precompile call, ecrecover, has no steps of its own).
  const next = steps[i + 1];
  const cost = op === "STATICCALL" && next !== undefined && next.depth === step.depth ? step.gas - next.gas : step.gasCost;
  if (op === "STATICCALL") add("ecrecover (STATICCALL to the precompile: 3,000 + access)", cost);
  else if (op.startsWith("LOG")) add("logs (Posted: 375 + 375 per topic + 8 per data byte)", step.gasCost);
  else if (op === "KECCAK256") add("keccak256 (content, struct, digest, mapping slots)", step.gasCost);
  else if (op === "SLOAD" || op === "SSTORE") add("storage (nonces, deposits, post count)", step.gasCost);
  else if (op.startsWith("CALLDATA")) add("calldata reads and copies", step.gasCost);
  else if (["MLOAD", "MSTORE", "MSTORE8", "MCOPY"].includes(op)) add("memory", step.gasCost);
  else {
    add("everything else (ABI decoding, checks, loop: stack and arithmetic)", step.gasCost);
    other[op] = (other[op] ?? 0) + step.gasCost;
  }
}
const bytes = hexToBytes(data as Hex);
const zeros = bytes.filter((b) => b === 0).length;
const tokens = zeros + 4 * (bytes.length - zeros);
const standardCalldata = 4 * tokens;
const floor = 21_000 + 10 * tokens;
const execution = Object.values(groups).reduce((a, b) => a + b, 0);
const per = (gas: number) => Math.round(gas / POSTS).toLocaleString("en-US");
console.log(`submitBatch of ${POSTS} posts of ${TEXT.length} bytes, ${AUTHORS} authors, steady state: ${receipt.gasUsed} gas = ${per(Number(receipt.gasUsed))}/post`);
console.log(`EIP-7623 floor: ${floor} = ${per(floor)}/post (${(Number(receipt.gasUsed) / floor).toFixed(3)}x); calldata ${bytes.length} bytes, ${tokens} tokens`);
console.log(`A transaction pays 21,000 + max(4 x tokens + execution, 10 x tokens): execution below 6 x tokens = ${per(6 * tokens)}/post is free; within 10% of the floor allows ${per(6 * tokens + 0.1 * floor)}/post.\n`);
console.log("| gas per post | what |\n|---:|---|");
console.log(`| ${per(21_000)} | intrinsic 21,000, shared |`);
console.log(`| ${per(standardCalldata)} | calldata at the standard 4/16 gas per byte |`);
for (const [group, gas] of Object.entries(groups).sort((a, b) => b[1] - a[1])) console.log(`| ${per(gas)} | ${group} |`);
console.log(`| **${per(execution)}** | execution in total (trace) |`);
console.log(`\nOf "everything else", per post: ${Object.entries(other).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([op, gas]) => `${op} ${per(gas)}`).join(", ")}`);
