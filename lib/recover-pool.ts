/**
 * Signer recovery (lib/recover.ts) on a pool of worker threads, so that recovering many signatures
 * uses every core: the indexer's anchored batches (1,024 posts at ~47 µs each) and an HTTP server
 * taking thousands of single signed actions per second.
 *
 * - `recoverMany(items)` splits the items into chunks (at most `chunkMax` items, and at least one
 *   chunk per worker when there are enough items), one message per chunk carrying one transferred
 *   ArrayBuffer: the chunk's 32-byte digests, then its 65-byte signatures. Results come back in the
 *   items' order, identical to `recoverSigner`'s (the workers run that very function).
 * - `recoverOne(digest, signature)` collects concurrent single calls until the event loop's next
 *   check phase (setImmediate: every request parsed in this I/O turn) or until `batchMax` items,
 *   then recovers them as one batch, ahead of queued `recoverMany` chunks.
 * - A batch of fewer than `inlineBelow` items runs inline on the calling thread while no worker has
 *   work: one recovery (~47 µs) costs less there than a round trip to a worker. Under load the
 *   workers are busy, so even small batches go to them and the calling thread stays free.
 * - Workers start on first use, are unref'd while idle (an idle pool never keeps the process alive)
 *   and ref'd while they hold work (so a pending result is always delivered). A worker that dies
 *   fails the chunks it held and is replaced on the next dispatch.
 * - `close()` terminates the workers; pending and later calls reject with RecoverPoolClosedError.
 *
 * The worker is lib/recover-worker.ts, run by Node's type stripping (Node >= 22.18): no build step.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { Address } from "viem";

import { recoverSigner } from "./recover.ts";
import { DIGEST_BYTES, RECORD_BYTES, SIGNATURE_BYTES, WORKER_MARK, type RecoverRequest, type RecoverResponse } from "./recover-worker.ts";

export interface RecoverItem {
  digest: Uint8Array;
  signature: Uint8Array;
}

export interface RecoverPoolOptions {
  /** Worker threads; default os.availableParallelism(), at least 1. */
  size?: number;
  /** A batch smaller than this runs inline on the calling thread while the workers are idle; default 8 (0: never inline). */
  inlineBelow?: number;
  /** recoverOne dispatches its collected calls at once when this many are waiting; default 256. */
  batchMax?: number;
  /** Most items in one message to a worker; default 256 (~12 ms of work). */
  chunkMax?: number;
}

export interface RecoverPool {
  /** The number of worker threads. */
  readonly size: number;
  /** The signer of each item (lowercase 0x-hex, null: none), in the items' order; exactly lib/recover.ts's `recoverSigner`. */
  recoverMany(items: readonly RecoverItem[]): Promise<Array<Address | null>>;
  /** The signer of one item; concurrent calls are recovered together (micro-batched). */
  recoverOne(digest: Uint8Array, signature: Uint8Array): Promise<Address | null>;
  /** Terminates the workers; calls pending or made afterwards reject with RecoverPoolClosedError. */
  close(): Promise<void>;
}

export class RecoverPoolClosedError extends Error {
  constructor() {
    super("the signer recovery pool is closed (close() was called)");
    this.name = "RecoverPoolClosedError";
  }
}

const DEFAULT_INLINE_BELOW = 8;
const DEFAULT_BATCH_MAX = 256;
const DEFAULT_CHUNK_MAX = 256;
/** Chunks a worker holds at once: one running, one waiting, so it never idles between messages. */
const WORKER_DEPTH = 2;
const WORKER_URL = new URL("./recover-worker.ts", import.meta.url);

/**
 * The parent's Node flags (a worker inherits them by default), less those that only make sense
 * for the main entry: `--input-type` (set for `node -e`) makes a worker started from a file fail.
 */
function workerExecArgv(): string[] {
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === "--input-type") i++;
    // A worker refuses V8's heap sizing flags (its heap is sized by resourceLimits): `npm start`
    // runs the server with --max-semi-space-size=64.
    else if (!arg.startsWith("--input-type=") && !HEAP_FLAG.test(arg)) args.push(arg);
  }
  return args;
}
const HEAP_FLAG = /^--(max|min)[-_](semi[-_]space|old[-_]space|young[-_]generation|heap)[-_]size/;

interface Job {
  id: number;
  count: number;
  buffer: ArrayBuffer;
  resolve(records: ArrayBuffer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  held: Map<number, Job>;
  /** What the worker threw before exiting, if it did. */
  failure?: Error;
}

interface Single extends RecoverItem {
  resolve(signer: Address | null): void;
  reject(error: Error): void;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`recover pool: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

const wellFormed = (item: RecoverItem): boolean => item.digest.length === DIGEST_BYTES && item.signature.length === SIGNATURE_BYTES;

export function createRecoverPool(options: RecoverPoolOptions = {}): RecoverPool {
  const size = positiveInteger("size", options.size, Math.max(1, availableParallelism()), 1);
  const inlineBelow = positiveInteger("inlineBelow", options.inlineBelow, DEFAULT_INLINE_BELOW, 0);
  const batchMax = positiveInteger("batchMax", options.batchMax, DEFAULT_BATCH_MAX, 1);
  const chunkMax = positiveInteger("chunkMax", options.chunkMax, DEFAULT_CHUNK_MAX, 1);

  const slots: Slot[] = [];
  /** Chunks of recoverOne batches (served first), then of recoverMany calls. */
  const urgent: Job[] = [];
  const bulk: Job[] = [];
  let nextId = 0;
  let held = 0;
  let closed = false;
  let singles: Single[] = [];
  let flushTimer: NodeJS.Immediate | undefined;

  function spawn(): Slot {
    const worker = new Worker(WORKER_URL, { workerData: WORKER_MARK, execArgv: workerExecArgv() });
    const slot: Slot = { worker, held: new Map() };
    worker.on("message", (response: RecoverResponse) => {
      const job = slot.held.get(response.id);
      if (job === undefined) return;
      release(slot, job);
      if ("error" in response) job.reject(new Error(`signer recovery failed in a worker: ${response.error}`));
      else job.resolve(response.buffer);
      pump();
    });
    worker.on("error", (error) => {
      slot.failure = error;
    });
    worker.on("exit", (code) => {
      const index = slots.indexOf(slot);
      if (index !== -1) slots.splice(index, 1);
      const error = closed ? new RecoverPoolClosedError() : new Error(`a signer recovery worker exited (code ${code})${slot.failure ? `: ${slot.failure.message}` : ""}`, { cause: slot.failure });
      for (const job of [...slot.held.values()]) {
        release(slot, job);
        job.reject(error);
      }
      if (!closed) pump(); // a replacement takes the queued chunks
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    slots.push(slot);
    return slot;
  }

  function release(slot: Slot, job: Job): void {
    slot.held.delete(job.id);
    held--;
    if (slot.held.size === 0) slot.worker.unref();
  }

  /** Hands queued chunks to the least busy workers, each holding at most WORKER_DEPTH. */
  function pump(): void {
    if (closed) return;
    while (urgent.length > 0 || bulk.length > 0) {
      while (slots.length < size) spawn();
      let slot: Slot | undefined;
      for (const candidate of slots) if (candidate.held.size < WORKER_DEPTH && (slot === undefined || candidate.held.size < slot.held.size)) slot = candidate;
      if (slot === undefined) return;
      const job = (urgent.length > 0 ? urgent : bulk).shift()!;
      if (slot.held.size === 0) slot.worker.ref();
      slot.held.set(job.id, job);
      held++;
      const request: RecoverRequest = { id: job.id, count: job.count, buffer: job.buffer };
      slot.worker.postMessage(request, [job.buffer]);
    }
  }

  /** Queues `items` (all well-formed) in chunks of `per`; their records, chunk by chunk. */
  function dispatch(items: readonly RecoverItem[], per: number, queue: Job[]): Promise<ArrayBuffer>[] {
    const chunks: Promise<ArrayBuffer>[] = [];
    for (let start = 0; start < items.length; start += per) {
      const count = Math.min(per, items.length - start);
      const buffer = new ArrayBuffer(count * (DIGEST_BYTES + SIGNATURE_BYTES));
      const bytes = new Uint8Array(buffer);
      for (let i = 0; i < count; i++) {
        const item = items[start + i];
        bytes.set(item.digest, i * DIGEST_BYTES);
        bytes.set(item.signature, count * DIGEST_BYTES + i * SIGNATURE_BYTES);
      }
      chunks.push(new Promise((resolve, reject) => queue.push({ id: nextId++, count, buffer, resolve, reject })));
    }
    pump();
    return chunks;
  }

  /** Inline while nothing is queued or running and the batch is small; otherwise on the workers. */
  const runsInline = (count: number): boolean => count < inlineBelow && held === 0 && urgent.length === 0 && bulk.length === 0;

  async function recover(items: readonly RecoverItem[], queue: Job[]): Promise<Array<Address | null>> {
    if (closed) throw new RecoverPoolClosedError();
    if (runsInline(items.length)) return items.map((item) => recoverSigner(item.digest, item.signature));
    const results = new Array<Address | null>(items.length).fill(null);
    // A digest that is not 32 bytes or a signature that is not 65 has no signer (as recoverSigner says).
    const indices: number[] = [];
    for (let i = 0; i < items.length; i++) if (wellFormed(items[i])) indices.push(i);
    const sent = indices.length === items.length ? items : indices.map((i) => items[i]);
    if (sent.length === 0) return results;
    const per = Math.min(chunkMax, Math.ceil(sent.length / size));
    const chunks = dispatch(sent, per, queue);
    await Promise.all(chunks.map(async (chunk, c) => {
      const records = Buffer.from(await chunk);
      for (let j = 0, at = 0; at < records.length; j++, at += RECORD_BYTES) {
        if (records[at] === 1) results[indices[c * per + j]] = `0x${records.toString("hex", at + 1, at + RECORD_BYTES)}`;
      }
    }));
    return results;
  }

  function flushSingles(): void {
    if (flushTimer !== undefined) clearImmediate(flushTimer);
    flushTimer = undefined;
    const batch = singles;
    singles = [];
    if (batch.length === 0) return;
    recover(batch, urgent).then(
      (signers) => batch.forEach((single, i) => single.resolve(signers[i])),
      (error: Error) => batch.forEach((single) => single.reject(error)),
    );
  }

  return {
    size,
    recoverMany: (items) => recover(items, bulk),
    recoverOne(digest, signature) {
      if (closed) return Promise.reject(new RecoverPoolClosedError());
      return new Promise((resolve, reject) => {
        singles.push({ digest, signature, resolve, reject });
        if (singles.length >= batchMax) flushSingles();
        else flushTimer ??= setImmediate(flushSingles);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new RecoverPoolClosedError();
      if (flushTimer !== undefined) clearImmediate(flushTimer);
      flushTimer = undefined;
      for (const single of singles.splice(0)) single.reject(error);
      for (const job of [...urgent.splice(0), ...bulk.splice(0)]) job.reject(error);
      for (const slot of slots) {
        for (const job of [...slot.held.values()]) {
          release(slot, job);
          job.reject(error);
        }
      }
      await Promise.all([...slots].map((slot) => slot.worker.terminate()));
      slots.length = 0;
    },
  };
}

let shared: RecoverPool | undefined;

/**
 * The process's default pool (default options), made on first use and made again after it was
 * closed: for callers with no pool of their own to pass around (the indexer's anchored ingest).
 * Its idle workers never keep the process alive.
 */
export function sharedRecoverPool(): RecoverPool {
  if (shared !== undefined) return shared;
  const pool = createRecoverPool();
  const wrapper: RecoverPool = {
    size: pool.size,
    recoverMany: (items) => pool.recoverMany(items),
    recoverOne: (digest, signature) => pool.recoverOne(digest, signature),
    close: () => {
      if (shared === wrapper) shared = undefined;
      return pool.close();
    },
  };
  return (shared = wrapper);
}
