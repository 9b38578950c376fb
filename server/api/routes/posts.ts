/**
 * /v1/posts: the global feed (newest first), one post with its stats, its replies (oldest first)
 * and its tips (newest first); an anchored post's Merkle proof is in posts-proof.ts.
 */
import type { Express } from "express";

import type { BatchRecord, PostRecord, PostStats, TipRecord } from "../../domain.ts";
import { emptyPostStats } from "../../domain.ts";
import { keys, prefixes } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { keyRange, pageKeys, type Listing } from "../pagination.ts";
import { HttpProblem } from "../problem.ts";
import type { Reader } from "../read.ts";
import { registerProofRoute } from "./posts-proof.ts";
import { noQuerySchema, pageQuerySchema, parseInput, postParamsSchema } from "../schemas.ts";

export type PostView = PostRecord & { stats: PostStats };

const POST_ID = /^\d{20}$/;
const POSITION = /^\d{18}$/;

export const feedListing: Listing = { prefix: prefixes.posts, tail: POST_ID, reverse: true };
export const repliesListing = (parentId: bigint): Listing => ({ prefix: prefixes.replies(parentId), tail: POST_ID, reverse: false });
export const postTipsListing = (postId: bigint): Listing => ({ prefix: prefixes.postTips(postId), tail: POSITION, reverse: true });

/** The posts with these ids (in this order) and their stats; ids without a post are skipped. */
export async function postViews(reader: Reader, ids: readonly string[]): Promise<PostView[]> {
  const [posts, stats] = await Promise.all([
    reader.getMany<PostRecord>(ids.map((id) => keys.post(BigInt(id)))),
    reader.getMany<PostStats>(ids.map((id) => keys.postStats(BigInt(id)))),
  ]);
  const views: PostView[] = [];
  posts.forEach((post, i) => {
    if (post !== undefined) views.push({ ...post, stats: stats[i] ?? emptyPostStats() });
  });
  return views;
}

/** The key's last `!`-separated part. */
export const lastPart = (key: string): string => key.slice(key.lastIndexOf("!") + 1);

/** The post `id`, listed (`p!`) or hidden (`px!`: an anchored post whose signature does not check). */
export async function findPost(reader: Reader, id: bigint): Promise<PostRecord | undefined> {
  return (await reader.get<PostRecord>(keys.post(id))) ?? (await reader.get<PostRecord>(keys.hiddenPost(id)));
}

async function requirePost(reader: Reader, id: bigint): Promise<PostRecord> {
  const post = await findPost(reader, id);
  if (post === undefined) {
    await requireDataAvailable(reader, id);
    throw new HttpProblem("not_found", "no post with this id");
  }
  return post;
}

/**
 * Throws `data_unavailable` (with the batch id) when post `id` has no record because it is in a
 * hash-mode anchored batch whose data this index does not have: the post exists on chain, unlike an
 * id no post has, and only the sequencer's copy of the data (or an index that has it) can serve it.
 */
export async function requireDataAvailable(reader: Reader, id: bigint): Promise<void> {
  const [key] = await reader.keys({ gte: prefixes.batchesByFirstPost, lt: keys.batchByFirstPost(id + 1n, 0n), reverse: true, limit: 1 });
  if (key === undefined) return;
  const batchId = BigInt(lastPart(key));
  const batch = await reader.get<BatchRecord>(keys.batch(batchId));
  if (batch === undefined || batch.status !== "dataUnavailable" || id >= BigInt(batch.firstPostId) + BigInt(batch.count)) return;
  throw new HttpProblem(
    "data_unavailable",
    `post ${id} is in anchored batch ${batch.batchId} (hash mode), whose data this index does not have: only the root and the data's hash are on chain; ask the sequencer ${batch.sequencer} or an index that has its copy of the data`,
    { batchId: batch.batchId },
  );
}

export function registerPostRoutes(app: Express, deps: AppDeps): void {
  const pageQuery = pageQuerySchema(deps.config.maxPageSize);

  get(app, "/v1/posts", async (req, res) => {
    const range = keyRange(feedListing, parseInput(pageQuery, req.query, "query"));
    await sendRead(deps, res, async (reader) => {
      const page = await pageKeys(reader, feedListing, range);
      return { data: await postViews(reader, page.keys.map(lastPart)), next: page.next };
    });
  });

  get(app, "/v1/posts/:id", async (req, res) => {
    const { id } = parseInput(postParamsSchema, req.params, "path");
    parseInput(noQuerySchema, req.query, "query");
    await sendRead(deps, res, async (reader) => {
      const post = await requirePost(reader, id);
      const stats = (await reader.get<PostStats>(keys.postStats(id))) ?? emptyPostStats();
      return { data: { ...post, stats } satisfies PostView };
    });
  });

  get(app, "/v1/posts/:id/replies", async (req, res) => {
    const { id } = parseInput(postParamsSchema, req.params, "path");
    const listing = repliesListing(id);
    const range = keyRange(listing, parseInput(pageQuery, req.query, "query"));
    await sendRead(deps, res, async (reader) => {
      const [page] = await Promise.all([pageKeys(reader, listing, range), requirePost(reader, id)]);
      return { data: await postViews(reader, page.keys.map(lastPart)), next: page.next };
    });
  });

  get(app, "/v1/posts/:id/tips", async (req, res) => {
    const { id } = parseInput(postParamsSchema, req.params, "path");
    const listing = postTipsListing(id);
    const range = keyRange(listing, parseInput(pageQuery, req.query, "query"));
    await sendRead(deps, res, async (reader) => {
      const [page] = await Promise.all([pageKeys(reader, listing, range), requirePost(reader, id)]);
      const tips = await reader.getMany<TipRecord>(page.keys);
      return { data: tips.filter((tip) => tip !== undefined), next: page.next };
    });
  });

  registerProofRoute(app, deps);
}
