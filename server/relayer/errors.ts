/**
 * Why the relayer refuses an action: a stable code per reason (the HTTP layer maps each to a
 * problem+json status, server/api/problem.ts) and a detail that says what to do.
 */
export type RelayProblem =
  | "bad_signature" | "nonce_mismatch" | "expired" | "insufficient_deposit" | "session_expired" | "session_cap_exceeded"
  | "voucher_mismatch" | "fee_too_low" | "invalid_action" | "unknown_post" | "author_mismatch" | "too_many_pending"
  | "rate_limited" | "account_throttled" | "chain_unavailable" | "relayer_busy";

/** A check that failed before anything was stored: nothing of the action was kept. */
export class ActionRejected extends Error {
  override readonly name = "ActionRejected";
  readonly code: RelayProblem;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: RelayProblem, message: string, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * An error as logged: its type, first line and viem's `details`, without the rest of its message.
 * viem's messages quote the JSON-RPC request body: a batch's calldata (up to megabytes) per line.
 */
export function briefError(error: unknown): { type: string; message: string; details?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error).slice(0, 500) };
  const e = error as Error & { shortMessage?: string; details?: string };
  return {
    type: e.name, message: (e.shortMessage ?? e.message).split("\n")[0]!.slice(0, 500),
    ...(typeof e.details === "string" ? { details: e.details.slice(0, 500) } : {}),
  };
}
