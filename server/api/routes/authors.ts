/**
 * /v1/authors/:address: an account's profile (posts, tips received and sent, amounts per asset)
 * and its posts, newest first. An address the index has never seen is a 404.
 */
import type { Express } from "express";

import type { AccountRecord, Address } from "../../domain.ts";
import { keys, prefixes } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { keyRange, pageKeys, type Listing } from "../pagination.ts";
import { HttpProblem } from "../problem.ts";
import type { Reader } from "../read.ts";
import { authorParamsSchema, noQuerySchema, pageQuerySchema, parseInput } from "../schemas.ts";
import { lastPart, postViews } from "./posts.ts";

export type AuthorView = AccountRecord & { address: Address };

export const authorPostsListing = (address: Address): Listing => ({
  prefix: prefixes.authorPosts(address),
  tail: /^\d{20}$/,
  reverse: true,
});

async function requireAccount(reader: Reader, address: Address): Promise<AccountRecord> {
  const account = await reader.get<AccountRecord>(keys.account(address));
  if (account === undefined) throw new HttpProblem("not_found", "no account with this address");
  return account;
}

export function registerAuthorRoutes(app: Express, deps: AppDeps): void {
  const pageQuery = pageQuerySchema(deps.config.maxPageSize);

  get(app, "/v1/authors/:address", async (req, res) => {
    const { address } = parseInput(authorParamsSchema, req.params, "path");
    parseInput(noQuerySchema, req.query, "query");
    await sendRead(deps, res, async (reader) => {
      const account = await requireAccount(reader, address);
      return { data: { address, ...account } satisfies AuthorView };
    });
  });

  get(app, "/v1/authors/:address/posts", async (req, res) => {
    const { address } = parseInput(authorParamsSchema, req.params, "path");
    const listing = authorPostsListing(address);
    const range = keyRange(listing, parseInput(pageQuery, req.query, "query"));
    await sendRead(deps, res, async (reader) => {
      const [page] = await Promise.all([pageKeys(reader, listing, range), requireAccount(reader, address)]);
      return { data: await postViews(reader, page.keys.map(lastPart)), next: page.next };
    });
  });
}
