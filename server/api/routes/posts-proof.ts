/**
 * GET /v1/posts/:id/proof: the Merkle proof that an anchored post is in its batch, rebuilt from the
 * batch's stored leaf hashes. Check it against the root on chain (`anchorOf(batchId)`), with
 * `verifyAnchorProof` (lib/anchored.ts) or the contract's `verifyAnchoredPost`: the proof needs no
 * trust in this server.
 */
import type { Express } from "express";

import type { AnchoredPostRecord, BatchRecord, Hex } from "../../domain.ts";
import { anchorTreeFromHashes, contentHash } from "../../../lib/anchored.ts";
import { keys } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { HttpProblem } from "../problem.ts";
import { noQuerySchema, parseInput, postParamsSchema } from "../schemas.ts";
import { findPost, requireDataAvailable } from "./posts.ts";

/** Trees of recently asked batches: building one costs a hash per node. Keyed by batch and root (a reorg may re-anchor an id). */
const TREES = 16;
const trees = new Map<string, ReturnType<typeof anchorTreeFromHashes>>();

function treeOf(batch: BatchRecord): ReturnType<typeof anchorTreeFromHashes> {
  const key = `${batch.batchId}:${batch.root}:${batch.txHash}`;
  let tree = trees.get(key);
  if (tree === undefined) {
    tree = anchorTreeFromHashes(batch.leaves as Hex[]);
    if (trees.size >= TREES) trees.delete(trees.keys().next().value as string);
  } else {
    trees.delete(key); // re-inserted below: most recently used last
  }
  trees.set(key, tree);
  return tree;
}

export function registerProofRoute(app: Express, deps: AppDeps): void {
  get(app, "/v1/posts/:id/proof", async (req, res) => {
    const { id } = parseInput(postParamsSchema, req.params, "path");
    parseInput(noQuerySchema, req.query, "query");
    await sendRead(deps, res, async (reader) => {
      const post = await findPost(reader, id);
      if (post === undefined) {
        await requireDataAvailable(reader, id);
        throw new HttpProblem("post_not_found", "no post with this id");
      }
      if (post.mode !== "anchored-calldata" && post.mode !== "anchored-hash") {
        throw new HttpProblem("not_anchored", `post ${id} is a ${post.mode} post: its own Posted event on chain is its proof`);
      }
      const anchored = post as AnchoredPostRecord;
      const batch = await reader.get<BatchRecord>(keys.batch(BigInt(anchored.batchId)));
      if (batch === undefined || batch.leaves.length === 0) throw new Error(`anchored post ${id} has no stored batch leaves`);
      const tree = treeOf(batch);
      const leafHash = batch.leaves[anchored.leafIndex] as Hex;
      return {
        data: {
          postId: post.id,
          batchId: batch.batchId,
          leaf: { index: anchored.leafIndex, postId: post.id, author: post.author, parentId: post.parentId, contentHash: contentHash(post.content) },
          leafHash,
          proof: tree.proof(anchored.leafIndex),
          root: batch.root,
          signatureValid: anchored.signatureValid,
          anchor: {
            batchId: batch.batchId, firstPostId: batch.firstPostId, count: batch.count, dataHash: batch.dataHash, txHash: batch.txHash, blockNumber: batch.block,
          },
          signed: anchored.signed,
        },
      };
    });
  });
}
