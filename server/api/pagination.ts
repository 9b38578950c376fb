/**
 * Key-based pagination. A cursor is the base64url of the last key a page returned; the next page
 * starts strictly after it in the listing's direction. Keys are immutable index entries, so items
 * added while a client walks a listing never shift a page: no gaps, no duplicates.
 */
import { HttpProblem } from "./problem.ts";
import type { Reader } from "./read.ts";

export interface Listing {
  /** Every key of the listing starts with it. */
  prefix: string;
  /** What follows the prefix in a well-formed key of this listing. */
  tail: RegExp;
  /** true = descending key order (newest first). */
  reverse: boolean;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** A validated page request: `after` is the decoded cursor key. */
export interface KeyRange {
  limit: number;
  after: string | undefined;
}

export interface KeyPage {
  keys: string[];
  next: string | null;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const encodeCursor = (key: string): string => Buffer.from(key, "utf8").toString("base64url");

/** The key inside `cursor`, or a 400 `invalid_cursor` unless it is a key of `listing`. */
export function decodeCursor(cursor: string, listing: Listing): string {
  if (!BASE64URL.test(cursor)) throw new HttpProblem("invalid_cursor", "cursor is not base64url");
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  // Node decodes leniently: accept only the canonical encoding of a key of this listing.
  if (encodeCursor(key) !== cursor || !key.startsWith(listing.prefix) || !listing.tail.test(key.slice(listing.prefix.length))) {
    throw new HttpProblem("invalid_cursor", "cursor does not belong to this listing");
  }
  return key;
}

/** Validates the request's cursor against `listing` (before any read: bad input is a 400 first). */
export const keyRange = (listing: Listing, request: PageRequest): KeyRange => ({
  limit: request.limit,
  after: request.cursor === undefined ? undefined : decodeCursor(request.cursor, listing),
});

/** One page of `listing`'s keys after `range.after`. */
export async function pageKeys(reader: Reader, listing: Listing, range: KeyRange): Promise<KeyPage> {
  const { after } = range;
  const end = `${listing.prefix}\xff`;
  const limit = range.limit + 1;
  const found = listing.reverse
    ? await reader.keys({ gte: listing.prefix, lt: after ?? end, reverse: true, limit })
    : await reader.keys(after === undefined ? { gte: listing.prefix, lt: end, limit } : { gt: after, lt: end, limit });
  const { items, next } = cut(found, range.limit, (key) => key);
  return { keys: items, next };
}

/** The first `limit` of `found` (which may hold one more), and the cursor after them when there is more. */
function cut<T>(found: T[], limit: number, keyOf: (item: T) => string): { items: T[]; next: string | null } {
  if (found.length <= limit) return { items: found, next: null };
  const page = found.slice(0, limit);
  return { items: page, next: encodeCursor(keyOf(page[page.length - 1])) };
}

/**
 * One page of in-memory `items` (already in listing order) after `range.after`, where `keyOf`
 * gives each item's key in the listing: the same cursors as a stored listing.
 */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, range: KeyRange): { items: T[]; next: string | null } {
  const { after } = range;
  const start = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  return cut(start === -1 ? [] : items.slice(start, start + range.limit + 1), range.limit, keyOf);
}
