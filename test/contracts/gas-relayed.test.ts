/**
 * Gas of the relayed write modes, the figures behind the README's trust table:
 *   npx hardhat test mocha test/contracts/gas-relayed.test.ts
 * Every post carries 280 bytes of text, as in gas.test.ts. The EIP-7623 floor of a transaction is
 * 21,000 + 10 * (zero bytes + 4 * non-zero bytes) of its calldata; a transaction pays
 * max(execution gas, floor). The assertions are regression guards; the printed table is the figure.
 */
import assert from "node:assert/strict";

import { after, describe, it } from "mocha";
import { type Hex, encodeFunctionData, hexToBytes, keccak256, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  buildAnchorTree,
  encodeAnchorData,
} from "../../lib/anchored.ts";
import {
  ETH,
  extendVoucher,
  pennyPostDomain,
  signAnchoredPost,
  signPost,
  signVoucher,
} from "../../lib/relayed.ts";
import { POST_FEE, TEXT_280, deployPennyPost, networkHelpers } from "./fixtures.ts";

/** EIP-7623 floor of a transaction with this calldata. */
export function calldataFloor(input: Hex): number {
  const bytes = hexToBytes(input);
  const zeros = bytes.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  return 21_000 + 10 * (zeros + 4 * (bytes.length - zeros));
}

const AUTHORS = 16;
const rows: string[] = [];
const row = (mode: string, items: number, gasUsed: bigint, input: Hex, unit = "post") => {
  const perItem = Number(gasUsed) / items;
  const floor = calldataFloor(input) / items;
  rows.push(
    `| ${mode} | ${items} | ${Math.round(perItem).toLocaleString("en")} gas/${unit} | ${Math.round(floor).toLocaleString("en")} | ${(perItem / floor).toFixed(2)}x | ${Math.round((input.length / 2 - 1) / items)} B |`,
  );
  return { perItem, floor };
};

async function fixture() {
  const base = await deployPennyPost();
  const domain = pennyPostDomain(await base.publicClient.getChainId(), base.pennyPost.address);
  await base.pennyPost.write.setSequencer([base.owner.account.address, true]);
  const authors = Array.from({ length: AUTHORS }, () => privateKeyToAccount(generatePrivateKey()));
  for (const a of authors) await base.pennyPost.write.deposit([a.address], { value: parseEther("1") });
  const send = async (hash: Promise<Hex>) => {
    const h = await hash;
    const [receipt, tx] = await Promise.all([base.publicClient.waitForTransactionReceipt({ hash: h }), base.publicClient.getTransaction({ hash: h })]);
    assert.equal(receipt.status, "success");
    return { gasUsed: receipt.gasUsed, input: tx.input };
  };
  return { ...base, domain, authors, send };
}

describe("gas figures of the relayed modes (README trust table)", () => {
  after(() => {
    console.log(["", "| mode | items/tx | gas per item | EIP-7623 floor per item | ratio | calldata per item |", "|---|---:|---:|---:|---:|---:|", ...rows].join("\n      "));
  });

  it("batched: 256 signed posts from 16 authors per transaction, steady state (nonces already used)", async () => {
    const { pennyPost, domain, authors, send } = await networkHelpers.loadFixture(fixture);
    const batch = async (round: number) =>
      Promise.all(Array.from({ length: 256 }, (_, i) => {
        const a = authors[i % AUTHORS]!;
        return signPost(a, domain, { author: a.address, parentId: 0n, content: TEXT_280, maxFee: POST_FEE, nonce: BigInt(round * 16 + Math.floor(i / AUTHORS)), deadline: 2n ** 40n });
      }));
    await send(pennyPost.write.submitBatch([await batch(0), []]));
    const { gasUsed, input } = await send(pennyPost.write.submitBatch([await batch(1), []]));
    const { perItem, floor } = row("batched", 256, gasUsed, input);
    assert.ok(perItem < 1.25 * floor, `batched: ${perItem} gas/post against a floor of ${floor}`);
  });

  it("batched: a batch sized to the 2^24 per-transaction gas cap executes every item within it; one item more runs out of gas and consumes nothing", async () => {
    const { pennyPost, domain, authors, publicClient, owner } = await networkHelpers.loadFixture(fixture);
    const CAP = 2n ** 24n;
    const sign = (n: number, round = 0) =>
      Promise.all(Array.from({ length: n }, (_, i) => {
        const a = authors[i % AUTHORS]!;
        return signPost(a, domain, { author: a.address, parentId: 0n, content: TEXT_280, maxFee: POST_FEE, nonce: BigInt(round + Math.floor(i / AUTHORS)), deadline: 2n ** 40n });
      }));
    let n = 1024;
    let posts = await sign(n);
    // Whether the batch runs within the cap: executed (eth_call) with exactly that much gas.
    const fits = (p: typeof posts) =>
      publicClient
        .call({ account: owner.account, to: pennyPost.address, gas: CAP, data: encodeFunctionData({ abi: pennyPost.abi, functionName: "submitBatch", args: [p, []] }) })
        .then(() => true, () => false);
    while (!(await fits(posts))) posts = posts.slice(0, (n -= AUTHORS));
    // One more round of 16 posts would not fit: with the gas limit at the cap, that batch reverts as a whole.
    const over = await sign(n + AUTHORS);
    // (Hardhat's network refuses a transaction that fails, instead of mining it reverted.)
    await assert.rejects(pennyPost.write.submitBatch([over, []], { gas: CAP }), /ran out of gas/);
    assert.equal(await pennyPost.read.nonces([authors[0]!.address]), 0n, "a reverted batch consumes no nonce");
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await pennyPost.write.submitBatch([posts, []], { gas: CAP }) });
    assert.equal(receipt.status, "success");
    assert.ok(receipt.gasUsed <= CAP);
    const [batch] = await pennyPost.getEvents.BatchSubmitted({}, { fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber });
    assert.equal(batch?.args.posts, BigInt(n));
    assert.equal(batch?.args.skipped, 0n);
    console.log(`      ${n} posts of 280 bytes in one transaction: ${receipt.gasUsed} gas of the ${CAP} cap`);
  });

  it("anchored: 1,024 posts per batch, data in calldata (pays the floor) or only its hash (<= 100 gas/post)", async () => {
    const { pennyPost, domain, authors, send } = await networkHelpers.loadFixture(fixture);
    const posts = await Promise.all(Array.from({ length: 1024 }, (_, i) => {
      const a = authors[i % AUTHORS]!;
      const seq = BigInt(Math.floor(i / AUTHORS) + 1);
      return signAnchoredPost(a, domain, { author: a.address, parentId: 0n, content: TEXT_280, seq, cumulativeFee: seq * POST_FEE });
    }));
    const data = encodeAnchorData(posts);
    let first = (await pennyPost.read.postCount()) + 1n;
    const calldata = await send(pennyPost.write.anchor([buildAnchorTree(posts).root as Hex, 1024n, data]));
    const c = row("anchored-calldata", 1024, calldata.gasUsed, calldata.input);
    assert.ok(c.perItem <= c.floor * 1.001, "calldata mode pays the floor: execution stays below it");
    first += 1024n;
    const hashed = await send(pennyPost.write.anchorHash([buildAnchorTree(posts).root as Hex, 1024n, keccak256(data)]));
    const h = row("anchored-hash", 1024, hashed.gasUsed, hashed.input);
    assert.ok(h.perItem <= 100, `anchored-hash: ${h.perItem} gas/post`);
  });

  it("vouchers: 16 tippers settle 16 tips each per transaction, steady state", async () => {
    const { pennyPost, domain, authors, send, alice } = await networkHelpers.loadFixture(fixture);
    const settle = async () => {
      const vouchers = await Promise.all(authors.map(async (t) => {
        const [cumulativeAmount, tipsHash] = await pennyPost.read.voucherState([t.address, ETH]);
        const tips = Array.from({ length: 16 }, (_, k) => ({ postId: 1n, author: alice.account.address, amount: 1_000n + BigInt(k) }));
        const next = extendVoucher({ cumulativeAmount, tipsHash }, tips);
        return { ...(await signVoucher(t, domain, { tipper: t.address, asset: ETH, ...next })), tips };
      }));
      return send(pennyPost.write.settleVouchers([vouchers]));
    };
    await settle();
    const { gasUsed, input } = await settle();
    const { perItem } = row("vouchers", 256, gasUsed, input, "tip");
    assert.ok(perItem < 12_000, `vouchers: ${perItem} gas/tip`);
  });
});
