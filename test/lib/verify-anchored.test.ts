/**
 * lib/verify-anchored.ts recomputes leaves and proofs with viem alone (the web page cannot load
 * lib/anchored.ts): the two implementations must agree on every leaf and proof of random batches,
 * and a changed field, position or sibling must fail.
 */
import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";
import { getAddress, type Address, type Hex } from "viem";

import { anchorLeaf, anchorLeafHash, buildAnchorTree, contentHash, type AnchoredPost } from "../../lib/anchored.ts";
import { anchoredLeafHash, contentHashOf, provesLeaf } from "../../lib/verify-anchored.ts";

const post = fc.record({
  author: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(`0x${Buffer.from(b).toString("hex")}`) as Address),
  parentId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  content: fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }),
});

describe("lib/verify-anchored.ts (viem only) agrees with lib/anchored.ts", () => {
  it("same content hash, leaf hash and proofs for random batches; a changed field fails", () => {
    fc.assert(fc.property(fc.array(post, { minLength: 1, maxLength: 9 }), (raw) => {
      const posts = raw.map((p, i) => ({ ...p, seq: BigInt(i + 1), cumulativeFee: 0n, signature: "0x" as Hex })) as AnchoredPost[];
      const tree = buildAnchorTree(posts);
      for (const [i, p] of posts.entries()) {
        const index = BigInt(i);
        assert.equal(contentHashOf(p.content), contentHash(p.content));
        const leaf = anchoredLeafHash(index, p.author, p.parentId, contentHashOf(p.content));
        assert.equal(leaf, anchorLeafHash(anchorLeaf(index, p)));
        assert.equal(provesLeaf(tree.root, leaf, tree.proof(i)), true);
        assert.equal(provesLeaf(tree.root, anchoredLeafHash(index, p.author, p.parentId + 1n, contentHashOf(p.content)), tree.proof(i)), false, "parent");
        assert.equal(provesLeaf(tree.root, anchoredLeafHash(index, p.author, p.parentId, contentHashOf(`${p.content}!`)), tree.proof(i)), false, "content");
        assert.equal(provesLeaf(tree.root, anchoredLeafHash(index + 1n, p.author, p.parentId, contentHashOf(p.content)), tree.proof(i)), false, "position");
      }
    }), { numRuns: 200 });
  });
});
