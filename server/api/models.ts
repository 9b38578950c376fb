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
  z.object({ id: Uint256, author: address, parentId: Uint256, fee: Uint256, content: z.string(), mode: z.literal("direct"), ...where }),
);
export const PostStats = named("PostStats", z.object({ replies: count, tips: count, totals: Amounts }));
export const PostView = named("PostView", Post.extend({ stats: PostStats }));
export const Tip = named(
  "Tip",
  z.object({ postId: Uint256, tipper: address, author: address, asset: address, amount: Uint256, fee: Uint256, ...where }),
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
    indexedBlock: count.nullable(),
    indexedHash: z.string().nullable(),
    lag: z.number().int().nullable(),
    lastReorgDepth: count,
    reorgs: count,
    eventsPerSecond: z.number().nonnegative(),
    ready: z.boolean(),
    haltReason: z.string().nullable(),
    finalizedBlock: count.nullable(),
  }),
);

/** The /v1 envelope around `data`; `paged` adds `page`. */
export function envelope<S extends z.ZodType>(data: S, paged: boolean) {
  return paged ? z.object({ data, page: Page, block: Block }) : z.object({ data, block: Block });
}
