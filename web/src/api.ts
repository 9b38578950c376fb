/**
 * The indexer's REST API and its live stream (same origin). The response types are the server's
 * own (type-only imports, erased from the bundle), so a change to the API breaks this build.
 * Failures become `ApiError` with the problem+json `code` (RFC 9457) and Retry-After, if any.
 */
import type { ServedProof } from "../../lib/verify-anchored.ts";
import type { ProblemBody, ProblemCode } from "../../server/api/problem.ts";
import type { Envelope } from "../../server/api/read.ts";
import type { AuthorView } from "../../server/api/routes/authors.ts";
import type { ConfigView } from "../../server/api/routes/config.ts";
import type { PostView } from "../../server/api/routes/posts.ts";
import type { IndexerStatus } from "../../server/api/status.ts";
import type { Address, PostRecord, TipRecord } from "../../server/domain.ts";

export type { Address, AuthorView, ConfigView, Envelope, PostRecord, PostView, TipRecord };

export const PAGE_SIZE = 20;

/** A failed API call: `code` is the problem code, or "network" when the server did not answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ProblemCode | "network" | "unexpected";
  readonly detail: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: ApiError["code"], detail: string, retryAfterSeconds?: number) {
    super(`${code}: ${detail}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const value = headers?.get("retry-after");
  if (value === null || value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function problemFrom(response: Response): Promise<ApiError> {
  let body: Partial<ProblemBody> = {};
  try {
    body = (await response.json()) as Partial<ProblemBody>;
  } catch {
    // not problem+json (a proxy's error page): the status is all there is
  }
  const code = typeof body.code === "string" ? body.code : "unexpected";
  return new ApiError(response.status, code, body.detail ?? response.statusText, retryAfterSeconds(response.headers));
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" }, signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, "network", "the server does not answer");
  }
  if (!response.ok) throw await problemFrom(response);
  return (await response.json()) as T;
}

const listing = (cursor: string | undefined, limit = PAGE_SIZE): string =>
  `?limit=${limit}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;

export const api = {
  config: (signal?: AbortSignal) => getJson<Envelope<ConfigView>>("/v1/config", signal),
  feed: (cursor?: string, signal?: AbortSignal) => getJson<Envelope<PostView[]>>(`/v1/posts${listing(cursor)}`, signal),
  post: (id: string, signal?: AbortSignal) => getJson<Envelope<PostView>>(`/v1/posts/${id}`, signal),
  replies: (id: string, cursor?: string, signal?: AbortSignal) => getJson<Envelope<PostView[]>>(`/v1/posts/${id}/replies${listing(cursor)}`, signal),
  /** An anchored post's Merkle proof (GET /v1/posts/:id/proof), to check against the chain. */
  proof: (id: string, signal?: AbortSignal) => getJson<Envelope<ServedProof>>(`/v1/posts/${id}/proof`, signal),
  tips: (id: string, signal?: AbortSignal) => getJson<Envelope<TipRecord[]>>(`/v1/posts/${id}/tips${listing(undefined, 10)}`, signal),
  authorPosts: (address: Address, cursor?: string, signal?: AbortSignal) =>
    getJson<Envelope<PostView[]>>(`/v1/authors/${address.toLowerCase()}/posts${listing(cursor)}`, signal),
  status: (signal?: AbortSignal) => getJson<IndexerStatus>("/status", signal),

  /** An account's profile, or null when the index has never seen the address (404). */
  async author(address: Address, signal?: AbortSignal): Promise<Envelope<AuthorView> | null> {
    try {
      return await getJson<Envelope<AuthorView>>(`/v1/authors/${address.toLowerCase()}`, signal);
    } catch (error) {
      if (error instanceof ApiError && error.code === "not_found") return null;
      throw error;
    }
  },

  /** Resolves when /ready answers 200; otherwise the ApiError (503 not_ready with the reason). */
  async ready(signal?: AbortSignal): Promise<void> {
    await getJson<unknown>("/ready", signal);
  },
};

/** Resolves once the index has ingested block `block`; rejects when indexing halts or after `timeoutMs`. */
export async function waitIndexed(block: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await api.status();
    if (status.haltReason !== null) throw new ApiError(503, "not_ready", `indexing halted: ${status.haltReason}`);
    if (status.indexedBlock !== null && status.indexedBlock >= block) return;
    if (Date.now() > deadline) throw new ApiError(503, "not_ready", `the index is still at block ${status.indexedBlock ?? "none"}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export interface StreamHandlers {
  post(post: PostRecord): void;
  tip(tip: TipRecord): void;
  /** "live" when connected; "reconnecting" while the browser retries. */
  state(state: "live" | "reconnecting"): void;
  /** Connected again after a gap: events are not replayed, so refetch what is on screen. */
  resync(): void;
}

/**
 * Subscribes to /v1/stream (Server-Sent Events); returns the function that closes it. The browser
 * reconnects by itself after a dropped connection; after a refused one (an HTTP error such as 429
 * or 503) EventSource gives up, so a new one is opened after a pause.
 */
export function openStream(handlers: StreamHandlers, reopenMs = 5_000): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dropped = false;
  let closed = false;
  const connect = () => {
    source = new EventSource("/v1/stream");
    source.addEventListener("open", () => {
      handlers.state("live");
      if (dropped) handlers.resync();
      dropped = false;
    });
    source.addEventListener("error", () => {
      dropped = true;
      handlers.state("reconnecting");
      if (source?.readyState === EventSource.CLOSED && !closed) timer = setTimeout(connect, reopenMs);
    });
    source.addEventListener("post", (event) => handlers.post(payload<PostRecord>(event)));
    source.addEventListener("tip", (event) => handlers.tip(payload<TipRecord>(event)));
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
}

const payload = <T>(event: Event): T => (JSON.parse((event as MessageEvent<string>).data) as { data: T }).data;
