/**
 * Checks what an indexer serves about an anchored post against the chain, trusting no indexer: the
 * post's id, author, parent, content and batch are the leaf the chain's root proves, and its author
 * (or one of its session keys) signed it. Used by scripts/verify-proof.ts, the CLI (`show --verify`,
 * and before a tip on an anchored post is signed) and the web page (before a tip is signed).
 *
 * Every field is checked by rebuilding the leaf from the SERVED post, never from the fields the
 * proof carries: a lying API that changes the author, the parent, the content, the id or the batch
 * either serves a leaf the chain's root does not prove, or serves a post that differs from the leaf
 * it proves. Each check names the field it covers, so a lie is reported by name.
 *
 * Pure apart from the chain reads it is given (viem's `readContract` and `getChainId`), and built on
 * viem alone (no Node API, no WebAssembly: lib/anchored.ts uses both), so the web page can use it.
 * The leaf and the sorted-pair proof are recomputed here independently of lib/anchored.ts, which
 * the indexer uses: a bug there cannot hide itself here (test/lib/verify-anchored.test.ts compares them).
 */
import { concat, encodeAbiParameters, getAddress, isAddress, keccak256, recoverTypedDataAddress, stringToBytes, type Address, type Hex } from "viem";

import { pennyPostAbi } from "./generated/abi.ts";
import { ETH, pennyPostDomain, relayedTypes } from "./relayed.ts";

/** keccak256 of the UTF-8 content, as EIP-712 hashes a string. */
export function contentHashOf(content: string): Hex {
  return keccak256(stringToBytes(content));
}

/** The contract's `anchoredLeaf`: keccak256(bytes.concat(keccak256(abi.encode(index, author, parentId, contentHash)))). */
export function anchoredLeafHash(index: bigint, author: Address, parentId: bigint, contentHash: Hex): Hex {
  const inner = keccak256(encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "bytes32" }], [index, author, parentId, contentHash],
  ));
  return keccak256(inner);
}

/** OpenZeppelin's MerkleProof.verify (sorted pairs), on 0x-hex nodes. */
export function provesLeaf(root: Hex, leaf: Hex, proof: readonly string[]): boolean {
  let node = leaf.toLowerCase() as Hex;
  for (const raw of proof) {
    const sibling = raw.toLowerCase() as Hex;
    if (!/^0x[0-9a-f]{64}$/.test(sibling)) return false;
    node = keccak256(node < sibling ? concat([node, sibling]) : concat([sibling, node]));
  }
  return node === root.toLowerCase();
}

/** The fields of GET /v1/posts/:id that the chain can prove (server/api/models.ts `Post`). */
export interface ServedPost {
  id: string;
  author: string;
  parentId: string;
  content: string;
  mode?: string;
  batchId?: string | undefined;
}

/** GET /v1/posts/:id/proof (server/api/models.ts `AnchorProof`). */
export interface ServedProof {
  postId: string;
  batchId: string;
  leaf: { index: number; postId: string; author: string; parentId: string; contentHash: string };
  proof: string[];
  root: string;
  signed: { seq: string; cumulativeFee: string; signature: string };
}

/** What the checks read from the chain: a viem PublicClient fits. */
export interface ChainReader {
  readContract: (args: { address: Address; abi: typeof pennyPostAbi; functionName: "anchorOf" | "verifyAnchoredPost" | "session"; args: readonly unknown[] }) => Promise<unknown>;
  getChainId: () => Promise<number>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Verification {
  /** Every check passed. */
  ok: boolean;
  checks: Check[];
  /** The author the chain proves (the leaf's), once the proof checks out; undefined otherwise. */
  provenAuthor?: Address;
}

const lower = (s: string) => s.toLowerCase();
/** A decimal uint as the API serves it, or undefined (a lying API may serve anything). */
const uint = (s: unknown): bigint | undefined => (typeof s === "string" && /^(0|[1-9][0-9]*)$/.test(s) ? BigInt(s) : undefined);

/**
 * Verifies `post` (served for id `postId`) with its `proof` against PennyPost at `address`. The
 * root, the batch's id range and the session keys come from the chain; the rest is what the API
 * served, each piece checked.
 */
export async function verifyAnchoredPost(
  client: ChainReader, address: Address, postId: bigint, post: ServedPost | undefined, proof: ServedProof,
): Promise<Verification> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  };
  const done = (provenAuthor?: Address): Verification => {
    const ok = checks.every((c) => c.ok);
    return ok && provenAuthor !== undefined ? { ok, checks, provenAuthor } : { ok, checks };
  };

  if (!check("the API serves the post", post !== undefined)) return done();
  const served = post!;
  if (!check("author: the post's author is an address", typeof served.author === "string" && isAddress(served.author), String(served.author))) return done();
  const author = getAddress(served.author);
  const parentId = uint(served.parentId);
  if (!check("parent: the post's parent is a post id", parentId !== undefined, String(served.parentId))) return done();
  if (!check("content: the post has text", typeof served.content === "string")) return done();
  const batchId = uint(proof.batchId);
  if (!check("batch: the proof names a batch", batchId !== undefined, String(proof.batchId))) return done();
  const anchor = await client.readContract({ address, abi: pennyPostAbi, functionName: "anchorOf", args: [batchId!] })
    .then((r) => r as readonly [Hex, bigint, bigint]).catch(() => undefined);
  if (!check("the batch is anchored on chain", anchor !== undefined, anchor === undefined ? `anchorOf(${batchId}) reverted` : `batch ${batchId}, root ${anchor[0]}`)) return done();
  const [root, firstPostId, count] = anchor!;

  // id: the post served is the one asked for, and the id is in the batch's range read from the chain.
  check("id: the API served the post asked for", uint(served.id) === postId && uint(proof.postId) === postId,
    `asked #${postId}, post says #${served.id}, proof says #${proof.postId}`);
  check("id: inside the batch's reserved range on chain", postId >= firstPostId && postId < firstPostId + count,
    `ids #${firstPostId}..#${firstPostId + count - 1n}`);
  // batch: the post's own record names the batch the proof is for.
  if (served.batchId !== undefined) check("batch: the post names the batch the proof is for", served.batchId === proof.batchId, `post says ${served.batchId}, proof says ${proof.batchId}`);
  check("the API's root is the chain's", lower(proof.root) === lower(root));

  // author, parent, content: the leaf is rebuilt from the served post, so the chain's root proves them.
  const leaf = [postId - firstPostId, author, parentId!, contentHashOf(served.content)] as const;
  check("author: the post's author is the proven leaf's", lower(proof.leaf.author) === lower(author), `post says ${author}, proven leaf ${proof.leaf.author}`);
  check("parent: the post's parent is the proven leaf's", proof.leaf.parentId === served.parentId, `post says #${served.parentId}, proven leaf #${proof.leaf.parentId}`);
  check("content: the served content hashes to the proven leaf's contentHash", lower(proof.leaf.contentHash) === leaf[3]);
  const offChain = provesLeaf(root, anchoredLeafHash(...leaf), proof.proof);
  check("the proof of (id, author, parent, content) verifies off chain against the chain's root", offChain);
  const onChain = await client.readContract({ address, abi: pennyPostAbi, functionName: "verifyAnchoredPost", args: [batchId!, postId, leaf[1], leaf[2], leaf[3], proof.proof] })
    .then((r) => r as boolean).catch(() => false);
  check("the contract's verifyAnchoredPost accepts it", onChain);

  const chainId = await client.getChainId();
  const signer = await recoverTypedDataAddress({
    domain: pennyPostDomain(chainId, address), types: relayedTypes, primaryType: "AnchoredPost",
    message: { author, parentId: leaf[2], content: served.content, seq: BigInt(proof.signed.seq), cumulativeFee: BigInt(proof.signed.cumulativeFee) },
    signature: proof.signed.signature as Hex,
  }).catch(() => undefined);
  if (signer === undefined) {
    check("the author's signature", false, "the signature does not recover");
  } else if (signer === author) {
    check("the author signed it", true, signer);
  } else {
    const session = await client.readContract({ address, abi: pennyPostAbi, functionName: "session", args: [author, signer, ETH] })
      .then((r) => r as readonly [bigint, bigint, bigint]).catch(() => undefined);
    const expiry = session?.[2] ?? 0n;
    check("a session key of the author signed it", expiry !== 0n, expiry === 0n ? `${signer} is not (or no longer) a session key of ${author}` : `${signer}, expires ${expiry}`);
  }
  return done(offChain && onChain ? author : undefined);
}

/** The names of the failed checks, for a one-line message. */
export function failedChecks(v: Verification): string {
  return v.checks.filter((c) => !c.ok).map((c) => c.name.split(":")[0]).join(", ");
}
