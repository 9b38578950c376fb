/**
 * The `pennypost` command line, as Hardhat 3 tasks: `./pennypost <command> --network <name>` (the
 * launcher; `npx hardhat pennypost <command>` on Node >= 22.18). Only the definitions live here
 * (hardhat.config.ts imports them); each action is a file of its own, loaded when its command runs.
 *
 * Hardhat's help prints every option in brackets: the required ones say "Required." first, and
 * have no default (ids are strings parsed by the action, so no "(default: 0)" appears).
 */
import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { TaskDefinition } from "hardhat/types/tasks";

export const DEFAULT_API_URL = "http://127.0.0.1:8080";

const FROM = {
  name: "from",
  description: "Index of the network's account that signs (0 is the first)",
  type: ArgumentType.INT,
  defaultValue: 0,
} as const;
const DEPLOYMENT = {
  name: "deployment",
  description: "Deployment file to use instead of deployments/<network>.json",
  type: ArgumentType.FILE_WITHOUT_DEFAULT,
  defaultValue: undefined,
} as const;
const API = {
  name: "api",
  description: "URL of the PennyPost API (the indexer started by npm start)",
  type: ArgumentType.STRING,
  defaultValue: DEFAULT_API_URL,
} as const;
const VIA = {
  name: "via",
  description: "direct (a transaction, the default), or through the relayer, signed and paid from the deposit: batched, anchored-calldata, anchored-hash",
  type: ArgumentType.STRING,
  defaultValue: "direct",
} as const;
/** A required option: Hardhat has no required options, so the action checks it and the help says so. */
function postId<N extends string>(name: N, description: string) {
  return { name, description: `Required. ${description}`, type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined } as const;
}
const TEXT = {
  name: "text",
  description: "Required. The post's text (UTF-8, 1 to 1,024 bytes)",
  type: ArgumentType.STRING_WITHOUT_DEFAULT,
  defaultValue: undefined,
} as const;

export const pennyPostTasks: TaskDefinition[] = [
  emptyTask("pennypost", "Post, reply, tip, withdraw and read the feed of PennyPost (./pennypost <command> --help for one)").build(),

  task(["pennypost", "post"], "Publish a post, paying the current posting fee")
    .addOption(TEXT)
    .addOption(VIA)
    .addOption(API)
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./post.ts"))
    .build(),

  task(["pennypost", "reply"], "Reply to a post, paying the current posting fee")
    .addOption(postId("parent", "Id of the post to reply to"))
    .addOption(TEXT)
    .addOption(VIA)
    .addOption(API)
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./reply.ts"))
    .build(),

  task(["pennypost", "tip"], "Tip a post in ETH, or in an accepted ERC-20 token with --token")
    .addOption(postId("post", "Id of the post to tip"))
    .addOption({
      name: "amount",
      description: "Required. Amount as a decimal in ETH or in whole tokens, e.g. 0.001",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "token",
      description: "Tip in this ERC-20 instead of ETH: its address, or PPTEST for the local test token",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "via",
      description: "direct (a transaction, the default), or through the relayer, signed and paid from the deposit: batched, voucher",
      type: ArgumentType.STRING,
      defaultValue: "direct",
    })
    .addOption(API)
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./tip.ts"))
    .build(),

  task(["pennypost", "withdraw"], "Withdraw everything the account is owed in one asset")
    .addOption({ name: "asset", description: "ETH, PPTEST or a token address", type: ArgumentType.STRING, defaultValue: "ETH" })
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./withdraw.ts"))
    .build(),

  task(["pennypost", "deposit"], "Prepay the deposit that relayed posts and tips spend; --withdraw / --complete to get it back")
    .addOption({
      name: "amount",
      description: "Required to deposit. Amount as a decimal in ETH or in whole tokens, e.g. 0.01 (with --withdraw: default, the whole deposit)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({ name: "token", description: "ETH, PPTEST or a token address", type: ArgumentType.STRING, defaultValue: "ETH" })
    .addFlag({ name: "withdraw", description: "Start withdrawing the deposit (it unlocks WITHDRAWAL_DELAY later)" })
    .addFlag({ name: "complete", description: "Complete a withdrawal whose delay has passed" })
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./deposit.ts"))
    .build(),

  task(["pennypost", "session"], "Let an app key post and tip for the account through the relayer, within a cap, until it expires")
    .addOption({ name: "key", description: "Required. The app key's address", type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined })
    .addOption({
      name: "cap",
      description: "Required (except with --revoke). Most the key may spend in total, as a decimal in ETH or whole tokens",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({ name: "hours", description: "Hours until the key expires (1 to 168)", type: ArgumentType.INT, defaultValue: 24 })
    .addOption({ name: "token", description: "The asset the cap is in: ETH, PPTEST or a token address", type: ArgumentType.STRING, defaultValue: "ETH" })
    .addFlag({ name: "revoke", description: "Revoke the key at once instead" })
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./session.ts"))
    .build(),

  task(["pennypost", "admin"], "The owner's set-up calls on a deployment: a relayer as sequencer (anchored posts), a token accepted for tips")
    .addOption({ name: "sequencer", description: "setSequencer: let this address (the relayer's) anchor posts", type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined })
    .addOption({ name: "acceptToken", description: "setTokenAccepted: accept this ERC-20 for tips", type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined })
    .addFlag({ name: "revoke", description: "Undo it: stop the sequencer, or delist the token" })
    .addOption(FROM)
    .addOption(DEPLOYMENT)
    .setAction(() => import("./admin.ts"))
    .build(),

  task(["pennypost", "feed"], "Print the newest posts, from the PennyPost API")
    .addOption({ name: "limit", description: "How many posts, 1 to the API's page size (100 by default)", type: ArgumentType.INT, defaultValue: 20 })
    .addOption({ name: "author", description: "Only this author's posts (an address)", type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined })
    .addOption(API)
    .setAction(() => import("./feed.ts"))
    .build(),

  task(["pennypost", "show"], "Print one post with its tips, from the PennyPost API (and an anchored post's Merkle proof)")
    .addOption(postId("post", "Id of the post"))
    .addOption(API)
    .addFlag({ name: "verify", description: "For an anchored post: check its proof against the root on --network's chain" })
    .setAction(() => import("./show.ts"))
    .build(),
];
