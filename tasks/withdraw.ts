/** `pennypost withdraw [--asset ETH|PPTEST|<address>]`: withdraws what the account is owed. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseEventLogs } from "viem";

import { pennyPostAbi } from "../lib/generated/abi.ts";
import { resolveAsset } from "./assets.ts";
import { openChain, runCommand } from "./context.ts";
import { CliError, pennyPostErrorMessage } from "./errors.ts";
import { explainContext, formatAmount, gasLine, table } from "./format.ts";
import { transact } from "./transact.ts";

interface WithdrawArguments {
  asset: string;
  from: number;
  deployment: string | undefined;
}

export default async function withdrawAction(args: WithdrawArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    if (args.asset.trim() === "") throw new CliError("--asset must be ETH, PPTEST or a token address");
    const chain = await openChain(hre, session, args);
    const asset = await resolveAsset(chain, session, args.asset, "--asset");
    const pennyPost = { address: chain.pennyPost, abi: pennyPostAbi } as const;
    const owed = await chain.publicClient.readContract({ ...pennyPost, functionName: "owed", args: [chain.account, asset.address] });
    if (owed === 0n) {
      throw new CliError(pennyPostErrorMessage("PennyPostNothingToWithdraw", [chain.account, asset.address], explainContext(session.book, undefined, session.place)));
    }
    const receipt = await transact(chain, (blockNumber) =>
      chain.publicClient.simulateContract({
        ...pennyPost, functionName: "withdraw", args: [asset.address], account: chain.wallet.account, blockNumber,
      }),
    );
    const [withdrawn] = parseEventLogs({ abi: pennyPostAbi, eventName: "Withdrawn", logs: receipt.logs });
    console.log(table([
      ["withdrew", formatAmount(session.book, withdrawn.args.asset, withdrawn.args.amount)],
      ["to", withdrawn.args.to],
      ["tx", receipt.transactionHash],
      ["block", String(receipt.blockNumber)],
      ["gas used", gasLine(receipt.gasUsed)],
    ]));
  });
}
