/**
 * LevelDB key layout. Every number is fixed-width and zero-padded so that byte order equals chain
 * order; addresses are lower-case hex without 0x (40 chars). Pure functions only.
 *
 *   meta!cursor                     {number, hash} of the last indexed block (written in every batch)
 *   meta!origin                     {number, hash} of the first block to index: which chain this index is of
 *   meta!protocol                   fees, treasury, accepted tokens, paused (from admin events)
 *   meta!totals                     global counters
 *   meta!schema                     the layout version of this index (schema.ts)
 *   b!<block>                       {hash, parentHash} of blocks inside the reorg window
 *   u!<block>                       undo records of that block: [[key, previous value | null], ...]
 *   p!<post>                        a post (immutable once written)
 *   ps!<post>                       a post's counters: replies, tips, totals per asset (absent = none yet)
 *   r!<parent>!<post>               reply index
 *   ap!<author>!<post>              author's posts
 *   pt!<post>!<pos>                 a tip, under its post, by chain position
 *   w!<pos>                         a withdrawal (accounts and treasury)
 *   a!<account>                     an account's profile counters and amounts
 *   tp!<asset>                      the top posts by total tipped in the asset: [[post, total], ...], richest first
 *   ta!<asset>                      the top authors by tips received (after fees) in the asset, likewise
 *   ab!<batch>                      an anchored batch: event, status, leaf hashes (proofs are rebuilt from them)
 *   px!<post>                       an anchored post whose signature does not check, or a replay: served by id, in no listing
 *   abf!<first post>!<batch>        every anchored batch by its first post id (index): which batch holds a post id
 *   as!<author>!<seq>               the anchored post that holds (author, seq): {postId}; a later copy is a replay
 *   sk!<account>!<key>              a live ETH session key of an account: {cap, expiry} (deleted when revoked)
 *   af!<account>                    the cumulative anchored fee of the account's latest listed anchored post:
 *                                   {cumulativeFee}; a post's fee is its signed cumulativeFee minus this
 *
 * <block> is 12 digits, <post> and <batch> 20 digits, <pos> is <block><logIndex 6 digits>.
 * Leaderboard pages name their last entry as `<board key>!<rank>!<id>` (rank: 78 digits, see
 * rankPart), so a cursor orders like the entries it points between.
 */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** A number as fixed-width decimal; a string must already be canonical decimal (as bigint's toString gives). */
const pad = (value: bigint | number | string, width: number): string => String(value).padStart(width, "0");

export const blockPart = (block: bigint | number): string => pad(block, 12);
export const postPart = (postId: bigint | number | string): string => pad(postId, 20);
export const positionPart = (block: bigint | number, logIndex: number): string => blockPart(block) + pad(logIndex, 6);
export const addressPart = (address: string): string => (address.startsWith("0x") ? address.slice(2) : address).toLowerCase();
/** Sorts larger amounts first: ascending order of `max - amount`. */
export const rankPart = (amount: bigint): string => pad(amount >= MAX_UINT256 ? 0n : MAX_UINT256 - amount, 78);

/**
 * Memoizes a builder of the hot path, keeping at most `limit` results (all dropped when full). For
 * keys: the same key string object comes back for the same input, so it is built and hashed (by
 * the Maps and Sets it goes through) once, not at every use. Worth it for addresses (few, reused);
 * not for post ids (a Map keyed by bigints cost more than building the key, measured).
 */
export function memo<A, R>(build: (input: A) => R, limit = 200_000): (input: A) => R {
  const made = new Map<A, R>();
  return (input) => {
    let key = made.get(input);
    if (key === undefined) {
      if (made.size >= limit) made.clear();
      key = build(input);
      made.set(input, key);
    }
    return key;
  };
}

export const keys = {
  cursor: "meta!cursor",
  protocol: "meta!protocol",
  origin: "meta!origin",
  totals: "meta!totals",
  schema: "meta!schema",
  block: (block: bigint | number) => `b!${blockPart(block)}`,
  undo: (block: bigint | number) => `u!${blockPart(block)}`,
  post: (postId: bigint | number | string) => `p!${postPart(postId)}`,
  postStats: (postId: bigint | number | string) => `ps!${postPart(postId)}`,
  reply: (parentId: bigint | number, postId: bigint | number) => `r!${postPart(parentId)}!${postPart(postId)}`,
  authorPost: (author: string, postId: bigint | number | string) => `ap!${addressPart(author)}!${postPart(postId)}`,
  postTip: (postId: bigint | number | string, position: string) => `pt!${postPart(postId)}!${position}`,
  withdrawal: (position: string) => `w!${position}`,
  account: memo((account: string) => `a!${addressPart(account)}`),
  topPosts: memo((asset: string) => `tp!${addressPart(asset)}`, 1_000),
  topAuthors: memo((asset: string) => `ta!${addressPart(asset)}`, 1_000),
  batch: (batchId: bigint | number) => `ab!${postPart(batchId)}`,
  hiddenPost: (postId: bigint | number) => `px!${postPart(postId)}`,
  session: (account: string, key: string) => `sk!${addressPart(account)}!${addressPart(key)}`,
  anchoredFees: memo((account: string) => `af!${addressPart(account)}`),
  batchByFirstPost: (firstPostId: bigint | string, batchId: bigint | string) => `abf!${postPart(firstPostId)}!${postPart(batchId)}`,
  anchoredSeq: (author: string, seq: bigint | string) => `as!${addressPart(author)}!${pad(seq, 78)}`,
} as const;

/** Key ranges for iteration: every key that starts with `prefix`. */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix}\xff` };
}

export const prefixes = {
  blocks: "b!",
  undo: "u!",
  posts: "p!",
  replies: (parentId: bigint | number) => `r!${postPart(parentId)}!`,
  authorPosts: (author: string) => `ap!${addressPart(author)}!`,
  postTips: (postId: bigint | number) => `pt!${postPart(postId)}!`,
  batchesByFirstPost: "abf!",
} as const;
