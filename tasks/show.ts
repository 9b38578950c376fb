/** `pennypost show --post <id>`: one post, its counts and its tips, read from the PennyPost API. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { addApiAssets, openApi, runCommand } from "./context.ts";
import { CliError } from "./errors.ts";
import { ETH, checksummed, formatAmount, formatTime, formatTotals, requirePostId, table, type ApiPost, type ApiTip } from "./format.ts";

interface ShowArguments {
  post: bigint;
  api: string;
}

/** `show` prints one page of tips: this many, or the API's largest page if smaller. */
const TIPS_SHOWN = 100;

export default async function showAction(args: ShowArguments, _hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    const id = requirePostId(args.post, "--post");
    const api = openApi(args.api);
    const [found, config] = await Promise.all([api.get<ApiPost>(`/v1/posts/${id}`), addApiAssets(api, session.book)]);
    if (found === undefined) {
      throw new CliError(`the index at ${api.url} has no post #${id}: see the ids with \`npx hardhat pennypost feed\` (a post just sent shows up within a second)`);
    }
    const post = found.data;
    const tips = (await api.get<ApiTip[]>(`/v1/posts/${id}/tips?limit=${Math.min(TIPS_SHOWN, config?.maxPageSize ?? TIPS_SHOWN)}`)) ?? { data: [], page: undefined };
    const rows: Array<[string, string]> = [
      ["post", `#${post.id}`],
      ["author", checksummed(post.author)],
      ["time", formatTime(post.timestamp)],
    ];
    if (post.parentId !== "0") rows.push(["reply to", `#${post.parentId}`]);
    rows.push(
      ["replies", String(post.stats.replies)],
      ["tips", `${post.stats.tips}${post.stats.tips === 0 ? "" : ` (${formatTotals(session.book, post.stats.totals)})`}`],
      ["fee paid", formatAmount(session.book, ETH, post.fee)],
      // Direct mode: the post is its own transaction, and the Posted log in it is the proof.
      // TODO(anchored mode): when posts can be anchored in batches (README "Status"), print the
      // post's Merkle proof and anchor transaction here, from the API, checked against the chain.
      ["mode", `${post.mode} (block ${post.block}, tx ${post.txHash})`],
    );
    const lines = [table(rows), "", ...post.content.split("\n").map((line) => `    ${line}`)];
    if (tips.data.length > 0) {
      lines.push("", `Tips, newest first${tips.page?.next ? ` (the newest ${tips.data.length})` : ""}:`);
      for (const tip of tips.data) {
        lines.push(`  ${formatTime(tip.timestamp)}  ${checksummed(tip.tipper)}  ${formatAmount(session.book, tip.asset, tip.amount)}  (fee ${formatAmount(session.book, tip.asset, tip.fee)})`);
      }
    }
    console.log(lines.join("\n"));
  });
}
