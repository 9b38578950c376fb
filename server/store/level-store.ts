/**
 * The LevelDB store (the `level` package): JSON values, string keys (see keys.ts), atomic chained
 * batches, and explicit snapshots so one API response reads one consistent state.
 */
import { Level } from "level";

import { DEFAULT_WRITE_BUFFER_MB } from "../config.ts";
import { prefixRange } from "./keys.ts";

export type Snapshot = ReturnType<Level<string, unknown>["snapshot"]>;

export interface ReadOptions {
  snapshot?: Snapshot;
}

export interface RangeOptions extends ReadOptions {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse?: boolean;
  limit?: number;
}

export type BatchOp = { type: "put"; key: string; value: unknown } | { type: "del"; key: string };

/** A batch being filled (LevelStore.openBatch). */
export interface OpenBatch {
  /** Puts a value already serialized as JSON. */
  putText(key: string, json: string): void;
  /** Adds the final values of `values` (`deleted` marks removals) and then `ops`, and writes the whole batch atomically. */
  commit(values: ReadonlyMap<string, unknown>, deleted: symbol, ops: Iterable<BatchOp>): Promise<void>;
  /** Drops the batch unwritten. */
  discard(): void;
}

/**
 * abstract-level's private API of a chained batch, which classic-level implements: `_put` takes a
 * key and value already encoded (strings are stored as UTF-8). The public `put` adds argument
 * checks, encoding lookups, sublevel prefixes, prewrite hooks and write events, and allocates an
 * operation object per put: on the ingest path that was ~4% of the main thread and ~15% of all
 * allocations (measured with V8's sampling heap profiler). This store has no sublevels, hooks or
 * listeners, so the private put stores the same bytes. The public `write` skips a batch whose
 * public length is 0, so a batch's first put always goes through the public API.
 */
interface PrivateBatch {
  _put(key: string, value: string): void;
}

const NO_VALUES: ReadonlyMap<string, unknown> = new Map();
const NO_DELETIONS = Symbol("none");
/** For values already serialized as JSON: stored as they are (the json encoding writes the same bytes). */
const AS_TEXT = { valueEncoding: "utf8" } as const;

export class LevelStore {
  readonly location: string;
  readonly #db: Level<string, unknown>;

  private constructor(location: string, db: Level<string, unknown>) {
    this.location = location;
    this.#db = db;
  }

  /**
   * `writeBufferMB`: LevelDB's memtable size. Larger than LevelDB's 4 MB default, a backfill
   * flushes and compacts less often (measured: 4 MB -> 32 MB took ~15% off ingest CPU). Blocks of
   * 16 KB instead of 4 KB took another ~10% off LevelDB's own thread (fewer index entries, better
   * compression of the JSON values); a point read decompresses 16 KB, a few microseconds.
   */
  static async open(location: string, { writeBufferMB = DEFAULT_WRITE_BUFFER_MB }: { writeBufferMB?: number } = {}): Promise<LevelStore> {
    const db = new Level<string, unknown>(location, { valueEncoding: "json", writeBufferSize: writeBufferMB * 2 ** 20, blockSize: 16 * 1024 });
    await db.open();
    return new LevelStore(location, db);
  }

  /**
   * Point reads are synchronous underneath (LevelDB's `getSync`): a read that LevelDB answers from
   * its memtable or block cache takes microseconds, while an asynchronous one costs a round trip
   * through libuv's thread pool, which on this project's 2-core VM was the largest item of the API's
   * profile under load (about 100 microseconds of wake-ups per read). They still return promises.
   */
  get<T>(key: string, { snapshot }: ReadOptions = {}): Promise<T | undefined> {
    try {
      return Promise.resolve(this.#read(key, snapshot) as T | undefined);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** The value at `key` now (undefined = absent), read synchronously: for the ingestor's projection. */
  read<T>(key: string): T | undefined {
    return this.#read(key, undefined) as T | undefined;
  }

  getMany<T>(keys: string[], { snapshot }: ReadOptions = {}): Promise<(T | undefined)[]> {
    try {
      return Promise.resolve(keys.map((key) => this.#read(key, snapshot) as T | undefined));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Without options, getSync takes its fast path (default encodings, no snapshot). */
  #read(key: string, snapshot: Snapshot | undefined): unknown {
    return snapshot === undefined ? this.#db.getSync(key) : this.#db.getSync(key, { snapshot });
  }

  /** Writes all operations atomically: all of them land, or none. */
  write(ops: Iterable<BatchOp>): Promise<void> {
    return this.openBatch().commit(NO_VALUES, NO_DELETIONS, ops);
  }

  /**
   * A batch to fill while it is being computed: values serialized along the way go in at once (so
   * the strings die young instead of living until the batch is complete), the rest at `commit`,
   * which writes everything atomically. Nothing reaches the store before `commit`; `discard` drops it.
   */
  openBatch(): OpenBatch {
    const batch = this.#db.batch();
    const raw = batch as unknown as PrivateBatch;
    let opened = false;
    /** Set by commit and discard: the private put checks nothing, so this batch does. */
    let closed = false;
    /** A put of a value serialized as JSON: the first through the public API, the rest through the private one (see PrivateBatch). */
    const putText = (key: string, json: string) => {
      if (closed) throw new Error(`put of ${key} into a batch already committed or discarded`);
      if (opened) raw._put(key, json);
      else {
        batch.put(key, json, AS_TEXT);
        opened = true;
      }
    };
    /** A put of a value to serialize as JSON (the store's value encoding writes the same bytes). */
    const putValue = (key: string, value: unknown) => {
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new TypeError(`the value of ${key} has no JSON form (${typeof value})`);
      putText(key, json);
    };
    const discard = () => {
      closed = true;
      batch.close().catch(() => {});
    };
    return {
      putText,
      commit: (values, deleted, ops) => {
        try {
          // Values are serialized here, before this returns: callers may change the objects afterwards.
          for (const [key, value] of values) {
            if (value === deleted) batch.del(key);
            else putValue(key, value);
          }
          for (const op of ops) {
            if (op.type === "put") putValue(op.key, op.value);
            else batch.del(op.key);
          }
        } catch (error) {
          discard();
          return Promise.reject(error as Error);
        }
        closed = true;
        return batch.write();
      },
      discard,
    };
  }

  async keys(options: RangeOptions): Promise<string[]> {
    return this.#db.keys(options).all();
  }

  async entries<T>(options: RangeOptions): Promise<[string, T][]> {
    return (await this.#db.iterator(options).all()) as [string, T][];
  }

  /** Every key with `prefix`, in order (or reversed), within the optional bounds. */
  keysWithPrefix(prefix: string, options: Omit<RangeOptions, "gte" | "lt"> = {}): Promise<string[]> {
    return this.keys({ ...prefixRange(prefix), ...options });
  }

  snapshot(): Snapshot {
    return this.#db.snapshot();
  }

  /** Everything in the store, in key order: for comparing two indexes. */
  async dump(): Promise<[string, unknown][]> {
    return this.#db.iterator().all();
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
