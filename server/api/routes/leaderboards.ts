/**
 * /v1/leaderboards: most-tipped posts and top authors (by tips received after fees) per asset,
 * richest first. Totals are decoded from the rank part of the key: exact uint256 decimal strings.
 */
import type { Express } from "express";

import type { Address } from "../../domain.ts";
import { amountFromRank, prefixes } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { keyRange, pageKeys, type Listing } from "../pagination.ts";
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

export const topPostsListing = (asset: Address): Listing => ({ prefix: prefixes.topPosts(asset), tail: /^\d{78}!\d{20}$/, reverse: false });
export const topAuthorsListing = (asset: Address): Listing => ({
  prefix: prefixes.topAuthors(asset),
  tail: /^\d{78}![0-9a-f]{40}$/,
  reverse: false,
});

/** [rank, last part] of a leaderboard key `l?!<asset>!<rank>!<id>`. */
const rankAndId = (key: string): [bigint, string] => {
  const [, , rank, id] = key.split("!");
  return [amountFromRank(rank), id];
};

export function registerLeaderboardRoutes(app: Express, deps: AppDeps): void {
  const query = leaderboardQuerySchema(deps.config.maxPageSize);

  get(app, "/v1/leaderboards/posts", async (req, res) => {
    const { asset, ...page } = parseInput(query, req.query, "query");
    const listing = topPostsListing(asset);
    const range = keyRange(listing, page);
    await sendRead(deps, res, async (reader) => {
      const found = await pageKeys(reader, listing, range);
      const ranked = found.keys.map(rankAndId);
      const views = new Map((await postViews(reader, ranked.map(([, id]) => BigInt(id).toString()))).map((view) => [view.id, view]));
      const data = ranked.map(([total, id]): TopPostEntry => {
        const postId = BigInt(id).toString();
        return { postId, asset, total: total.toString(), post: views.get(postId) ?? null };
      });
      return { data, next: found.next };
    });
  });

  get(app, "/v1/leaderboards/authors", async (req, res) => {
    const { asset, ...page } = parseInput(query, req.query, "query");
    const listing = topAuthorsListing(asset);
    const range = keyRange(listing, page);
    await sendRead(deps, res, async (reader) => {
      const found = await pageKeys(reader, listing, range);
      const data = found.keys.map(rankAndId).map(([total, id]): TopAuthorEntry => ({ address: `0x${id}`, asset, total: total.toString() }));
      return { data, next: found.next };
    });
  });
}
