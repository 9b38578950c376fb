/**
 * Serialized /v1 responses, reused while the index has not moved: an entry is served only while
 * the store's cursor is still the block it reflects, and its `final` flag still holds. Every
 * commit or reorg moves the cursor, so nothing stale is ever served. The feed's first page is the
 * hot key: at 2,000 requests/s and ~50 blocks/s, about 40 requests share one snapshot read.
 *
 * A miss is computed once: requests for the same key at the same cursor that arrive while it is
 * being read wait for that read instead of starting their own (a new block used to set off one
 * read per connection at once, the API's latency tail under load).
 */
import type { Cursor } from "../domain.ts";
import type { BlockView } from "./read.ts";

export interface Entry {
  block: BlockView;
  body: string;
}

export interface ResponseCache {
  /** The body stored for `key`, if `cursor` (read from the store now) is still its block. */
  get(key: string, cursor: Cursor | undefined, chainHead: number | null, finalityDepth: number): string | undefined;
  set(key: string, block: BlockView, body: string): void;
  /**
   * The body for `key` when `cursor` was read: `compute`d once for every request that asks while it
   * runs (each gets its body, or its error), then stored as by `set`.
   */
  load(key: string, cursor: Cursor | undefined, compute: () => Promise<Entry>): Promise<string>;
}

export function createResponseCache(maxEntries: number): ResponseCache {
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<string>>();
  const cache: ResponseCache = {
    get(key, cursor, chainHead, finalityDepth) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      const { number, hash, final } = entry.block;
      const stillFinal = number !== null && chainHead !== null && number <= chainHead - finalityDepth;
      if (hash !== (cursor?.hash ?? null) || final !== stillFinal) {
        entries.delete(key);
        return undefined;
      }
      return entry.body;
    },
    set(key, block, body) {
      entries.delete(key);
      entries.set(key, { block, body });
      // Map keeps insertion order: the first key is the least recently stored.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    load(key, cursor, compute) {
      const flight = `${cursor?.hash ?? "-"} ${key}`;
      let body = pending.get(flight);
      if (body === undefined) {
        body = compute()
          .then((entry) => {
            cache.set(key, entry.block, entry.body);
            return entry.body;
          })
          .finally(() => pending.delete(flight));
        pending.set(flight, body);
      }
      return body;
    },
  };
  return cache;
}
