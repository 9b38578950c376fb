/**
 * The relayed write modes end to end through viem and lib/relayed.ts, the way the relayer and the
 * benchmark drive them: batched signed actions, anchored batches with proofs, tip vouchers, session
 * keys and deposits. The Solidity suites (test/solidity/relayed) fuzz the same rules.
 */
import assert from "node:assert/strict";

import { describe, it } from "mocha";
import { type Address, type Hex, parseEther, toFunctionSelector } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  anchorLeaf,
  buildAnchorTree,
  contentHash,
  decodeAnchorData,
  encodeAnchorData,
  verifyAnchorProof,
  type AnchoredPost,
} from "../../lib/anchored.ts";
import {
  ETH as ETH_ADDRESS,
  ZERO_HASH,
  extendVoucher,
  pennyPostDomain,
  signAnchoredPost,
  signPost,
  signTip,
  signVoucher,
} from "../../lib/relayed.ts";
import { POST_FEE, TEXT_280, deployPennyPost, networkHelpers, split, viem } from "./fixtures.ts";

const FAR = 2n ** 40n;
const selector = (signature: string) => toFunctionSelector(signature);

async function relayedFixture() {
  const base = await deployPennyPost();
  const chainId = await base.publicClient.getChainId();
  const domain = pennyPostDomain(chainId, base.pennyPost.address);
  const authors = Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()));
  for (const a of authors) await base.pennyPost.write.deposit([a.address], { value: parseEther("1") });
  await base.pennyPost.write.setSequencer([base.owner.account.address, true]);
  const asBob = await viem.getContractAt("PennyPost", base.pennyPost.address, { client: { wallet: base.bob } });
  return { ...base, domain, authors, asBob };
}

async function receipt(publicClient: Awaited<ReturnType<typeof deployPennyPost>>["publicClient"], hash: Hex) {
  const r = await publicClient.waitForTransactionReceipt({ hash });
  assert.equal(r.status, "success");
  return r;
}

describe("relayed modes (viem + lib/relayed.ts)", () => {
  it("batched: executes signed posts and tips from deposits and credits the relayer the posting fees", async () => {
    const { pennyPost, asBob, bob, domain, authors, publicClient } = await networkHelpers.loadFixture(relayedFixture);
    const posts = [];
    for (let i = 0; i < 8; i++) {
      const author = authors[i % authors.length]!;
      posts.push(
        await signPost(author, domain, {
          author: author.address, parentId: 0n, content: `${TEXT_280.slice(0, 270)} #${i}`,
          maxFee: POST_FEE, nonce: BigInt(Math.floor(i / authors.length)), deadline: FAR,
        }),
      );
    }
    const tipper = authors[0]!;
    const tip = await signTip(tipper, domain, {
      tipper: tipper.address, postId: 3n, author: authors[1]!.address, asset: ETH_ADDRESS,
      amount: 1_000_003n, nonce: 2n, deadline: FAR,
    });
    const r = await receipt(publicClient, await asBob.write.submitBatch([posts, [tip]]));
    assert.equal(await pennyPost.read.postCount(), 9n);
    assert.equal(await pennyPost.read.owed([bob.account.address, ETH_ADDRESS]), 8n * POST_FEE);
    assert.equal(await pennyPost.read.owed([authors[1]!.address, ETH_ADDRESS]), split(1_000_003n).share);
    assert.equal(await pennyPost.read.depositOf([tipper.address, ETH_ADDRESS]), parseEther("1") - 2n * POST_FEE - 1_000_003n);
    assert.equal(await pennyPost.read.nonces([tipper.address]), 3n);
    console.log(`      batched: ${r.gasUsed} gas for 8 posts + 1 tip`);
  });

  it("batched: skips a replayed, a forged and an expired action without reverting", async () => {
    const { pennyPost, asBob, domain, authors, publicClient } = await networkHelpers.loadFixture(relayedFixture);
    const [a, b] = authors as [typeof authors[0], typeof authors[0]];
    const good = await signPost(a, domain, { author: a.address, parentId: 0n, content: "ok", maxFee: POST_FEE, nonce: 0n, deadline: FAR });
    const forged = await signPost(b, domain, { author: a.address, parentId: 0n, content: "forged", maxFee: POST_FEE, nonce: 1n, deadline: FAR });
    const now = BigInt((await publicClient.getBlock()).timestamp);
    const expired = await signPost(b, domain, { author: b.address, parentId: 0n, content: "late", maxFee: POST_FEE, nonce: 0n, deadline: now });
    const r = await receipt(publicClient, await asBob.write.submitBatch([[good, good, forged, expired], []]));
    const events = await pennyPost.getEvents.ActionSkipped({}, { fromBlock: r.blockNumber, toBlock: r.blockNumber });
    assert.deepEqual(
      events.map((e) => e.args.reason),
      [
        selector("PennyPostNonceMismatch(address,uint256,uint256)"),
        selector("PennyPostBadSignature(address)"),
        selector("PennyPostExpired(uint256)"),
      ],
    );
    assert.equal(await pennyPost.read.postCount(), 2n);
    assert.equal(await pennyPost.read.nonces([a.address]), 1n);
    assert.equal(await pennyPost.read.nonces([b.address]), 0n);
  });

  it("anchored: reserves ids, and every post's proof verifies on chain and off chain, in both data modes", async () => {
    const { pennyPost, domain, authors, publicClient } = await networkHelpers.loadFixture(relayedFixture);
    const posts: AnchoredPost[] = [];
    const seq = new Map<Address, bigint>();
    for (let i = 0; i < 37; i++) {
      const author = authors[i % authors.length]!;
      const n = (seq.get(author.address) ?? 0n) + 1n;
      seq.set(author.address, n);
      posts.push(await signAnchoredPost(author, domain, {
        author: author.address, parentId: i > 3 ? 1n : 0n, content: `anchored ${i} ✓`, seq: n, cumulativeFee: n * POST_FEE,
      }));
    }
    const data = encodeAnchorData(posts);
    // decoded addresses and signatures are lower-case hex
    assert.deepEqual(decodeAnchorData(data), posts.map((p) => ({ ...p, author: p.author.toLowerCase() as Hex, signature: p.signature.toLowerCase() as Hex })));
    for (const mode of ["calldata", "hash"] as const) {
      const first = (await pennyPost.read.postCount()) + 1n;
      const tree = buildAnchorTree(posts);
      const root = tree.root;
      const hash = mode === "calldata"
        ? await pennyPost.write.anchor([root, BigInt(posts.length), data])
        : await pennyPost.write.anchorHash([root, BigInt(posts.length), "0x" + "ab".repeat(32) as Hex]);
      const r = await receipt(publicClient, hash);
      const batchId = await pennyPost.read.anchorCount();
      assert.deepEqual(await pennyPost.read.anchorOf([batchId]), [root, first, BigInt(posts.length)]);
      for (const [i, leaf] of posts.map((post, i) => anchorLeaf(BigInt(i), post)).entries()) {
        const proof = tree.proof(i);
        const [index, author, parentId, ch] = leaf;
        const postId = first + index;
        assert.equal(await pennyPost.read.verifyAnchoredPost([batchId, postId, author, parentId, ch, proof]), true);
        assert.equal(verifyAnchorProof(root, [index, author, parentId, ch], proof), true);
        // a wrong field or a wrong position fails, on chain and off
        assert.equal(verifyAnchorProof(root, [index + 1n, author, parentId, ch], proof), false);
        assert.equal(await pennyPost.read.verifyAnchoredPost([batchId, postId + 1n, author, parentId, ch, proof]), false);
        assert.equal(await pennyPost.read.verifyAnchoredPost([batchId, postId, author, parentId, contentHash("forged"), proof]), false);
      }
      console.log(`      anchored (${mode}): ${r.gasUsed} gas for ${posts.length} posts`);
    }
  });

  it("anchored fees: one signature per author settles all its posts; a second settlement pays nothing twice", async () => {
    const { pennyPost, owner, domain, authors, publicClient } = await networkHelpers.loadFixture(relayedFixture);
    const a = authors[0]!;
    const last = await signAnchoredPost(a, domain, { author: a.address, parentId: 0n, content: "fifth", seq: 5n, cumulativeFee: 5n * POST_FEE });
    // Signed, not anchored yet: no batch holds it, so no fee is taken (issue 16).
    const unanchored = { author: a.address, parentId: 0n, contentHash: contentHash("fifth"), seq: 5n, cumulativeFee: 5n * POST_FEE, signature: last.signature, batchId: 0n, index: 0n, proof: [] as Hex[] };
    const refused = await receipt(publicClient, await pennyPost.write.settleAnchoredFees([[unanchored]]));
    const [notAnchored] = await pennyPost.getEvents.ActionSkipped({}, { fromBlock: refused.blockNumber, toBlock: refused.blockNumber });
    assert.equal(notAnchored?.args.reason, selector("PennyPostNotAnchored(address,uint256)"));
    assert.equal(await pennyPost.read.anchoredFeesPaid([a.address]), 0n);
    // Anchored as leaf 1 of a two-post batch: the settlement names the batch, the leaf and its proof.
    const other = authors[1]!;
    const tree = buildAnchorTree([last, await signAnchoredPost(other, domain, { author: other.address, parentId: 0n, content: "x", seq: 1n, cumulativeFee: POST_FEE })].reverse());
    await receipt(publicClient, await pennyPost.write.anchorHash([tree.root, 2n, tree.root]));
    const item = { ...unanchored, batchId: await pennyPost.read.anchorCount(), index: 1n, proof: tree.proof(1) };
    const wrongLeaf = await receipt(publicClient, await pennyPost.write.settleAnchoredFees([[{ ...item, index: 0n, proof: tree.proof(0) }]]));
    const [wrong] = await pennyPost.getEvents.ActionSkipped({}, { fromBlock: wrongLeaf.blockNumber, toBlock: wrongLeaf.blockNumber });
    assert.equal(wrong?.args.reason, selector("PennyPostNotAnchored(address,uint256)"), "another author's leaf proves nothing for this one");
    await receipt(publicClient, await pennyPost.write.settleAnchoredFees([[item]]));
    assert.equal(await pennyPost.read.anchoredFeesPaid([a.address]), 5n * POST_FEE);
    assert.equal(await pennyPost.read.owed([owner.account.address, ETH_ADDRESS]), 5n * POST_FEE);
    const r = await receipt(publicClient, await pennyPost.write.settleAnchoredFees([[item]]));
    const [skip] = await pennyPost.getEvents.ActionSkipped({}, { fromBlock: r.blockNumber, toBlock: r.blockNumber });
    assert.equal(skip?.args.reason, selector("PennyPostFeeAlreadySettled(address,uint256,uint256)"));
    assert.equal(await pennyPost.read.depositOf([a.address, ETH_ADDRESS]), parseEther("1") - 5n * POST_FEE);
  });

  it("vouchers: settle a chain of tips with one signature; a stale voucher pays nothing; a newer one pays the rest", async () => {
    const { pennyPost, stranger, domain, authors, publicClient } = await networkHelpers.loadFixture(relayedFixture);
    const asStranger = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: stranger } });
    const tipper = authors[3]!;
    const tips = [1n, 1n, 1n].map((postId, i) => ({ postId, author: authors[0]!.address, amount: 1000n + BigInt(i) }));
    // post 1 is alice's direct post: the author must match
    const { alice } = await networkHelpers.loadFixture(relayedFixture);
    for (const t of tips) t.author = alice.account.address;
    const v1 = extendVoucher({ cumulativeAmount: 0n, tipsHash: ZERO_HASH }, tips.slice(0, 2));
    const v2 = extendVoucher(v1, tips.slice(2));
    const s1 = await signVoucher(tipper, domain, { tipper: tipper.address, asset: ETH_ADDRESS, ...v1 });
    const s2 = await signVoucher(tipper, domain, { tipper: tipper.address, asset: ETH_ADDRESS, ...v2 });
    await receipt(publicClient, await asStranger.write.settleVouchers([[{ ...s1, tips: tips.slice(0, 2) }]]));
    const r = await receipt(publicClient, await asStranger.write.settleVouchers([[{ ...s1, tips: tips.slice(0, 2) }, { ...s2, tips: tips.slice(2) }]]));
    const skipped = await pennyPost.getEvents.ActionSkipped({}, { fromBlock: r.blockNumber, toBlock: r.blockNumber });
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]?.args.reason, selector("PennyPostVoucherStale(address,address,uint256,uint256)"));
    assert.deepEqual(await pennyPost.read.voucherState([tipper.address, ETH_ADDRESS]), [v2.cumulativeAmount, v2.tipsHash]);
    const expected = tips.reduce((s, t) => s + split(t.amount).share, 0n);
    assert.equal(await pennyPost.read.owed([alice.account.address, ETH_ADDRESS]), expected);
  });
});
