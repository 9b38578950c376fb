/**
 * lib/anchored.ts hashes by hand, with hash-wasm's keccak, for speed: every function here is
 * checked against the reference it replaces (viem's keccak256 / abi encoding / hashTypedData and
 * @openzeppelin/merkle-tree's tree and proofs) on random inputs. The contract side (the same roots
 * and proofs accepted by `verifyAnchoredPost`) is in test/contracts/relayed.test.ts.
 */
import assert from "node:assert/strict";

import { getProof, makeMerkleTree, processProof } from "@openzeppelin/merkle-tree/dist/core.js";
import fc from "fast-check";
import { encodeAbiParameters, keccak256, recoverAddress, stringToBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  AnchorDataError,
  anchoredPostDigestReference,
  anchoredPostDigester,
  anchorLeaf,
  anchorLeafHash,
  anchorTreeFromHashes,
  buildAnchorTree,
  contentHash,
  decodeAnchorData,
  encodeAnchorData,
  verifyAnchorProof,
  type AnchoredPost,
} from "../../lib/anchored.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import { pennyPostDomain, signAnchoredPost } from "../../lib/relayed.ts";

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
const post = fc.record({
  author: hex(20) as fc.Arbitrary<Address>,
  parentId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  content: fc.string({ unit: "grapheme", maxLength: 300 }),
  seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  cumulativeFee: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  signature: hex(65),
});
const referenceLeafHash = (index: bigint, author: Address, parentId: bigint, content: string): Hex =>
  keccak256(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "bytes32" }], [index, author, parentId, keccak256(stringToBytes(content))])));

describe("lib/anchored.ts against the reference implementations", () => {
  it("keccak and contentHash equal viem's keccak256", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => keccakHex(bytes) === keccak256(bytes)), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => contentHash(s) === keccak256(stringToBytes(s))), { numRuns: 500 });
  });

  it("leaf hashes equal keccak256(keccak256(abi.encode(index, author, parentId, contentHash)))", () => {
    fc.assert(fc.property(post, fc.nat({ max: 1 << 24 }), (p, i) => anchorLeafHash(anchorLeaf(BigInt(i), p)) === referenceLeafHash(BigInt(i), p.author, p.parentId, p.content)), { numRuns: 500 });
  });

  it("trees and proofs equal @openzeppelin/merkle-tree's for every batch size from 1 to 70, and proofs verify", () => {
    fc.assert(fc.property(fc.array(post, { minLength: 1, maxLength: 70 }), (posts) => {
      const tree = buildAnchorTree(posts as AnchoredPost[]);
      const reference = makeMerkleTree(posts.map((p, i) => referenceLeafHash(BigInt(i), p.author, p.parentId, p.content)));
      assert.equal(tree.root, reference[0]);
      assert.deepEqual(anchorTreeFromHashes(tree.leafHashes).root, tree.root);
      for (let i = 0; i < posts.length; i++) {
        const proof = tree.proof(i);
        assert.deepEqual(proof, getProof(reference, reference.length - 1 - i));
        assert.equal(processProof(tree.leafHashes[i]!, proof), tree.root);
        assert.equal(verifyAnchorProof(tree.root, anchorLeaf(BigInt(i), posts[i]!), proof), true);
        // the same post at another position, or another content, does not verify
        assert.equal(verifyAnchorProof(tree.root, anchorLeaf(BigInt(i + posts.length), posts[i]!), proof), false);
        assert.equal(verifyAnchorProof(tree.root, [...anchorLeaf(BigInt(i), posts[i]!).slice(0, 3), contentHash(`${posts[i]!.content}!`)] as never, proof), false);
      }
      assert.throws(() => tree.proof(posts.length), RangeError);
    }), { numRuns: 200 });
    assert.throws(() => buildAnchorTree([]), RangeError);
  });

  it("the hand-built AnchoredPost digest equals viem's hashTypedData, and a wallet's signature recovers from it", async () => {
    const domain = pennyPostDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const digest = anchoredPostDigester(domain);
    fc.assert(fc.property(post, (p) => `0x${Buffer.from(digest(p)).toString("hex")}` === anchoredPostDigestReference(domain, p)), { numRuns: 500 });
    const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const message = { author: account.address, parentId: 7n, content: "hello ✓", seq: 3n, cumulativeFee: 30n };
    const signed = await signAnchoredPost(account, domain, message);
    assert.equal(`0x${Buffer.from(digest(message)).toString("hex")}`, anchoredPostDigestReference(domain, message));
    assert.equal(await recoverAddress({ hash: digest(message), signature: signed.signature }), account.address);
  });

  it("batch data round-trips (lower-case hex out) and malformed data is refused with AnchorDataError", () => {
    fc.assert(fc.property(fc.array(post, { minLength: 0, maxLength: 20 }), (posts) => {
      const lower = posts.map((p) => ({ ...p, author: p.author.toLowerCase(), signature: p.signature.toLowerCase(), content: Buffer.from(p.content, "utf8").toString("utf8") }));
      assert.deepEqual(decodeAnchorData(encodeAnchorData(posts as AnchoredPost[])), lower);
    }), { numRuns: 300 });
    const data = encodeAnchorData([{ author: "0x00000000000000000000000000000000000000aa", parentId: 0n, content: "x", seq: 1n, cumulativeFee: 1n, signature: `0x${"11".repeat(65)}` }]);
    for (const bad of [`${data}00`, data.slice(0, -2), `${data.slice(0, -2)}zz`, `${data}0`, data.slice(2), "0x02" + data.slice(4)]) {
      assert.throws(() => decodeAnchorData(bad as Hex), AnchorDataError, bad.slice(-10));
    }
    assert.throws(() => hexBytes("0x0g"), RangeError);
  });
});
