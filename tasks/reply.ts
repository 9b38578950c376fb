/** `pennypost reply --parent <id> --text "..."`: a post that answers another one. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runCommand } from "./context.ts";
import { requirePostId } from "./format.ts";
import { publish, type PostArguments } from "./post.ts";

export default async function replyAction(args: PostArguments & { parent: string | undefined }, hre: HardhatRuntimeEnvironment) {
  return runCommand((session) => publish(hre, session, requirePostId(args.parent, "--parent"), args));
}
