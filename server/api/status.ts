/**
 * What the API says about the index, derived from the follower's status: /status serves it, /ready
 * gates on it, every data route refuses to answer while `unavailable` is set, and `block.final` of
 * every /v1 response comes from `chainHead`. One notion of the index's truth: the data is served
 * only while the indexed block is on the node's chain as last read, that reading is recent, and
 * ingestion has not halted.
 */
import type { FollowerStatus } from "../chain/follower.ts";

/** Why the indexed data cannot be vouched for now; each is a 503 problem of the same code. */
export type UnavailableCode = "index_halted" | "chain_replaced" | "node_unavailable" | "index_ahead_of_chain" | "index_off_chain";

export interface Unavailable {
  code: UnavailableCode;
  reason: string;
}

export interface IndexerStatus {
  /** Newest block number the node reported, or null before the first answer. */
  chainHead: number | null;
  /** When the node last answered with its head (ISO 8601), or null. */
  chainHeadAt: string | null;
  /** The stored cursor: last block whose events are in the store. */
  indexedBlock: number | null;
  indexedHash: string | null;
  /** chainHead - indexedBlock: negative when the index is ahead of the node; null while either is unknown. */
  lag: number | null;
  /** Depth of the most recent reorg (0 if none happened). */
  lastReorgDepth: number;
  /** Reorgs handled since start. */
  reorgs: number;
  eventsPerSecond: number;
  /** True when caught up, the data servable (`unavailable` null) and ingestion not failing. */
  ready: boolean;
  /** Why ingestion stopped (for example a reorg deeper than the window) or keeps failing, or null. */
  haltReason: string | null;
  /** Why data routes answer 503 now, or null when they serve. */
  unavailable: Unavailable | null;
  /** Newest block considered final (chainHead - finalityDepth), or null. */
  finalizedBlock: number | null;
}

export interface AssessOptions {
  /** A head reading older than this means the node does not answer. */
  nodeTimeoutMs: number;
  now?: number;
}

/** Whether the indexed data can be served, and if not, why (the first that applies). */
export function assessIndex(s: FollowerStatus, { nodeTimeoutMs, now = Date.now() }: AssessOptions): Unavailable | null {
  if (s.haltReason !== null) return { code: s.haltCode ?? "index_halted", reason: s.haltReason };
  if (s.chainHeadAt === null) return { code: "node_unavailable", reason: "the chain's node has not answered yet" };
  const silentMs = now - s.chainHeadAt;
  if (silentMs > nodeTimeoutMs) {
    return { code: "node_unavailable", reason: `the chain's node has not answered for ${(silentMs / 1000).toFixed(1)} s (last head ${s.chainHead})` };
  }
  if (s.cursor !== null && s.chainHead !== null && s.cursor.number > s.chainHead) {
    return {
      code: "index_ahead_of_chain",
      reason: `the index is at block ${s.cursor.number}, above the node's head ${s.chainHead} (blocks rolled back, or a node behind): its newest data is not on the node's chain`,
    };
  }
  if (s.cursorOffChain && s.cursor !== null) {
    return { code: "index_off_chain", reason: `the node has another block ${s.cursor.number} than the indexed one (a reorg being repaired)` };
  }
  return null;
}

/** The API's status from the follower's; `everCaughtUp`: ready needs one caught-up pass since start. */
export function indexerStatus(s: FollowerStatus, options: AssessOptions & { finalityDepth: number; everCaughtUp: boolean }): IndexerStatus {
  const indexed = s.cursor?.number ?? null;
  const unavailable = assessIndex(s, options);
  const failing = s.failing ? "the chain's node has not answered usefully for the last polls" : null;
  return {
    chainHead: s.chainHead,
    chainHeadAt: s.chainHeadAt === null ? null : new Date(s.chainHeadAt).toISOString(),
    indexedBlock: indexed,
    indexedHash: s.cursor?.hash ?? null,
    lag: s.chainHead !== null && indexed !== null ? s.chainHead - indexed : null,
    lastReorgDepth: s.lastReorgDepth,
    reorgs: s.reorgs,
    eventsPerSecond: Math.round(s.eventsPerSecond * 10) / 10,
    ready: options.everCaughtUp && unavailable === null && !s.failing,
    haltReason: s.haltReason ?? failing,
    unavailable,
    finalizedBlock: s.chainHead === null ? null : s.chainHead - options.finalityDepth,
  };
}

/** The status before the follower has reported anything. */
export const initialStatus = (): IndexerStatus => ({
  chainHead: null,
  chainHeadAt: null,
  indexedBlock: null,
  indexedHash: null,
  lag: null,
  lastReorgDepth: 0,
  reorgs: 0,
  eventsPerSecond: 0,
  ready: false,
  haltReason: null,
  unavailable: null,
  finalizedBlock: null,
});
