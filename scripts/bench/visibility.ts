/**
 * When is an item "visible"? The end-to-end clock of every scenario stops when the last post (or
 * tip) can be read through the HTTP API, and how the bench learns that is pluggable per mode:
 *
 *  - api-stream: the SSE stream `/v1/stream` announces each ingested post and tip (direct, batched,
 *    vouchers); the bench recognises its items by content tag or tip amount;
 *  - api-get: after an anchored batch is included and the indexer's cursor (/status) passed its
 *    block, `GET /v1/posts/<last id of the batch>` answers 200;
 *  - included-on-chain: the fallback while that GET answers 404 with the indexer past the block
 *    (the indexer does not serve anchored posts): the item counts as visible when its transaction is
 *    included, and the report says so.
 */
import { Worker } from "node:worker_threads";

import type { StreamMessage } from "./stream-worker.ts";

export interface ItemTimes {
  submittedAt: number;
  includedAt?: number;
  visibleAt?: number;
}

/** The items of one scenario and when each was submitted, included and visible (performance.now()). */
export class ItemBook {
  readonly items = new Map<string, ItemTimes>();
  visible = 0;
  private waiter: (() => void) | undefined;

  submit(keys: readonly string[], at: number): void {
    for (const key of keys) this.items.set(key, { submittedAt: at });
  }
  include(keys: readonly string[], at: number): void {
    for (const key of keys) {
      const item = this.items.get(key);
      if (item && item.includedAt === undefined) item.includedAt = at;
    }
  }
  see(key: string, at: number): void {
    const item = this.items.get(key);
    if (item === undefined || item.visibleAt !== undefined) return;
    item.visibleAt = at;
    this.visible++;
    if (this.visible === this.items.size) this.waiter?.();
  }
  /** Resolves when every submitted item is visible, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.visible === this.items.size) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

export type VisibilityMethod = "api-stream" | "api-get" | "included-on-chain";

export interface VisibilityCheck {
  method(): VisibilityMethod;
  note(): string;
  /** A unit's transaction was included in block `blockNumber` at `at`. */
  onIncluded(book: ItemBook, keys: readonly string[], blockNumber: number, at: number, postIds?: { first: bigint; last: bigint }): void;
}

/** Posts and tips announced on /v1/stream. */
export function streamVisibility(): VisibilityCheck {
  return {
    method: () => "api-stream",
    note: () => "visible = announced on the API's SSE stream /v1/stream after the indexer committed it",
    onIncluded: () => {},
  };
}

/**
 * Waits for the indexer's cursor (/status indexedBlock) to reach blocks: ONE poll loop for every
 * waiting batch (a loop per batch made the bench itself the API's heaviest client in long runs).
 */
function indexedBlockWaiter(apiUrl: string, pollMs = 10) {
  const waiters: { block: number; deadline: number; resolve: (reached: boolean) => void }[] = [];
  let polling = false;
  async function poll(): Promise<void> {
    polling = true;
    try {
      while (waiters.length > 0) {
        let indexed = -1;
        try {
          indexed = ((await (await fetch(`${apiUrl}/status`)).json()) as { indexedBlock: number | null }).indexedBlock ?? -1;
        } catch {
          indexed = -1; // the server is busy or restarting: try again at the next tick
        }
        const now = performance.now();
        for (let i = waiters.length - 1; i >= 0; i--) {
          const w = waiters[i]!;
          if (w.block <= indexed || now > w.deadline) {
            waiters.splice(i, 1);
            w.resolve(w.block <= indexed);
          }
        }
        if (waiters.length > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    } finally {
      polling = false;
    }
  }
  return (block: number, timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      waiters.push({ block, deadline: performance.now() + timeoutMs, resolve });
      if (!polling) void poll();
    });
}

/** Anchored posts: GET /v1/posts/<id> once the indexer passed the block; inclusion while it 404s. */
export function anchoredVisibility(apiUrl: string, timeoutMs: number): VisibilityCheck {
  let served = 0;
  let fallback = 0;
  const indexed = indexedBlockWaiter(apiUrl);
  async function check(book: ItemBook, keys: readonly string[], blockNumber: number, includedAt: number, lastId: bigint) {
    if (!(await indexed(blockNumber, timeoutMs))) return;
    let response: Response | undefined;
    // A failed request (connection reset under load) is asked again, not taken as "never visible".
    for (let attempt = 1; response === undefined; attempt++) {
      try {
        response = await fetch(`${apiUrl}/v1/posts/${lastId}`);
        await response.arrayBuffer();
        if (response.status >= 500) throw new Error(`GET /v1/posts/${lastId} answered ${response.status}`);
      } catch (error) {
        response = undefined;
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
    const now = performance.now();
    if (response.status === 200) {
      served++;
      for (const key of keys) book.see(key, now);
    } else if (response.status === 404) {
      fallback++;
      for (const key of keys) book.see(key, includedAt);
    }
  }
  return {
    method: () => (fallback > 0 ? "included-on-chain" : "api-get"),
    note: () => fallback > 0
      ? `the indexer does not serve anchored posts yet: GET /v1/posts/<id> answered 404 for ${fallback} batch(es) after the indexer passed their block, so those posts count as visible when their anchor transaction was included` +
        (served > 0 ? `; ${served} batch(es) were served by the API` : "")
      : "visible = GET /v1/posts/<last id of the batch> answered 200 after the indexer passed the anchor's block",
    onIncluded(book, keys, blockNumber, at, postIds) {
      if (postIds === undefined) return;
      void check(book, keys, blockNumber, at, postIds.last).catch((error: unknown) => console.error(`visibility check of posts up to #${postIds.last} failed: ${String(error)}`));
    },
  };
}

export interface StreamConnection {
  close(): void;
  /** Set when the stream ended or failed (the server disconnects a client that falls behind). */
  error(): unknown;
}

/**
 * Reads /v1/stream on a worker thread (stream-worker.ts: a busy load generator's main thread would
 * fall behind and be disconnected) and hands every post's tag and every tip's amount to `onItem`
 * with the time it arrived (on this thread's performance.now() clock) and, for posts, the post's id.
 */
export async function openStream(apiUrl: string, onItem: (key: string, at: number, postId?: string) => void): Promise<StreamConnection> {
  const worker = new Worker(new URL("./stream-worker.ts", import.meta.url), { workerData: { url: `${apiUrl}/v1/stream` } });
  let failure: unknown;
  let closed = false;
  await new Promise<void>((resolve, reject) => {
    worker.on("message", (message: StreamMessage) => {
      if ("end" in message) {
        if (!closed) failure ??= new Error(message.end);
        reject(new Error(message.end));
        return;
      }
      resolve();
      for (const [key, at, postId] of message.items) onItem(key, at - performance.timeOrigin, postId);
    });
    worker.on("error", (error) => {
      failure ??= error;
      reject(error);
    });
  });
  return {
    close: () => {
      closed = true;
      void worker.terminate();
    },
    error: () => failure,
  };
}
