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
 * Merges `offers` (id -> its total now, never less than before) into the board: each id moves to
 * its place, or the board stays as it is where a total does not reach it. Zero totals are not
 * ranked. The projection collects a range's offers and merges them once (per block inside the
 * reorg window), so a tip costs a Map entry, not a move through the board.
 */
export function merge(board: LeaderboardRecord, offers: ReadonlyMap<string, bigint>, size: number = LEADERBOARD_SIZE): void {
  const onBoard = new Set<string>();
  const ranked = board.entries.map(([id, total]) => {
    onBoard.add(id);
    return { id, total: offers.get(id) ?? BigInt(total) };
  });
  // Below the last entry of a full board: not on it now, and (totals only grow) not on it after,
  // since the entries above it still total at least as much.
  const last = ranked.length >= size ? { id: board.entries[size - 1][0], total: BigInt(board.entries[size - 1][1]) } : undefined;
  let changed = false;
  for (const [id, total] of offers) {
    if (onBoard.has(id)) changed = true;
    else if (total !== 0n && (last === undefined || ranksBefore(total, id, last.total, last.id))) {
      ranked.push({ id, total });
      changed = true;
    }
  }
  if (!changed) return;
  ranked.sort((a, b) => (ranksBefore(a.total, a.id, b.total, b.id) ? -1 : 1));
  board.entries = ranked.slice(0, size).map(({ id, total }) => [id, total.toString()]);
}
