/** `pennypost show --post <id>`: one post, its counts and its tips, read from the PennyPost API. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { getAddress, type Address, type Hex } from "viem";

import { contentHash, verifyAnchorProof, type AnchorLeaf } from "../lib/anchored.ts";
import { verifyProof } from "../scripts/verify-proof.ts";
import { addApiAssets, openApi, runCommand } from "./context.ts";
import { CliError } from "./errors.ts";
import { ETH, checksummed, formatAmount, formatTime, formatTotals, requirePostId, table, type ApiPost, type ApiTip } from "./format.ts";

interface ShowArguments {
  post: string | undefined;
  api: string;
  verify: boolean;
}

/** GET /v1/posts/:id/proof (server/api/routes/posts-proof.ts). */
interface ApiProof {
  batchId: string;
  leaf: { postId: string; author: Address; parentId: string; contentHash: Hex };
  proof: Hex[];
  root: Hex;
  anchor: { firstPostId: string; count: string; txHash: Hex; blockNumber: number };
}

/** The JSON-RPC URL of `--network`, which --verify reads the anchored root from. */
async function rpcUrl(hre: HardhatRuntimeEnvironment): Promise<string> {
  const name = hre.globalOptions.network;
  const config = hre.config.networks[name];
  if (config?.type !== "http") {
    throw new CliError(`--verify reads the batch's root from the chain: add --network localhost (the node npm start runs) or another network from hardhat.config.ts`);
  }
  return config.url.get();
}

/** `show` prints one page of tips: this many, or the API's largest page if smaller. */
const TIPS_SHOWN = 100;

export default async function showAction(args: ShowArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    const id = requirePostId(args.post, "--post");
    const api = openApi(args.api);
    const [found, config] = await Promise.all([api.get<ApiPost>(`/v1/posts/${id}`), addApiAssets(api, session.book)]);
    if (found === undefined) {
      throw new CliError(`the index at ${api.url} has no post #${id}: see the ids with \`./pennypost feed\` (a post just sent shows up within a second)`);
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
      // An anchored post's fee is not in its transaction: the author signs its cumulative anchored
      // fees (the index serves the difference to the previous anchored post as `fee`), and the
      // relayer settles them from the deposit later.
      post.signed === undefined
        ? ["fee paid", formatAmount(session.book, ETH, post.fee)]
        : ["fee paid", `${formatAmount(session.book, ETH, post.fee)} (signed: ${formatAmount(session.book, ETH, post.signed.cumulativeFee)} of anchored fees through this post, seq ${post.signed.seq}; taken from the deposit when the relayer settles)`],
      // Direct and batched posts: the Posted log in their transaction is the proof.
      ["mode", `${post.mode} (block ${post.block}, tx ${post.txHash})`],
    );
    const anchored = post.mode.startsWith("anchored") ? await api.get<ApiProof>(`/v1/posts/${id}/proof`) : undefined;
    if (anchored !== undefined) {
      const p = anchored.data;
      // The leaf names the post by its position in the batch.
      // The leaf is rebuilt from the post as served (author, parent, content), not from the proof's own fields.
      const leaf: AnchorLeaf = [id - BigInt(p.anchor.firstPostId), getAddress(post.author), BigInt(post.parentId), contentHash(post.content)];
      const consistent = verifyAnchorProof(p.root, leaf, p.proof);
      rows.push(
        ["batch", `#${p.batchId}: posts #${p.anchor.firstPostId}..#${BigInt(p.anchor.firstPostId) + BigInt(p.anchor.count) - 1n}, anchored in block ${p.anchor.blockNumber}, tx ${p.anchor.txHash}`],
        ["merkle root", p.root],
        ["proof", `${p.proof.length} hashes: ${consistent ? "they lead from this post to the root above" : "THEY DO NOT lead from this post to the root above"}`],
      );
      if (!args.verify) rows.push(["verify", `against the chain itself: add --verify --network <name>, or run node scripts/verify-proof.ts ${id}`]);
    }
    const lines = [table(rows), "", ...post.content.split("\n").map((line) => `    ${line}`)];
    if (tips.data.length > 0) {
      lines.push("", `Tips, newest first${tips.page?.next ? ` (the newest ${tips.data.length})` : ""}:`);
      for (const tip of tips.data) {
        lines.push(`  ${formatTime(tip.timestamp)}  ${checksummed(tip.tipper)}  ${formatAmount(session.book, tip.asset, tip.amount)}  (fee ${formatAmount(session.book, tip.asset, tip.fee)})`);
      }
    }
    console.log(lines.join("\n"));
    if (args.verify) {
      if (anchored === undefined) throw new CliError(`post #${id} is a ${post.mode} post: its Posted event in tx ${post.txHash} is its proof; --verify is for anchored posts`);
      console.log("");
      const result = await verifyProof(String(id), { api: api.url, rpc: await rpcUrl(hre) });
      if (!result.ok) {
        throw new CliError(`the index at ${api.url} served post #${id} with what the chain does not prove (${result.failed}): do not trust this index; verify against another (--api)`);
      }
    }
  });
}
