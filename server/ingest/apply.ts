/**
 * Ingest a block range, or undo the newest blocks after a reorg: each in ONE atomic LevelDB batch
 * that holds the data, every derived key, the undo records and the cursor. There is no separate
 * checkpoint write, so a crash at any moment leaves the store at a batch boundary.
 */
import { DEFAULT_RECORD_CACHE } from "../config.ts";
import type { Cursor, Hex, IndexedBlock, ProtocolEvent } from "../domain.ts";
import { keys } from "../store/keys.ts";
import type { BatchOp, LevelStore } from "../store/level-store.ts";
import { DELETED, project, type UndoEntry } from "./project.ts";

export interface BlockRecord {
  hash: Hex;
  parentHash: Hex;
}

export interface IngestResult {
  /** The events actually applied (blocks at or below the previous cursor are skipped). */
  events: ProtocolEvent[];
  cursor: Cursor;
}

export function readCursor(store: LevelStore): Promise<Cursor | undefined> {
  return store.get<Cursor>(keys.cursor);
}

export interface SubmittedBatch extends IngestResult {
  /** Resolves once the batch is durable. Batches become durable in submission order. */
  written: Promise<void>;
}

export interface Ingestor {
  /**
   * Applies `events` of `blocks` (ascending; the last block becomes the cursor). Blocks at or
   * below the cursor are ignored, so delivering the same block twice is a no-op.
   *
   * Blocks that a reorg can still replace keep their hash and undo records: those within
   * `reorgWindow` blocks of `chainHead` (of the new cursor when the head is not given). Records of
   * blocks that leave the window behind the cursor are pruned in the same batch.
   *
   * Resolves as soon as the batch is handed to LevelDB, so the caller can fetch and project the
   * next range while this one is written; the next batch reads this one's records from memory.
   */
  submit(blocks: readonly IndexedBlock[], events: readonly ProtocolEvent[], chainHead?: number): Promise<SubmittedBatch | undefined>;
  /** Waits until every submitted batch is durable. */
  flush(): Promise<void>;
  /** Undoes every block above `ancestor` (see revertTo), after the batches in flight. */
  revert(ancestor: Cursor): Promise<number>;
}

/** Marks a record the cache knows not to exist. */
const ABSENT = Symbol("absent");

/**
 * The only writer of indexed data. It keeps the records it read or wrote (accounts, post counters,
 * leaderboards, ...) in memory, up to `cacheRecords` of them, the first cached dropped first but
 * never one the batch just submitted wrote: every older batch is durable by then, so a dropped
 * record is read again from the store as it was.
 * Records the projection knows to be absent (a new post's counters) are cached as absent, so a
 * tip of a new post reads nothing from LevelDB. The cache is emptied whenever the store could
 * hold something else: a failed batch or projection, and a revert.
 */
export function createIngestor(store: LevelStore, reorgWindow: number, cacheRecords: number = DEFAULT_RECORD_CACHE): Ingestor {
  /** The last submitted batch: its cursor, until it is durable and the next one is submitted. */
  let last: { cursor: Cursor; written: Promise<void> } | undefined;
  const cache = new Map<string, unknown>();

  /** A stored record, through the cache (a miss is read from LevelDB and cached). */
  function load(key: string): unknown {
    const hit = cache.get(key);
    if (hit !== undefined) return hit === ABSENT ? undefined : hit;
    const value = store.read(key);
    cache.set(key, value ?? ABSENT);
    return value;
  }

  /** After a batch is handed to LevelDB: its records are cached; the first cached go first. */
  function remember(writes: ReadonlyMap<string, unknown>, absent: ReadonlySet<string>): void {
    for (const [key, value] of writes) cache.set(key, value === DELETED ? ABSENT : value);
    for (const key of absent) if (!writes.has(key)) cache.set(key, ABSENT);
    for (const key of cache.keys()) {
      if (cache.size <= cacheRecords) break;
      if (!writes.has(key)) cache.delete(key);
    }
  }

  const ingestor: Ingestor = {
    async submit(blocks, events, chainHead) {
      const previous = last?.cursor ?? (await readCursor(store));
      const after = previous?.number ?? -1;
      const fresh = blocks.filter((block) => Number(block.number) > after);
      if (fresh.length === 0) return undefined;
      const newest = fresh[fresh.length - 1];
      const cursor: Cursor = { number: Number(newest.number), hash: newest.hash };
      const previousBlock = BigInt(after);
      const applied = events.filter((event) => event.blockNumber > previousBlock && event.blockNumber <= newest.number);
      const undoFrom = Math.max(chainHead ?? cursor.number, cursor.number) - reorgWindow + 1;
      const pruneBelow = cursor.number - reorgWindow + 1;

      const batch = store.openBatch();
      let projection;
      try {
        projection = project(applied, load, undoFrom, batch.putText);
      } catch (error) {
        batch.discard();
        // The projection changes cached records in place: let the batch in flight land, then forget them.
        await last?.written.catch(() => {});
        cache.clear();
        throw error;
      }
      const { writes, absent, undo } = projection;

      const ops: BatchOp[] = [];
      for (const block of fresh) {
        const number = Number(block.number);
        if (number < undoFrom) continue;
        ops.push({ type: "put", key: keys.block(number), value: { hash: block.hash, parentHash: block.parentHash } satisfies BlockRecord });
        const entries = undo.get(number);
        if (entries !== undefined) ops.push({ type: "put", key: keys.undo(number), value: entries });
      }
      // Blocks that leave the window: only those that were inside it before can have records.
      if (previous !== undefined) {
        for (let n = Math.max(0, previous.number - reorgWindow + 1); n < pruneBelow && n <= previous.number; n++) {
          ops.push({ type: "del", key: keys.block(n) }, { type: "del", key: keys.undo(n) });
        }
      }
      ops.push({ type: "put", key: keys.cursor, value: cursor });
      // One batch at a time, in order; commit serializes the values before it returns.
      try {
        await last?.written;
      } catch (error) {
        batch.discard();
        throw error;
      }
      const written = batch.commit(writes, DELETED, ops);
      const submitted = { cursor, written };
      last = submitted;
      remember(writes, absent);
      written.catch(() => {
        // Nothing of it landed: forget it, and what the cache says it wrote.
        if (last === submitted) last = undefined;
        cache.clear();
      });
      return { events: applied, cursor, written };
    },
    async flush() {
      await last?.written;
      last = undefined;
    },
    async revert(ancestor) {
      await ingestor.flush();
      cache.clear();
      return revertTo(store, ancestor);
    },
  };
  return ingestor;
}

/** Submits one range and waits until it is durable (see Ingestor.submit). */
export async function ingestBlocks(
  store: LevelStore,
  blocks: readonly IndexedBlock[],
  events: readonly ProtocolEvent[],
  reorgWindow: number,
  chainHead?: number,
): Promise<IngestResult | undefined> {
  const batch = await createIngestor(store, reorgWindow).submit(blocks, events, chainHead);
  await batch?.written;
  return batch === undefined ? undefined : { events: batch.events, cursor: batch.cursor };
}

/**
 * Undoes every block above `ancestor` (which must be inside the window) and moves the cursor back
 * to it, in one batch. Returns the depth: how many blocks were undone.
 */
export async function revertTo(store: LevelStore, ancestor: Cursor): Promise<number> {
  const cursor = await readCursor(store);
  if (cursor === undefined || cursor.number <= ancestor.number) return 0;
  const restore = new Map<string, unknown>();
  const ops: BatchOp[] = [];
  // Newest block first, so a key changed by several blocks ends with its oldest previous value.
  for (let n = cursor.number; n > ancestor.number; n--) {
    const entries = (await store.get<UndoEntry[]>(keys.undo(n))) ?? [];
    for (let i = entries.length - 1; i >= 0; i--) restore.set(entries[i][0], entries[i][1]);
    ops.push({ type: "del", key: keys.undo(n) }, { type: "del", key: keys.block(n) });
  }
  for (const [key, previous] of restore) ops.push(previous === null ? { type: "del", key } : { type: "put", key, value: previous });
  ops.push({ type: "put", key: keys.cursor, value: ancestor });
  await store.write(ops);
  return cursor.number - ancestor.number;
}

/** The stored hash of block `number`: from the window, or the cursor itself. */
export async function storedBlockHash(store: LevelStore, number: number, cursor: Cursor): Promise<Hex | undefined> {
  if (number === cursor.number) return cursor.hash;
  return (await store.get<BlockRecord>(keys.block(number)))?.hash;
}
