/**
 * Leaderboards: the top LEADERBOARD_SIZE posts (by total tipped) and authors (by tips received
 * after fees) per asset, each kept as ONE record, updated in memory as tips are projected.
 *
 * Why one record and not a sorted index of every post: an index costs a put and a delete per tip
 * (the old rank and the new one), a third of all LevelDB writes of a tip-heavy range; the record is
 * written once per range. It stays exact because totals only grow (a tip adds, nothing subtracts
 * from `received` or a post's total; a reorg restores the whole record from its undo entry): an
 * entry that falls off the board can only come back through a tip of its own, which offers it again.
 *
 * Entries are ordered richest first, then by id ascending (numerically for post ids; addresses are
 * fixed-width lower-case hex, so string order is numeric order too): the order of the cursor keys
 * the API names them by (`<board>!<rankPart(total)>!<id>`, server/api/routes/leaderboards.ts).
 */
/** How many entries a board keeps: one full page at the largest page size. */
export const LEADERBOARD_SIZE = 100;

/** [id, total]: a post id (decimal) or an author address (lower-case 0x hex); total in decimal. */
export type LeaderboardEntry = [id: string, total: string];

export interface LeaderboardRecord {
  entries: LeaderboardEntry[];
}

export const emptyLeaderboard = (): LeaderboardRecord => ({ entries: [] });

/** Numeric order of decimal ids without leading zeros, and plain order of fixed-width hex. */
const compareIds = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Does (total, id) rank before (otherTotal, otherId)? */
const ranksBefore = (total: bigint, id: string, otherTotal: bigint, otherId: string): boolean =>
  total > otherTotal || (total === otherTotal && compareIds(id, otherId) < 0);

/**
 * A board's totals as bigints and its ids as a set, kept beside the record object the projection
 * changes in place (records come and go with the ingestor's cache; a copy made for undo has none).
 */
interface Parsed {
  totals: bigint[];
  ids: Set<string>;
}
const parsed = new WeakMap<LeaderboardRecord, Parsed>();

function parsedOf(board: LeaderboardRecord): Parsed {
  let found = parsed.get(board);
  if (found === undefined || found.totals.length !== board.entries.length) {
    found = { totals: board.entries.map(([, total]) => BigInt(total)), ids: new Set(board.entries.map(([id]) => id)) };
    parsed.set(board, found);
  }
  return found;
}

/**
 * `id`'s total is now `total` (never less than before): moves it to its place, or leaves the board
 * as it is when `total` does not reach it. Zero totals are not ranked.
 */
export function offer(board: LeaderboardRecord, id: string, total: bigint, size: number = LEADERBOARD_SIZE): void {
  if (total === 0n) return;
  const { entries } = board;
  const { totals, ids } = parsedOf(board);
  let end = entries.length;
  // Below the last entry of a full board: not on it now, and (totals only grow) not on it before either.
  if (end >= size && !ranksBefore(total, id, totals[end - 1], entries[end - 1][0])) return;
  if (ids.has(id)) {
    // Its old place is at or after its new one: close the gap, then insert as if new.
    for (let i = entries.findIndex(([entryId]) => entryId === id); i < end - 1; i++) {
      entries[i] = entries[i + 1];
      totals[i] = totals[i + 1];
    }
    end -= 1;
  } else if (end >= size) {
    ids.delete(entries[end - 1][0]);
    end -= 1;
  } else {
    entries.push(entries[0]);
    totals.push(0n);
  }
  // Its place among the first `end` entries, then those after it move one down.
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ranksBefore(totals[middle], entries[middle][0], total, id)) low = middle + 1;
    else high = middle;
  }
  for (let i = end; i > low; i--) {
    entries[i] = entries[i - 1];
    totals[i] = totals[i - 1];
  }
  entries[low] = [id, total.toString()];
  totals[low] = total;
  ids.add(id);
}
