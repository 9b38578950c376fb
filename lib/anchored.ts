/**
 * Anchored batches (contracts/interfaces/IPennyPostRelayed.sol, `anchor` / `anchorHash`): the leaf
 * and its hash, the batch's Merkle tree and proofs, the proof verifier, the batch data format, and
 * the EIP-712 digest of an `AnchoredPost`. Used by the sequencer (relayer), the indexer, the CLI,
 * the benchmark and anyone who wants to check a proof without trusting an indexer.
 *
 * This is a hot path (a sequencer and an indexer hash every post several times), so it hashes with
 * lib/keccak.ts and works on bytes; every function gives the same result as the viem/OpenZeppelin
 * equivalents (test/contracts/anchored-lib.test.ts checks them against each other and the contract).
 */
import { domainSeparator, hashTypedData, type Address, type Hex } from "viem";

import { hexBytes, keccak, keccakHex } from "./keccak.ts";
import { relayedTypes, type AnchoredPostMessage, type PennyPostDomain, type Signed } from "./relayed.ts";

/** One post of an anchored batch, as the sequencer received it (signed by the author or a session key). */
export type AnchoredPost = Signed<AnchoredPostMessage>;

/** A leaf names the post's position in its batch (`index`); its id is the batch's `firstPostId + index`. */
export type AnchorLeaf = [index: bigint, author: Address, parentId: bigint, contentHash: Hex];

const utf8 = new TextEncoder();
const toHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;

/** Writes `value` as a big-endian uint256 into `out` at `at` (which must be zeroed). */
export function putUint(out: Uint8Array, at: number, value: bigint): void {
  for (let i = 31; i >= 0 && value > 0n; i--) {
    out[at + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

export const contentHash = (content: string): Hex => keccakHex(utf8.encode(content));

export function anchorLeaf(index: bigint, post: Pick<AnchoredPostMessage, "author" | "parentId" | "content">): AnchorLeaf {
  return [index, post.author.toLowerCase() as Address, post.parentId, contentHash(post.content)];
}

/** keccak256(keccak256(abi.encode(index, author, parentId, contentHash))), as bytes. */
function leafHashBytes(index: bigint, author: Uint8Array, parentId: bigint, content: Uint8Array): Uint8Array {
  const encoded = new Uint8Array(128);
  putUint(encoded, 0, index);
  encoded.set(author, 44);
  putUint(encoded, 64, parentId);
  encoded.set(content, 96);
  return keccak(keccak(encoded));
}

/**
 * The leaf hash the contract's `anchoredLeaf` computes:
 * keccak256(keccak256(abi.encode(index, author, parentId, contentHash))).
 */
export function anchorLeafHash(leaf: AnchorLeaf): Hex {
  const [index, author, parentId, hash] = leaf;
  return toHex(leafHashBytes(index, hexBytes(author), parentId, hexBytes(hash)));
}

/** keccak256 of the two nodes in ascending byte order (OpenZeppelin's sorted-pair `hashPair`). */
function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64);
  const [low, high] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  pair.set(low, 0);
  pair.set(high, 32);
  return keccak(pair);
}

/** A batch's Merkle tree: OpenZeppelin's sorted-pair tree over the leaves in batch order. */
export interface AnchorTree {
  root: Hex;
  /** `anchorLeafHash(leaf i)`. */
  leafHashes: Hex[];
  /** The proof of leaf `index` (its position in the batch), for `verifyAnchoredPost`. */
  proof: (index: number) => Hex[];
}

/**
 * The tree over `leafHashes` (leaf i = post i of the batch), laid out as @openzeppelin/merkle-tree's
 * `makeMerkleTree` does, so roots and proofs are the same (an array of 2n - 1 nodes, root first,
 * leaves at the end in reverse order, node i's children at 2i + 1 and 2i + 2).
 */
export function anchorTreeOf(leafHashes: readonly Uint8Array[]): { root: Uint8Array; proof: (index: number) => Uint8Array[] } {
  const n = leafHashes.length;
  if (n === 0) throw new RangeError("an anchored batch has at least one post");
  const nodes = new Array<Uint8Array>(2 * n - 1);
  for (let i = 0; i < n; i++) nodes[nodes.length - 1 - i] = leafHashes[i]!;
  for (let i = nodes.length - 1 - n; i >= 0; i--) nodes[i] = hashPair(nodes[2 * i + 1]!, nodes[2 * i + 2]!);
  return {
    root: nodes[0]!,
    proof(index) {
      if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`no leaf ${index} in a batch of ${n}`);
      const proof: Uint8Array[] = [];
      for (let at = nodes.length - 1 - index; at > 0; at = (at - 1) >> 1) proof.push(nodes[at % 2 === 1 ? at + 1 : at - 1]!);
      return proof;
    },
  };
}

/** The tree of stored leaf hashes (hex), e.g. to serve proofs. */
export function anchorTreeFromHashes(leafHashes: readonly Hex[]): { root: Hex; proof: (index: number) => Hex[] } {
  const tree = anchorTreeOf(leafHashes.map(hexBytes));
  return { root: toHex(tree.root), proof: (index) => tree.proof(index).map(toHex) };
}

/**
 * The tree of a batch, leaf i for post i of the batch. It does not depend on the post ids the
 * contract will reserve, so a sequencer builds it before sending.
 */
export function buildAnchorTree(posts: readonly AnchoredPost[]): AnchorTree {
  const hashes = posts.map((post, i) => leafHashBytes(BigInt(i), hexBytes(post.author), post.parentId, keccak(utf8.encode(post.content))));
  const tree = anchorTreeOf(hashes);
  return { root: toHex(tree.root), leafHashes: hashes.map(toHex), proof: (index) => tree.proof(index).map(toHex) };
}

/**
 * Checks a proof the way the contract's `verifyAnchoredPost` does, off chain: the leaf (whose index is
 * the post id minus the batch's `firstPostId`) hashed up the sorted-pair tree must give `root` (read
 * `root` from the chain, `anchorOf(batchId)`, to trust no one but the chain).
 */
export function verifyAnchorProof(root: Hex, leaf: AnchorLeaf, proof: readonly Hex[]): boolean {
  let node = hexBytes(anchorLeafHash(leaf));
  for (const sibling of proof) node = Buffer.from(hashPair(node, hexBytes(sibling)));
  return toHex(node) === root.toLowerCase();
}

// ------------------------------------------------------------------ the signed post

const ANCHORED_POST_TYPEHASH = keccak(utf8.encode("AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)"));

/**
 * The EIP-712 digest of anchored posts under one domain, hashed by hand (the struct's layout is fixed):
 * the same bytes as viem's `hashTypedData` for `AnchoredPost`, about 10x faster. What an indexer
 * recovers each post's signer from, and what the benchmark's load generator signs.
 */
export function anchoredPostDigester(domain: PennyPostDomain): (post: AnchoredPostMessage) => Uint8Array {
  const digestInput = new Uint8Array(66);
  digestInput.set([0x19, 0x01]);
  digestInput.set(hexBytes(domainSeparator({ domain })), 2);
  return (post) => {
    const struct = new Uint8Array(6 * 32);
    struct.set(ANCHORED_POST_TYPEHASH, 0);
    struct.set(hexBytes(post.author), 32 + 12);
    putUint(struct, 64, post.parentId);
    struct.set(keccak(utf8.encode(post.content)), 96);
    putUint(struct, 128, post.seq);
    putUint(struct, 160, post.cumulativeFee);
    digestInput.set(keccak(struct), 34);
    return keccak(digestInput);
  };
}

/** viem's digest of the same post (the reference the hand-built one is tested against). */
export const anchoredPostDigestReference = (domain: PennyPostDomain, message: AnchoredPostMessage): Hex =>
  hashTypedData({ domain, types: relayedTypes, primaryType: "AnchoredPost", message });

// ------------------------------------------------------------------ batch data

/*
 * Batch data (calldata mode, and what the sequencer keeps in hash mode). Binary, big-endian:
 *   version:u8 = 1, count:u32, then per post:
 *   author:20 bytes, parentId:u64, seq:u64, cumulativeFee:u128, contentLength:u16, content:UTF-8,
 *   signature:65 bytes (r, s, v)
 * Post i of the batch has id firstPostId + i. keccak256(data) is the batch's dataHash.
 */
const DATA_VERSION = 1;
const FIXED_BYTES = 20 + 8 + 8 + 16 + 2 + 65;

export function encodeAnchorData(posts: readonly AnchoredPost[]): Hex {
  const contents = posts.map((p) => utf8.encode(p.content));
  const size = 5 + contents.reduce((sum, c) => sum + FIXED_BYTES + c.length, 0);
  const out = Buffer.alloc(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = DATA_VERSION;
  view.setUint32(1, posts.length);
  let at = 5;
  posts.forEach((post, i) => {
    const content = contents[i]!;
    const signature = hexBytes(post.signature);
    if (signature.length !== 65) throw new Error(`post ${i}: a signature must be 65 bytes, got ${signature.length}`);
    if (content.length > 0xffff) throw new Error(`post ${i}: content is too long`);
    out.set(hexBytes(post.author), at);
    view.setBigUint64(at + 20, post.parentId);
    view.setBigUint64(at + 28, post.seq);
    view.setBigUint64(at + 36, post.cumulativeFee >> 64n);
    view.setBigUint64(at + 44, post.cumulativeFee & 0xffff_ffff_ffff_ffffn);
    view.setUint16(at + 52, content.length);
    out.set(content, at + 54);
    out.set(signature, at + 54 + content.length);
    at += FIXED_BYTES + content.length;
  });
  return `0x${out.toString("hex")}`;
}

export class AnchorDataError extends Error {}

/** The posts of batch data (addresses and signatures in lower-case hex); AnchorDataError if malformed. */
export function decodeAnchorData(data: Hex): AnchoredPost[] {
  let bytes: Buffer;
  try {
    bytes = hexBytes(data);
  } catch (error) {
    throw new AnchorDataError((error as Error).message);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 5 || bytes[0] !== DATA_VERSION) throw new AnchorDataError("unknown batch data version");
  const count = view.getUint32(1);
  const posts: AnchoredPost[] = [];
  let at = 5;
  for (let i = 0; i < count; i++) {
    if (at + FIXED_BYTES > bytes.length) throw new AnchorDataError(`batch data ends inside post ${i}`);
    const length = view.getUint16(at + 52);
    if (at + FIXED_BYTES + length > bytes.length) throw new AnchorDataError(`batch data ends inside post ${i}`);
    posts.push({
      author: `0x${bytes.toString("hex", at, at + 20)}`,
      parentId: view.getBigUint64(at + 20),
      seq: view.getBigUint64(at + 28),
      cumulativeFee: (view.getBigUint64(at + 36) << 64n) | view.getBigUint64(at + 44),
      content: bytes.toString("utf8", at + 54, at + 54 + length),
      signature: `0x${bytes.toString("hex", at + 54 + length, at + 54 + length + 65)}`,
    });
    at += FIXED_BYTES + length;
  }
  if (at !== bytes.length) throw new AnchorDataError("trailing bytes after the last post");
  return posts;
}
