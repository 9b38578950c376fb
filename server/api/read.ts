/**
 * One consistent read per request: every /v1 handler reads through a `Reader` bound to one LevelDB
 * snapshot, and the response's `block` is the cursor read from that same snapshot, so `data` and
 * `block` always describe the same indexed state, however ingestion interleaves.
 */
import type { Cursor, Hex } from "../domain.ts";
import { keys } from "../store/keys.ts";
import type { LevelStore, RangeOptions } from "../store/level-store.ts";
import type { IndexerStatus } from "./status.ts";

export interface Reader {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  keys(range: Omit<RangeOptions, "snapshot">): Promise<string[]>;
}

/** The indexed block a response reflects; number and hash are null before anything is indexed. */
export interface BlockView {
  number: number | null;
  hash: Hex | null;
  /** True when the block is at least `finalityDepth` blocks below the chain head. */
  final: boolean;
}

export interface Envelope<T> {
  data: T;
  page?: { next: string | null };
  block: BlockView;
}

/** What a handler computes: the data, and for listings the next page's cursor. */
export interface ReadResult<T> {
  data: T;
  next?: string | null;
}

export function blockView(cursor: Cursor | undefined, status: IndexerStatus, finalityDepth: number): BlockView {
  if (cursor === undefined) return { number: null, hash: null, final: false };
  const head = status.chainHead;
  return { number: cursor.number, hash: cursor.hash, final: head !== null && cursor.number <= head - finalityDepth };
}

export interface ReadDeps {
  store: LevelStore;
  status: () => IndexerStatus;
  finalityDepth: number;
}

/** Runs `read` against one snapshot and wraps its result in the /v1 envelope. */
export async function readConsistent<T>(deps: ReadDeps, read: (reader: Reader) => Promise<ReadResult<T>>): Promise<Envelope<T>> {
  const snapshot = deps.store.snapshot();
  try {
    const reader: Reader = {
      get: (key) => deps.store.get(key, { snapshot }),
      getMany: (many) => deps.store.getMany(many, { snapshot }),
      keys: (range) => deps.store.keys({ ...range, snapshot }),
    };
    const [cursor, result] = await Promise.all([reader.get<Cursor>(keys.cursor), read(reader)]);
    const envelope: Envelope<T> = { data: result.data, block: blockView(cursor, deps.status(), deps.finalityDepth) };
    if (result.next !== undefined) envelope.page = { next: result.next };
    return envelope;
  } finally {
    await snapshot.close();
  }
}
