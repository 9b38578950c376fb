/**
 * Where the gas of a batched post goes: `npx hardhat run scripts/bench/gas-breakdown.ts`.
 * Deploys PennyPost on the embedded network, sends a steady-state `submitBatch` of 128 signed
 * 280-byte posts from 16 authors (their nonces and deposits already warm from a first batch), traces
 * it (gas-trace.ts) and prints the gas per post by what it pays for against the transaction's
 * EIP-7623 calldata floor. `npm run bench -- --profile` does the same for its batched scenarios.
 */
import { network } from "hardhat";
import { parseEther, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { pennyPostDomain, signPost } from "../../lib/relayed.ts";
import { traceGas } from "./gas-trace.ts";

const POSTS = 128;
const AUTHORS = 16;
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
  return signPost(a, domain, { author: a.address, parentId: 0n, content: "x".repeat(280), maxFee: FEE, nonce: BigInt(round * (POSTS / AUTHORS) + Math.floor(i / AUTHORS)), deadline: 2n ** 40n });
}));
await publicClient.waitForTransactionReceipt({ hash: await pennyPost.write.submitBatch([await batch(0), []]) });
const hash = await pennyPost.write.submitBatch([await batch(1), []]);
const receipt = await publicClient.waitForTransactionReceipt({ hash });
const tx = await publicClient.getTransaction({ hash });
const profile = await traceGas(publicClient as unknown as PublicClient, hash, tx.input, POSTS);
const n = (x: number) => x.toLocaleString("en-US");
console.log(`submitBatch of ${POSTS} posts of 280 bytes, ${AUTHORS} authors, steady state: ${n(Number(receipt.gasUsed) / POSTS)} gas/post; EIP-7623 floor ${n(profile.floorPerItem)}/post (${(Number(receipt.gasUsed) / POSTS / profile.floorPerItem).toFixed(3)}x)`);
console.log(`A transaction pays 21,000 + max(4 x tokens + execution, 10 x tokens): execution up to ${n(profile.freeExecutionPerItem)}/post is free; within 10% of the floor allows ${n(profile.withinTenPercentPerItem)}/post; it executes ${n(profile.executionPerItem)}.\n`);
console.log("| gas per post | what |\n|---:|---|");
for (const [what, gas] of Object.entries(profile.perItem)) console.log(`| ${n(gas)} | ${what} |`);
