/**
 * Anchored batches before ingest: find each batch's data (the event's calldata, or in hash mode
 * the `AnchorDataSource`), decode it, rebuild the Merkle tree and check it against the anchored
 * root, and recover each post's signer. The projection (project.ts) stays pure and synchronous:
 * it only decides, with the session keys it knows at the anchor's block, whether a signer speaks
 * for the author.
 *
 * Signer recovery is the hot path of anchored ingest: the EIP-712 digest is hashed by hand with the
 * WebAssembly keccak (lib/anchored.ts) and recovered with libsecp256k1 (the `secp256k1` package),
 * about 24x faster than a pure-JS recovery.
 */
import secp256k1 from "secp256k1";
import type { Address, Hex } from "viem";

import { AnchorDataError, anchoredPostDigester, buildAnchorTree, decodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { hexBytes, keccak, keccakHex } from "../../lib/keccak.ts";
import { pennyPostDomain } from "../../lib/relayed.ts";
import type { AnchorDataSource, AnchorResolution, AnchoredEvent, ProtocolEvent, ResolvedAnchoredPost } from "../domain.ts";

const EMPTY_DATA_HASH = keccakHex(new Uint8Array(0));
/** secp256k1's n / 2: OpenZeppelin's ECDSA (and so the contract) refuses a larger s. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export interface AnchorContext {
  chainId: number;
  /** The PennyPost contract (the EIP-712 verifying contract). */
  address: Address;
  source?: AnchorDataSource | undefined;
}

/** Recovers the signer of anchored posts under one EIP-712 domain. */
export function anchoredSignerRecovery(chainId: number, address: Address): (post: AnchoredPost) => Address | null {
  const digest = anchoredPostDigester(pennyPostDomain(chainId, address));
  return (post) => recoverSigner(digest(post), hexBytes(post.signature));
}

/** The address that signed `digest`, as OpenZeppelin's ECDSA.tryRecover accepts it (null: none). */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): Address | null {
  if (signature.length !== 65) return null;
  const v = signature[64];
  if (v !== 27 && v !== 28) return null;
  const s = BigInt(`0x${Buffer.from(signature.buffer, signature.byteOffset + 32, 32).toString("hex")}`);
  if (s > HALF_N || s === 0n) return null;
  try {
    const publicKey = secp256k1.ecdsaRecover(signature.subarray(0, 64), v - 27, digest, false);
    return `0x${Buffer.from(keccak(publicKey.subarray(1))).toString("hex", 12)}`;
  } catch {
    return null; // r or s out of range, or no point: no signer
  }
}

/**
 * What an anchored batch's data says, checked against the event: the posts with their signers and
 * the leaf hashes, or why the batch is invalid. Pure (no I/O).
 */
export function resolveAnchorData(
  event: Pick<AnchoredEvent, "root" | "firstPostId" | "count">,
  data: Hex,
  mode: "anchored-calldata" | "anchored-hash",
  recover: (post: AnchoredPost) => Address | null,
): AnchorResolution {
  let posts: AnchoredPost[];
  try {
    posts = decodeAnchorData(data);
  } catch (error) {
    if (error instanceof AnchorDataError || error instanceof RangeError) return { status: "invalid", mode, reason: `undecodable data: ${error.message}` };
    throw error;
  }
  if (BigInt(posts.length) !== event.count) {
    return { status: "invalid", mode, reason: `the data holds ${posts.length} posts, the anchor reserved ${event.count}` };
  }
  const tree = buildAnchorTree(posts);
  if (tree.root.toLowerCase() !== event.root.toLowerCase()) return { status: "invalid", mode, reason: "the data's Merkle root is not the anchored root" };
  const leaves = tree.leafHashes;
  const resolved: ResolvedAnchoredPost[] = posts.map((post) => ({
    author: post.author.toLowerCase() as Address, parentId: post.parentId, content: post.content, seq: post.seq,
    cumulativeFee: post.cumulativeFee, signature: post.signature.toLowerCase() as Hex, signer: recover(post)?.toLowerCase() as Address | null ?? null,
  }));
  return { status: "valid", mode, posts: resolved, leaves };
}

/** keccak256 of hex data; undefined when it is not hex (a source with bad data has none). */
function hashOf(data: Hex): Hex | undefined {
  try {
    return keccakHex(hexBytes(data));
  } catch {
    return undefined;
  }
}

/**
 * Attaches `resolved` to every `Anchored` event of `events` (in place): calldata-mode batches from
 * their own data, hash-mode batches from `context.source` when it has data whose keccak256 is the
 * batch's `dataHash` (otherwise `dataUnavailable`; a source that throws fails the call, and the
 * follower retries the range). Call before handing the events to ingest, so the
 * ingest batch stays one atomic write.
 */
export async function resolveAnchors(events: readonly ProtocolEvent[], context: () => Promise<AnchorContext>): Promise<void> {
  let recover: ((post: AnchoredPost) => Address | null) | undefined;
  let ctx: AnchorContext | undefined;
  for (const event of events) {
    if (event.kind !== "Anchored" || event.resolved !== undefined) continue;
    ctx ??= await context();
    recover ??= anchoredSignerRecovery(ctx.chainId, ctx.address);
    if (event.data !== "0x" || event.dataHash.toLowerCase() === EMPTY_DATA_HASH) {
      event.resolved = resolveAnchorData(event, event.data, "anchored-calldata", recover);
      continue;
    }
    const data = await ctx.source?.get(event.dataHash);
    event.resolved = data !== undefined && hashOf(data) === event.dataHash.toLowerCase()
      ? resolveAnchorData(event, data, "anchored-hash", recover)
      : { status: "dataUnavailable", mode: "anchored-hash" };
  }
}
