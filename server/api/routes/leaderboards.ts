/**
 * /v1/leaderboards: the most-tipped posts and the top authors (by tips received after fees) per
 * asset, richest first: the LEADERBOARD_SIZE entries of one record each (server/ingest/leaderboard.ts),
 * with exact uint256 totals as decimal strings.
 *
 * A page's cursor names its last entry as a key `<board>!<rank>!<id>` that sorts like the entries
 * (richest first, then by id), so the next page starts strictly after that entry even when the
 * board changed in between: an entry that moved up is not repeated, one that moved down is not skipped
 * unless it moved above the cursor.
 */
import type { Express } from "express";

import type { Address } from "../../domain.ts";
import type { LeaderboardEntry, LeaderboardRecord } from "../../ingest/leaderboard.ts";
import { addressPart, keys, postPart, rankPart } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { keyRange, pageOf, type Listing } from "../pagination.ts";
import type { Reader } from "../read.ts";
import { leaderboardQuerySchema, parseInput } from "../schemas.ts";
import { postViews, type PostView } from "./posts.ts";

export interface TopPostEntry {
  postId: string;
  asset: Address;
  total: string;
  post: PostView | null;
}

export interface TopAuthorEntry {
  address: Address;
  asset: Address;
  total: string;
}

interface Board {
  listing: Listing;
  record: string;
  /** The entry's cursor key. */
  keyOf: (entry: LeaderboardEntry) => string;
}

/** The board stored at `record`, whose entries' ids appear in cursors as `idPart(id)`, matching `idTail`. */
function board(record: string, idTail: string, idPart: (id: string) => string): Board {
  const prefix = `${record}!`;
  return {
    record,
    listing: { prefix, tail: new RegExp(`^\\d{78}!${idTail}$`), reverse: false },
    keyOf: ([id, total]) => `${prefix}${rankPart(BigInt(total))}!${idPart(id)}`,
  };
}

const postsBoard = (asset: Address): Board => board(keys.topPosts(asset), "\\d{20}", (id) => postPart(BigInt(id)));
const authorsBoard = (asset: Address): Board => board(keys.topAuthors(asset), "[0-9a-f]{40}", addressPart);

export function registerLeaderboardRoutes(app: Express, deps: AppDeps): void {
  const query = leaderboardQuerySchema(deps.config.maxPageSize);

  /** One page of `board`'s entries, and the next page's cursor. */
  function route(path: string, boardOf: (asset: Address) => Board, view: (entries: LeaderboardEntry[], asset: Address, reader: Reader) => Promise<unknown[]>) {
    get(app, path, async (req, res) => {
      const { asset, ...page } = parseInput(query, req.query, "query");
      const board = boardOf(asset);
      const range = keyRange(board.listing, page);
      await sendRead(deps, res, async (reader) => {
        const entries = (await reader.get<LeaderboardRecord>(board.record))?.entries ?? [];
        const found = pageOf(entries, board.keyOf, range);
        return { data: await view(found.items, asset, reader), next: found.next };
      });
    });
  }

  route("/v1/leaderboards/posts", postsBoard, async (entries, asset, reader) => {
    const views = new Map((await postViews(reader, entries.map(([id]) => id))).map((view) => [view.id, view]));
    return entries.map(([postId, total]): TopPostEntry => ({ postId, asset, total, post: views.get(postId) ?? null }));
  });

  route("/v1/leaderboards/authors", authorsBoard, async (entries, asset) =>
    entries.map(([address, total]): TopAuthorEntry => ({ address: address as Address, asset, total })),
  );
}
