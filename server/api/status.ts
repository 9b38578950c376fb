/**
 * What the chain follower reports about itself; the API serves it at /status, gates /ready on it
 * and derives `block.final` of every /v1 response from `chainHead`.
 */
export interface IndexerStatus {
  /** Newest block number the node reported, or null before the first answer. */
  chainHead: number | null;
  /** The stored cursor: last block whose events are in the store. */
  indexedBlock: number | null;
  indexedHash: string | null;
  /** chainHead - indexedBlock, or null while either is unknown. */
  lag: number | null;
  /** Depth of the most recent reorg (0 if none happened). */
  lastReorgDepth: number;
  /** Reorgs handled since start. */
  reorgs: number;
  eventsPerSecond: number;
  /** True when caught up (within the follower's tolerance) and not halted. */
  ready: boolean;
  /** Why ingestion stopped (for example a reorg deeper than the window), or null. */
  haltReason: string | null;
  /** Newest block considered final (chainHead - finalityDepth), or null. */
  finalizedBlock: number | null;
}

/** The status before the follower has reported anything. */
export const initialStatus = (): IndexerStatus => ({
  chainHead: null,
  indexedBlock: null,
  indexedHash: null,
  lag: null,
  lastReorgDepth: 0,
  reorgs: 0,
  eventsPerSecond: 0,
  ready: false,
  haltReason: null,
  finalizedBlock: null,
});
