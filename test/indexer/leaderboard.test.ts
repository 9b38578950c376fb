import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";

import { emptyLeaderboard, merge, type LeaderboardEntry, type LeaderboardRecord } from "../../server/ingest/leaderboard.ts";

/** One id's new total, merged on its own. */
const offer = (board: LeaderboardRecord, id: string, total: bigint, size?: number) => merge(board, new Map([[id, total]]), size);

/** The true board: every id's final total, richest first, then by id (numeric order). */
function trueBoard(totals: Map<string, bigint>, size: number): LeaderboardEntry[] {
  return [...totals]
    .filter(([, total]) => total > 0n)
    .sort(([a, x], [b, y]) => (x === y ? (a.length - b.length || (a < b ? -1 : 1)) : x > y ? -1 : 1))
    .slice(0, size)
    .map(([id, total]) => [id, total.toString()]);
}

describe("leaderboards kept as one record (server/ingest/leaderboard.ts)", () => {
  it("equals the true top-N of the final totals after any sequence of growing totals, merged in batches of any size (fast-check, 2,000 runs)", () => {
    const tip = fc.record({
      id: fc.integer({ min: 1, max: 40 }).map(String),
      add: fc.oneof(fc.bigInt({ min: 0n, max: 5n }), fc.bigInt({ min: 0n, max: 1n << 255n })),
      endsBatch: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(tip, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (tips, size) => {
        const board = emptyLeaderboard();
        const totals = new Map<string, bigint>();
        let batch = new Map<string, bigint>();
        for (const { id, add, endsBatch } of tips) {
          const total = (totals.get(id) ?? 0n) + add;
          totals.set(id, total);
          batch.set(id, total);
          if (endsBatch) {
            merge(board, batch, size);
            batch = new Map();
          }
        }
        merge(board, batch, size);
        assert.deepEqual(board.entries, trueBoard(totals, size));
      }),
      { numRuns: 2_000 },
    );
  });

  it("orders ties by id numerically (post 9 before post 10) and addresses by their hex", () => {
    const posts = emptyLeaderboard();
    for (const id of ["10", "9", "100"]) offer(posts, id, 5n);
    assert.deepEqual(posts.entries.map(([id]) => id), ["9", "10", "100"]);
    const authors = emptyLeaderboard();
    for (const id of [`0x${"b".repeat(40)}`, `0x${"a".repeat(40)}`]) offer(authors, id, 1n);
    assert.deepEqual(authors.entries.map(([id]) => id[2]), ["a", "b"]);
  });

  it("leaves a total that does not reach a full board out, and ranks nothing at zero", () => {
    const board = emptyLeaderboard();
    offer(board, "1", 10n, 2);
    offer(board, "2", 20n, 2);
    offer(board, "3", 5n, 2);
    offer(board, "4", 0n, 2);
    assert.deepEqual(board.entries, [["2", "20"], ["1", "10"]]);
    offer(board, "3", 15n, 2);
    assert.deepEqual(board.entries, [["2", "20"], ["3", "15"]]);
  });
});
