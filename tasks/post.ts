/** `pennypost post --text "..."`: publishes a post, paying the posting fee read from the contract. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseEventLogs } from "viem";

import { pennyPostAbi } from "../lib/abi.ts";
import { openChain, runCommand, type Session } from "./context.ts";
import { CliError } from "./errors.ts";
import { ETH, formatAmount, gasLine, table } from "./format.ts";
import { transact } from "./transact.ts";

export interface PostArguments {
  text: string | undefined;
  from: number;
  deployment: string | undefined;
}

export default async function postAction(args: PostArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand((session) => publish(hre, session, 0n, args));
}

/** Posts `args.text` as a reply to `parentId` (0: top level) and prints what was published. */
export async function publish(hre: HardhatRuntimeEnvironment, session: Session, parentId: bigint, args: PostArguments): Promise<void> {
  const text = args.text;
  if (text === undefined) throw new CliError('give the text with --text "..."');
  if (text.trim() === "") throw new CliError('the text is empty; give it with --text "..."');
  const chain = await openChain(hre, session, args);
  const contract = { address: chain.pennyPost, abi: pennyPostAbi } as const;
  const fee = await chain.publicClient.readContract({ ...contract, functionName: "postFee" });
  const receipt = await transact(chain, (blockNumber) =>
    chain.publicClient.simulateContract({
      ...contract, functionName: "post", args: [parentId, text], value: fee, account: chain.wallet.account, blockNumber,
    }),
  );
  const [posted] = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt.logs });
  const rows: Array<[string, string]> = [["post", `#${posted.args.postId}`]];
  if (parentId !== 0n) rows.push(["reply to", `#${parentId}`]);
  rows.push(
    ["author", posted.args.author],
    ["fee", formatAmount(session.book, ETH, posted.args.fee)],
    ["tx", receipt.transactionHash],
    ["block", String(receipt.blockNumber)],
    ["gas used", gasLine(receipt.gasUsed)],
  );
  console.log(table(rows));
}
