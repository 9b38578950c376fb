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
 * fixed-width lower-case hex, so string order is numeric order too): the order of their `rankKey`.
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
 * `id`'s total is now `total` (never less than before): moves it to its place, or leaves the board
 * as it is when `total` does not reach it. Zero totals are not ranked.
 */
export function offer(board: LeaderboardRecord, id: string, total: bigint, size: number = LEADERBOARD_SIZE): void {
  const { entries } = board;
  if (total === 0n) return;
  if (entries.length >= size) {
    const [lastId, lastTotal] = entries[entries.length - 1];
    // Below the last entry: not on the board now, and (totals only grow) not on it before either.
    if (!ranksBefore(total, id, BigInt(lastTotal), lastId)) return;
  }
  const at = entries.findIndex(([entryId]) => entryId === id);
  if (at !== -1) entries.splice(at, 1);
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ranksBefore(BigInt(entries[middle][1]), entries[middle][0], total, id)) low = middle + 1;
    else high = middle;
  }
  entries.splice(low, 0, [id, total.toString()]);
  if (entries.length > size) entries.length = size;
}
