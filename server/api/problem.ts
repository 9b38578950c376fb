/**
 * RFC 9457 problem details. Handlers throw `HttpProblem`; the terminal error handler (errors.ts)
 * writes it as `application/problem+json`. Clients branch on `code`, never on `title` or `detail`.
 */

/** Every problem the API can answer with, its HTTP status and its fixed title. */
export const PROBLEMS = {
  invalid_parameter: { status: 400, title: "Invalid parameter" },
  invalid_cursor: { status: 400, title: "Invalid cursor" },
  malformed_body: { status: 400, title: "Malformed request body" },
  bad_request: { status: 400, title: "Bad request" },
  not_found: { status: 404, title: "Not found" },
  post_not_found: { status: 404, title: "Post not found" },
  batch_not_found: { status: 404, title: "Anchored batch not found" },
  not_anchored: { status: 409, title: "Post is not anchored" },
  data_unavailable: { status: 404, title: "Post data unavailable" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  rpc_method_not_relayed: { status: 403, title: "JSON-RPC method not relayed" },
  rpc_gas_above_cap: { status: 400, title: "Gas above the relay's cap" },
  rpc_busy: { status: 503, title: "Chain node busy" },
  host_not_allowed: { status: 403, title: "Host not allowed" },
  rate_limited: { status: 429, title: "Too many requests" },
  invalid_action: { status: 400, title: "Invalid signed action" },
  action_not_found: { status: 404, title: "Action not found" },
  bad_signature: { status: 422, title: "Bad signature" },
  nonce_mismatch: { status: 422, title: "Nonce mismatch" },
  expired: { status: 422, title: "Action expired" },
  insufficient_deposit: { status: 422, title: "Insufficient deposit" },
  session_expired: { status: 422, title: "Session key expired" },
  session_cap_exceeded: { status: 422, title: "Session key cap exceeded" },
  voucher_mismatch: { status: 422, title: "Voucher does not extend the previous one" },
  fee_too_low: { status: 422, title: "Fee too low" },
  unknown_post: { status: 422, title: "Unknown post" },
  too_many_pending: { status: 429, title: "Too many pending actions" },
  relayer_disabled: { status: 503, title: "No relayer" },
  internal: { status: 500, title: "Internal server error" },
  not_ready: { status: 503, title: "Not ready" },
  chain_unavailable: { status: 503, title: "Chain unavailable" },
  index_halted: { status: 503, title: "Ingestion halted" },
  chain_replaced: { status: 503, title: "Chain replaced" },
  node_unavailable: { status: 503, title: "Chain node not answering" },
  index_ahead_of_chain: { status: 503, title: "Index ahead of the chain" },
  index_off_chain: { status: 503, title: "Indexed block off the chain" },
  author_mismatch: { status: 422, title: "Tip names another author" },
  account_throttled: { status: 429, title: "Account throttled" },
  relayer_busy: { status: 503, title: "Relayer busy" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem type URI of a code (a URN: RFC 9457 does not require it to resolve). */
export const problemType = (code: ProblemCode): string => `urn:pennypost:problem:${code}`;

/** One rejected input, for `invalid_parameter` problems. */
export interface ParameterError {
  in: "path" | "query";
  name: string;
  reason: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  /** The request id (also sent as `X-Request-Id`), to find the matching log line. */
  instance?: string;
  errors?: ParameterError[];
  /** `data_unavailable`: the anchored batch whose data this index does not have. */
  batchId?: string;
}

export interface HttpProblemOptions {
  errors?: ParameterError[];
  /** Extra response headers, such as `Allow` for 405. */
  headers?: Record<string, string>;
  cause?: unknown;
  /** `data_unavailable`: the batch. */
  batchId?: string;
}

export class HttpProblem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: ParameterError[] | undefined;
  readonly headers: Record<string, string>;
  readonly batchId: string | undefined;

  constructor(code: ProblemCode, detail: string, options: HttpProblemOptions = {}) {
    super(`${code}: ${detail}`, { cause: options.cause });
    this.name = "HttpProblem";
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.batchId = options.batchId;
  }

  body(instance?: string): ProblemBody {
    return {
      type: problemType(this.code),
      title: PROBLEMS[this.code].title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
      ...(this.batchId === undefined ? {} : { batchId: this.batchId }),
    };
  }
}
