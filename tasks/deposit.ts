/**
 * `pennypost deposit --amount <decimal> [--token PPTEST|<address>]`: prepays the deposit that signed
 * actions (batched posts and tips, anchored posts, tip vouchers) spend through the relayer.
 * `pennypost deposit --withdraw [--amount <decimal>]` starts getting it back (WITHDRAWAL_DELAY later);
 * `pennypost deposit --complete` finishes a withdrawal whose delay has passed.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseEventLogs, type TransactionReceipt } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../lib/generated/abi.ts";
import { approve, resolveAsset } from "./assets.ts";
import { openChain, runCommand } from "./context.ts";
import { CliError, pennyPostErrorMessage, tokenErrorMessage } from "./errors.ts";
import { ETH, cliCommand, explainContext, formatAmount, formatTime, gasLine, parseAmount, table } from "./format.ts";
import { requireEth, transact } from "./transact.ts";

interface DepositArguments {
  amount: string | undefined;
  token: string;
  withdraw: boolean;
  complete: boolean;
  from: number;
  deployment: string | undefined;
}

export default async function depositAction(args: DepositArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    if (args.withdraw && args.complete) throw new CliError("give --withdraw (start a withdrawal) or --complete (finish it), not both");
    if (args.token.trim() === "") throw new CliError("--token must be ETH, PPTEST or a token address");
    const chain = await openChain(hre, session, args);
    const asset = await resolveAsset(chain, session, args.token, "--token");
    if (asset.address !== ETH) session.token = asset.address;
    const ctx = explainContext(session.book, asset.address, session.place);
    const pennyPost = { address: chain.pennyPost, abi: pennyPostAbi } as const;
    const read = {
      deposit: () => chain.publicClient.readContract({ ...pennyPost, functionName: "depositOf", args: [chain.account, asset.address] }),
      pending: () => chain.publicClient.readContract({ ...pennyPost, functionName: "pendingWithdrawal", args: [chain.account, asset.address] }),
    };
    const call = (functionName: string, callArgs: readonly unknown[], value?: bigint): Promise<TransactionReceipt> =>
      transact(chain, (blockNumber) =>
        chain.publicClient.simulateContract({
          ...pennyPost, functionName, args: callArgs, value, account: chain.wallet.account, blockNumber,
        } as Parameters<typeof chain.publicClient.simulateContract>[0]),
      );

    let receipt: TransactionReceipt;
    const rows: Array<[string, string]> = [];
    if (args.complete) {
      const [amount, unlockAt] = await read.pending();
      if (unlockAt === 0n) {
        const start = cliCommand(`deposit --withdraw${asset.address === ETH ? "" : ` --token ${args.token.trim()}`}`, session.place);
        throw new CliError(`${pennyPostErrorMessage("PennyPostNoPendingWithdrawal", [chain.account, asset.address], ctx)}; start one with ${start}`);
      }
      receipt = await call("completeDepositWithdrawal", [asset.address, chain.account]);
      const [paid] = parseEventLogs({ abi: pennyPostAbi, eventName: "DepositWithdrawn", logs: receipt.logs });
      rows.push(["withdrew", `${formatAmount(session.book, asset.address, paid.args.amount)} of ${formatAmount(session.book, asset.address, amount)} requested`], ["to", paid.args.to]);
    } else if (args.withdraw) {
      const available = await read.deposit();
      const amount = args.amount === undefined ? available : parseAmount(args.amount, asset.decimals, asset.symbol);
      if (available === 0n || amount > available) throw new CliError(pennyPostErrorMessage("PennyPostInsufficientDeposit", [chain.account, asset.address, available, amount], ctx));
      receipt = await call("requestDepositWithdrawal", [asset.address, amount]);
      const [requested] = parseEventLogs({ abi: pennyPostAbi, eventName: "DepositWithdrawalRequested", logs: receipt.logs });
      const complete = cliCommand(`deposit --complete${asset.address === ETH ? "" : ` --token ${args.token.trim()}`}`, session.place);
      rows.push(
        ["requested", formatAmount(session.book, asset.address, requested.args.amount)],
        ["unlocks at", `${formatTime(Number(requested.args.unlockAt))}: then run ${complete}`],
      );
      // The requested amount stays in the deposit (relayers may still settle what was signed) until --complete.
      const left = (await read.deposit()) - requested.args.amount;
      rows.push(["deposit now", `${formatAmount(session.book, asset.address, left > 0n ? left : 0n)} after the withdrawal (${formatAmount(session.book, asset.address, requested.args.amount)} leaves at --complete)`]);
    } else {
      const amount = parseAmount(args.amount, asset.decimals, asset.symbol);
      if (asset.address === ETH) {
        await requireEth(chain, amount, "the deposit");
        receipt = await call("deposit", [chain.account], amount);
      } else {
        const erc20 = { address: asset.address, abi: pennyTestTokenAbi } as const;
        const [balance, allowance] = await Promise.all([
          chain.publicClient.readContract({ ...erc20, functionName: "balanceOf", args: [chain.account] }),
          chain.publicClient.readContract({ ...erc20, functionName: "allowance", args: [chain.account, chain.pennyPost] }),
        ]);
        if (balance < amount) throw new CliError(tokenErrorMessage("ERC20InsufficientBalance", [chain.account, balance, amount], ctx));
        if (allowance < amount) await approve(chain, session, asset, amount);
        receipt = await call("depositToken", [chain.account, asset.address, amount]);
      }
      const [deposited] = parseEventLogs({ abi: pennyPostAbi, eventName: "Deposited", logs: receipt.logs });
      rows.push(["deposited", formatAmount(session.book, asset.address, deposited.args.amount)]);
    }
    if (!args.withdraw) rows.push(["deposit now", formatAmount(session.book, asset.address, await read.deposit())]);
    rows.push(
      ["tx", receipt.transactionHash],
      ["block", String(receipt.blockNumber)],
      ["gas used", gasLine(receipt.gasUsed)],
    );
    console.log(table(rows));
  });
}
