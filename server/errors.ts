/**
 * Errors say whether trying again can help (Ponder's taxonomy): the follower retries
 * RetryableError with backoff and stops on NonRetryableError.
 */
export class RetryableError extends Error {
  override readonly name: string = "RetryableError";
}

export class NonRetryableError extends Error {
  override readonly name: string = "NonRetryableError";
}

/** A reorg deeper than the window: the index cannot be repaired automatically. */
export class DeepReorgError extends NonRetryableError {
  override readonly name = "DeepReorgError";
  readonly depth: number;
  constructor(message: string, depth: number) {
    super(message);
    this.depth = depth;
  }
}

/** The node serves another chain than the one the index was built from (its origin block differs). */
export class ChainReplacedError extends NonRetryableError {
  override readonly name = "ChainReplacedError";
}
