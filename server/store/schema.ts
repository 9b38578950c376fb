/**
 * Which layout of keys and records (keys.ts) an index was written in. An index of another layout
 * is refused at start-up with what to do, instead of being read wrong: the code reads only its own.
 */
import { NonRetryableError } from "../errors.ts";
import { keys } from "./keys.ts";
import type { LevelStore } from "./level-store.ts";

/**
 * 1: the first layout (leaderboards as an index of every tipped post and author).
 * 2: leaderboards as one top-100 record per board and asset (tp!, ta!).
 * 3: an anchored post's `fee` is what its author paid for it (was "0"), from each author's af! record.
 * 4: an anchored post counts once per (author, seq) (as!); a re-anchored copy is a replay (px!, flagged in its batch).
 */
export const SCHEMA_VERSION = 4;

/** Marks an empty index with this layout; accepts an index of this layout; refuses any other. */
export async function checkSchema(store: LevelStore): Promise<void> {
  const [version, cursor] = await store.getMany<unknown>([keys.schema, keys.cursor]);
  if (version === SCHEMA_VERSION) return;
  if (version === undefined && cursor === undefined) {
    await store.write([{ type: "put", key: keys.schema, value: SCHEMA_VERSION }]);
    return;
  }
  throw new NonRetryableError(
    `the index in ${store.location} was written in layout ${String(version ?? 1)} by another version of PennyPost; this one reads layout ${SCHEMA_VERSION}: delete ${store.location} to index the chain again`,
  );
}
