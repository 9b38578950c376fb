/**
 * `pennypost session --key <address> --cap <decimal> [--hours 24] [--token ...]`: lets an app key sign
 * posts and tips for the account through the relayer, spending at most --cap until it expires.
 * `pennypost session --key <address> --revoke` stops it at once.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseEventLogs } from "viem";

import { pennyPostAbi } from "../lib/generated/abi.ts";
import { resolveAsset } from "./assets.ts";
import { openChain, runCommand } from "./context.ts";
import { CliError } from "./errors.ts";
import { formatAmount, formatTime, gasLine, parseAddress, parseAmount, table } from "./format.ts";
import { transact } from "./transact.ts";

interface SessionArguments {
  key: string | undefined;
  cap: string | undefined;
  hours: number;
  token: string;
  revoke: boolean;
  from: number;
  deployment: string | undefined;
}

/** Longest session the CLI grants in one go: a week. Shorter is safer for a hot key. */
const MAX_HOURS = 24 * 7;

export default async function sessionAction(args: SessionArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    if (args.key === undefined) throw new CliError("give the app key's address with --key 0x...");
    const key = parseAddress(args.key, "--key");
    if (!args.revoke && (!Number.isSafeInteger(args.hours) || args.hours < 1 || args.hours > MAX_HOURS)) {
      throw new CliError(`--hours must be a whole number of hours from 1 to ${MAX_HOURS}`);
    }
    const chain = await openChain(hre, session, args);
    const asset = await resolveAsset(chain, session, args.token, "--token");
    const pennyPost = { address: chain.pennyPost, abi: pennyPostAbi } as const;
    if (args.revoke) {
      const receipt = await transact(chain, (blockNumber) =>
        chain.publicClient.simulateContract({ ...pennyPost, functionName: "revokeSession", args: [key, asset.address], account: chain.wallet.account, blockNumber }),
      );
      console.log(table([["revoked", `${key} for ${asset.symbol}: nothing it signed settles any more`], ["tx", receipt.transactionHash], ["gas used", gasLine(receipt.gasUsed)]]));
      return;
    }
    const cap = parseAmount(args.cap, asset.decimals, asset.symbol);
    const block = await chain.publicClient.getBlock();
    const expiry = block.timestamp + BigInt(args.hours) * 3600n;
    const receipt = await transact(chain, (blockNumber) =>
      chain.publicClient.simulateContract({ ...pennyPost, functionName: "authorizeSession", args: [key, asset.address, cap, expiry], account: chain.wallet.account, blockNumber }),
    );
    const [authorized] = parseEventLogs({ abi: pennyPostAbi, eventName: "SessionAuthorized", logs: receipt.logs });
    console.log(table([
      ["session key", authorized.args.key],
      ["for", chain.account],
      ["cap", `${formatAmount(session.book, asset.address, authorized.args.cap)} in total`],
      ["expires", formatTime(Number(authorized.args.expiry))],
      ["tx", receipt.transactionHash],
      ["gas used", gasLine(receipt.gasUsed)],
    ]));
  });
}
