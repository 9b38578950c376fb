/** `pennypost feed [--limit N] [--author 0x..]`: the newest posts, read from the PennyPost API. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { addApiAssets, openApi, runCommand } from "./context.ts";
import { CliError } from "./errors.ts";
import { checksummed, formatFeedPost, parseAddress, type ApiPost } from "./format.ts";

interface FeedArguments {
  limit: number;
  author: string | undefined;
  api: string;
}

export default async function feedAction(args: FeedArguments, _hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    if (!Number.isSafeInteger(args.limit) || args.limit < 1) throw new CliError(`--limit must be a whole number of posts, 1 or more, not ${args.limit}`);
    const author = args.author === undefined ? undefined : parseAddress(args.author, "--author").toLowerCase();
    const api = openApi(args.api);
    const config = await addApiAssets(api, session.book);
    if (config !== undefined && args.limit > config.maxPageSize) {
      throw new CliError(`--limit is at most ${config.maxPageSize} (the API's page size, MAX_PAGE_SIZE), not ${args.limit}`);
    }
    const path = author === undefined ? `/v1/posts?limit=${args.limit}` : `/v1/authors/${author}/posts?limit=${args.limit}`;
    const page = await api.get<ApiPost[]>(path);
    // The API answers 404 for an address it has never seen.
    const posts = page?.data ?? [];
    if (posts.length === 0) {
      console.log(author === undefined ? "No posts yet." : `No posts by ${checksummed(author)} yet.`);
      return;
    }
    console.log(posts.map((post) => formatFeedPost(session.book, post)).join("\n\n"));
  });
}
