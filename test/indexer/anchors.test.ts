/**
 * Anchored batch resolution, pure: the hand-rolled EIP-712 digest + libsecp256k1 recovery agrees
 * with viem's, refuses what OpenZeppelin's ECDSA refuses, and the batch checks name what is wrong.
 */
import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";
import { keccak256, recoverTypedDataAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  buildAnchorTree,
  encodeAnchorData,
  type AnchoredPost,
} from "../../lib/anchored.ts";
import {
  pennyPostDomain,
  relayedTypes,
  signAnchoredPost,
} from "../../lib/relayed.ts";
import { anchoredSignerRecovery, resolveAnchorData, resolveAnchors } from "../../server/ingest/anchors.ts";
import type { AnchoredEvent, ProtocolEvent } from "../../server/domain.ts";

const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const domain = pennyPostDomain(31337, CONTRACT);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const recover = anchoredSignerRecovery(31337, CONTRACT);
const signers = Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()));

const message = fc.record({
  signer: fc.constantFrom(...signers),
  parentId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  content: fc.string({ unit: "grapheme", maxLength: 200 }),
  seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  cumulativeFee: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
});

async function sign(count: number, first = 0): Promise<AnchoredPost[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => {
    const signer = signers[i % signers.length];
    return signAnchoredPost(signer, domain, { author: signer.address, parentId: 0n, content: `post ${first + i}`, seq: BigInt(i + 1), cumulativeFee: BigInt(i + 1) * 10n });
  }));
}

describe("anchored batch resolution", () => {
  it("recovers the same signer as viem's recoverTypedDataAddress on 200 random posts", async () => {
    await fc.assert(
      fc.asyncProperty(message, async ({ signer, ...fields }) => {
        const post = await signAnchoredPost(signer, domain, { author: signers[0].address, ...fields });
        const reference = await recoverTypedDataAddress({ domain, types: relayedTypes, primaryType: "AnchoredPost", message: post, signature: post.signature });
        assert.equal(recover(post), reference.toLowerCase());
        assert.equal(recover(post), signer.address.toLowerCase());
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a high-s twin of a valid signature, a v other than 27/28 and a wrong-length signature, as OpenZeppelin's ECDSA does", async () => {
    const [post] = await sign(1);
    const r = post.signature.slice(2, 66);
    const s = BigInt(`0x${post.signature.slice(66, 130)}`);
    const v = Number.parseInt(post.signature.slice(130), 16);
    const twin = `0x${r}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    assert.equal(recover(post), signers[0].address.toLowerCase());
    assert.equal(recover({ ...post, signature: twin }), null, "high s");
    assert.equal(recover({ ...post, signature: `${post.signature.slice(0, 130)}${(v - 27).toString(16).padStart(2, "0")}` as Hex }), null, "v = 0/1");
    assert.equal(recover({ ...post, signature: post.signature.slice(0, 128) as Hex }), null, "64 bytes");
  });

  it("checks the data against the anchor: count, root, decodability", async () => {
    const posts = await sign(5);
    const root = buildAnchorTree(posts).root as Hex;
    const data = encodeAnchorData(posts);
    const ok = resolveAnchorData({ root, firstPostId: 10n, count: 5n }, data, "anchored-calldata", recover);
    assert.equal(ok.status, "valid");
    assert.equal(ok.status === "valid" && ok.leaves.length, 5);
    const reasons = [
      resolveAnchorData({ root, firstPostId: 10n, count: 6n }, data, "anchored-calldata", recover),
      resolveAnchorData({ root: buildAnchorTree([...posts].reverse()).root, firstPostId: 10n, count: 5n }, data, "anchored-calldata", recover),
      resolveAnchorData({ root, firstPostId: 10n, count: 5n }, `${data}00` as Hex, "anchored-calldata", recover),
      resolveAnchorData({ root, firstPostId: 10n, count: 5n }, data.slice(0, -10) as Hex, "anchored-calldata", recover),
    ].map((r) => (r.status === "invalid" ? r.reason : r.status));
    assert.match(reasons[0], /holds 5 posts, the anchor reserved 6/);
    assert.match(reasons[1], /root/);
    assert.match(reasons[2], /undecodable/);
    assert.match(reasons[3], /undecodable/);
  });

  it("takes hash-mode data from the source only when its keccak256 is the anchored data hash", async () => {
    const posts = await sign(3);
    const data = encodeAnchorData(posts);
    const event = (dataHash: Hex): ProtocolEvent => ({
      kind: "Anchored", batchId: 1n, sequencer: CONTRACT, root: buildAnchorTree(posts).root as Hex, firstPostId: 1n, count: 3n, dataHash, data: "0x",
      blockNumber: 1n, blockHash: `0x${"00".repeat(32)}`, logIndex: 0, txHash: `0x${"00".repeat(32)}`, timestamp: 0,
    });
    const wrongData = encodeAnchorData(await sign(3, 100));
    const source = { get: async (hash: Hex) => (hash === keccak256(data) ? data : hash === `0x${"ee".repeat(32)}` ? wrongData : undefined) };
    const events = [event(keccak256(data)), event(`0x${"ee".repeat(32)}`), event(`0x${"ff".repeat(32)}`)];
    await resolveAnchors(events, async () => ({ chainId: 31337, address: CONTRACT, source }));
    assert.deepEqual(events.map((e) => (e as AnchoredEvent).resolved?.status), ["valid", "dataUnavailable", "dataUnavailable"]);
  });
});
