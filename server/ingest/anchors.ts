/**
 * Anchored batches before ingest: find each batch's data (the event's calldata, or in hash mode
 * the `AnchorDataSource`), decode it, rebuild the Merkle tree and check it against the anchored
 * root, and recover each post's signer. The projection (project.ts) stays pure and synchronous:
 * it only decides, with the session keys it knows at the anchor's block, whether a signer speaks
 * for the author.
 *
 * Signer recovery is the hot path of anchored ingest: the EIP-712 digest is hashed by hand with the
 * WebAssembly keccak (lib/anchored.ts) and recovered with libsecp256k1 (lib/recover.ts, about 24x
 * faster than a pure-JS recovery). `resolveAnchors` recovers all the posts of a range's anchored
 * batches in one call to a worker pool (lib/recover-pool.ts), across every core; the answers are
 * the synchronous function's, in the posts' order.
 */
import type { Address, Hex } from "viem";

import { AnchorDataError, anchoredPostDigester, buildAnchorTree, decodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import { recoverSigner } from "../../lib/recover.ts";
import { sharedRecoverPool, type RecoverPool } from "../../lib/recover-pool.ts";
import { pennyPostDomain } from "../../lib/relayed.ts";
import type { AnchorDataMode, AnchorDataSource, AnchorResolution, AnchoredEvent, ProtocolEvent, ResolvedAnchoredPost } from "../domain.ts";

/** Moved to lib/recover.ts; re-exported for the callers that import it from here. */
export { recoverSigner } from "../../lib/recover.ts";

const EMPTY_DATA_HASH = keccakHex(new Uint8Array(0));

export interface AnchorContext {
  chainId: number;
  /** The PennyPost contract (the EIP-712 verifying contract). */
  address: Address;
  source?: AnchorDataSource | undefined;
  /** Recovers the posts' signers; default the process's shared worker pool (sharedRecoverPool). */
  recovery?: Pick<RecoverPool, "recoverMany"> | undefined;
}

/** Recovers the signer of anchored posts under one EIP-712 domain. */
export function anchoredSignerRecovery(chainId: number, address: Address): (post: AnchoredPost) => Address | null {
  const digest = anchoredPostDigester(pennyPostDomain(chainId, address));
  return (post) => recoverSigner(digest(post), hexBytes(post.signature));
}

type CheckedAnchorData =
  | { status: "valid"; mode: AnchorDataMode; posts: AnchoredPost[]; leaves: Hex[] }
  | Extract<AnchorResolution, { status: "invalid" }>;

/** An anchored batch's data decoded and checked against the event (count, Merkle root), before signer recovery. */
function checkAnchorData(event: Pick<AnchoredEvent, "root" | "count">, data: Hex, mode: AnchorDataMode): CheckedAnchorData {
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
  return { status: "valid", mode, posts, leaves: tree.leafHashes };
}

const resolvedPost = (post: AnchoredPost, signer: Address | null): ResolvedAnchoredPost => ({
  author: post.author.toLowerCase() as Address, parentId: post.parentId, content: post.content, seq: post.seq,
  cumulativeFee: post.cumulativeFee, signature: post.signature.toLowerCase() as Hex, signer: signer?.toLowerCase() as Address | null ?? null,
});

/**
 * What an anchored batch's data says, checked against the event: the posts with their signers and
 * the leaf hashes, or why the batch is invalid. Pure (no I/O), synchronous: `resolveAnchors`
 * gives the same answer with the signers recovered on the worker pool.
 */
export function resolveAnchorData(
  event: Pick<AnchoredEvent, "root" | "firstPostId" | "count">,
  data: Hex,
  mode: AnchorDataMode,
  recover: (post: AnchoredPost) => Address | null,
): AnchorResolution {
  const checked = checkAnchorData(event, data, mode);
  if (checked.status !== "valid") return checked;
  return { status: "valid", mode, posts: checked.posts.map((post) => resolvedPost(post, recover(post))), leaves: checked.leaves };
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
 * follower retries the range). The signers of every valid batch's posts are recovered together,
 * in one `recoverMany` call (`context.recovery`, default the shared worker pool), the same answers
 * as `resolveAnchorData`'s. Call before handing the events to ingest, so the ingest batch stays
 * one atomic write.
 */
export async function resolveAnchors(events: readonly ProtocolEvent[], context: () => Promise<AnchorContext>): Promise<void> {
  let ctx: AnchorContext | undefined;
  const valid: { event: AnchoredEvent; checked: Extract<CheckedAnchorData, { status: "valid" }> }[] = [];
  for (const event of events) {
    if (event.kind !== "Anchored" || event.resolved !== undefined) continue;
    ctx ??= await context();
    let checked: CheckedAnchorData;
    if (event.data !== "0x" || event.dataHash.toLowerCase() === EMPTY_DATA_HASH) {
      checked = checkAnchorData(event, event.data, "anchored-calldata");
    } else {
      const data = await ctx.source?.get(event.dataHash);
      if (data === undefined || hashOf(data) !== event.dataHash.toLowerCase()) {
        event.resolved = { status: "dataUnavailable", mode: "anchored-hash" };
        continue;
      }
      checked = checkAnchorData(event, data, "anchored-hash");
    }
    if (checked.status === "valid") valid.push({ event, checked });
    else event.resolved = checked;
  }
  if (ctx === undefined || valid.length === 0) return;
  const digest = anchoredPostDigester(pennyPostDomain(ctx.chainId, ctx.address));
  const items = valid.flatMap(({ checked }) => checked.posts.map((post) => ({ digest: digest(post), signature: hexBytes(post.signature) })));
  const signers: Array<string | null | undefined> = ctx.source?.knownSigners?.(items) ?? [];
  const unknown = items.flatMap((_item, i) => (signers[i] === undefined ? [i] : []));
  if (unknown.length > 0) {
    const recovered = await (ctx.recovery ?? sharedRecoverPool()).recoverMany(unknown.map((i) => items[i]!));
    for (const [k, i] of unknown.entries()) signers[i] = recovered[k];
  }
  let next = 0;
  for (const { event, checked } of valid) {
    event.resolved = { status: "valid", mode: checked.mode, posts: checked.posts.map((post) => resolvedPost(post, (signers[next++] ?? null) as Address | null)), leaves: checked.leaves };
  }
}
