/**
 * Response models (zod), registered by name: the OpenAPI document's components are generated
 * from them, and the tests parse real responses with them, so the document cannot drift from
 * what the API sends. Amounts are uint256 decimal strings; never numbers.
 */
import { z } from "zod";

import { PROBLEMS, type ProblemCode } from "./problem.ts";

export const models = z.registry<{ id: string }>();

const named = <S extends z.ZodType>(id: string, schema: S): S => {
  models.add(schema, { id });
  return schema;
};

const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const address = z.string().regex(/^0x[0-9a-f]{40}$/i);
const hash = z.string().regex(/^0x[0-9a-f]{64}$/i);
const count = z.number().int().nonnegative();

export const Uint256 = named("Uint256", uint.meta({ description: "uint256 as a decimal string" }));
export const Amounts = named(
  "Amounts",
  z.record(address, Uint256).meta({ description: "Amount per asset (lower-case address; 0x000…000 is ETH)" }),
);

const where = { block: count, logIndex: count, txHash: hash, timestamp: count };

export const Post = named(
  "Post",
  z.object({
    id: Uint256, author: address, parentId: Uint256, fee: Uint256, content: z.string(),
    mode: z.enum(["direct", "batched", "anchored-calldata", "anchored-hash"]).meta({
      description: "How the post reached the chain: its own transaction, a relayer's submitBatch, or an anchored batch (data in calldata or kept by the sequencer)",
    }),
    batchId: Uint256.optional().meta({ description: "Anchored posts: the batch (GET /v1/batches/{batchId})" }),
    leafIndex: count.optional().meta({ description: "Anchored posts: the leaf's index in the batch" }),
    signatureValid: z.boolean().optional().meta({ description: "Anchored posts: the signature is the author's or a live ETH session key's (false: hidden from listings)" }),
    signer: address.nullable().optional(),
    signed: z.object({ seq: Uint256, cumulativeFee: Uint256, signature: z.string() }).optional()
      .meta({ description: "Anchored posts: what the author signed besides the post (EIP-712 AnchoredPost)" }),
    replayOf: Uint256.optional().meta({ description: "Anchored posts: a replay of this earlier post (same author and seq); counted nowhere, in no listing" }),
    ...where,
  }),
);
export const PostStats = named("PostStats", z.object({ replies: count, tips: count, totals: Amounts }));
export const PostView = named("PostView", Post.extend({ stats: PostStats }));
export const Tip = named(
  "Tip",
  z.object({
    postId: Uint256, tipper: address, author: address, asset: address, amount: Uint256, fee: Uint256,
    mode: z.enum(["direct", "batched", "voucher"]).meta({ description: "A direct tip, a relayer's submitBatch, or a settled tip voucher" }),
    ...where,
  }),
);
export const AnchorLeaf = named(
  "AnchorLeaf",
  z.object({ index: count, postId: Uint256, author: address, parentId: Uint256, contentHash: hash }).meta({
    description:
      "The leaf's fields: keccak256(bytes.concat(keccak256(abi.encode(index, author, parentId, contentHash)))) is its hash; index = postId - the batch's firstPostId",
  }),
);
export const AnchorProof = named(
  "AnchorProof",
  z.object({
    postId: Uint256,
    batchId: Uint256,
    leaf: AnchorLeaf,
    leafHash: hash,
    proof: z.array(hash).meta({ description: "Sorted-pair Merkle proof (OpenZeppelin MerkleProof), leaf to root" }),
    root: hash.meta({ description: "The root as indexed; check it against anchorOf(batchId) on chain" }),
    signatureValid: z.boolean(),
    anchor: z.object({ batchId: Uint256, firstPostId: Uint256, count: Uint256, dataHash: hash, txHash: hash, blockNumber: count }),
    signed: z.object({ seq: Uint256, cumulativeFee: Uint256, signature: z.string() }),
  }),
);
export const Batch = named(
  "Batch",
  z.object({
    batchId: Uint256, sequencer: address, root: hash, firstPostId: Uint256, count: Uint256, dataHash: hash,
    mode: z.enum(["anchored-calldata", "anchored-hash"]),
    status: z.enum(["valid", "invalid", "dataUnavailable"]).meta({
      description: "valid: the data matches the root, posts indexed; invalid: it does not (no post indexed, see reason); dataUnavailable: hash mode and the index has no data",
    }),
    reason: z.string().nullable(),
    posts: count.meta({ description: "Posts indexed" }),
    hidden: count.meta({ description: "Posts stored but hidden: their signature does not check" }),
    replays: z.array(z.object({ postId: Uint256, replayOf: Uint256 })).meta({
      description: "Posts of this batch that re-anchor a signed post already anchored (same author and seq, so the same signed digest or an equivocation): served by id with replayOf, counted nowhere",
    }),
    ...where,
  }),
);
export const Author = named(
  "Author",
  z.object({
    address,
    posts: count,
    tipsReceived: count,
    tipsSent: count,
    received: Amounts,
    sent: Amounts,
    owed: Amounts,
    withdrawn: Amounts,
  }),
);
export const TopPost = named("TopPost", z.object({ postId: Uint256, asset: address, total: Uint256, post: PostView.nullable() }));
export const TopAuthor = named("TopAuthor", z.object({ address, asset: address, total: Uint256 }));
export const Config = named(
  "Config",
  z.object({
    chainId: count,
    contracts: z.object({ PennyPost: address, PennyTestToken: address.optional() }),
    postFee: Uint256,
    tipFeeBps: count,
    treasury: address.nullable(),
    acceptedTokens: z.array(address),
    paused: z.boolean(),
    feesOwed: Amounts,
    finalityDepth: count,
    maxPageSize: count,
  }),
);
export const Block = named(
  "Block",
  z
    .object({ number: count.nullable(), hash: hash.nullable(), final: z.boolean() })
    .meta({ description: "The indexed block the response reflects (null before the first block is indexed)" }),
);
export const Page = named(
  "Page",
  z.object({ next: z.string().nullable() }).meta({ description: "Pass `next` as `cursor` for the following page; null on the last page" }),
);
export const Problem = named(
  "Problem",
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string(),
      code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]).meta({ description: "Stable machine-readable code; branch on it, not on title or detail" }),
      instance: z.string().optional(),
      errors: z.array(z.object({ in: z.enum(["path", "query"]), name: z.string(), reason: z.string() })).optional(),
    })
    .meta({ description: "RFC 9457 problem details" }),
);
export const Status = named(
  "Status",
  z.object({
    chainHead: count.nullable(),
    chainHeadAt: z.string().nullable(),
    indexedBlock: count.nullable(),
    indexedHash: z.string().nullable(),
    lag: z.number().int().nullable(),
    lastReorgDepth: count,
    reorgs: count,
    eventsPerSecond: z.number().nonnegative(),
    ready: z.boolean(),
    haltReason: z.string().nullable(),
    unavailable: z
      .object({ code: z.enum(["index_halted", "chain_replaced", "node_unavailable", "index_ahead_of_chain", "index_off_chain"]), reason: z.string() })
      .nullable(),
    finalizedBlock: count.nullable(),
  }),
);

/** The /v1 envelope around `data`; `paged` adds `page`. */
export function envelope<S extends z.ZodType>(data: S, paged: boolean) {
  return paged ? z.object({ data, page: Page, block: Block }) : z.object({ data, block: Block });
}
