/**
 * `pennypost admin`: the owner's set-up calls on a deployment (a real network's, mostly), one per run:
 *   --sequencer <address> [--revoke]     setSequencer: lets the relayer anchor posts (or stops it)
 *   --accept-token <address> [--revoke]  setTokenAccepted: accepts an ERC-20 for tips (or delists it)
 * Sent from --from (the owner's account); checked against owner() and the current setting before
 * anything is signed, so a run that would change nothing or fail says so in one line.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { zeroAddress, type Address } from "viem";

import { pennyPostAbi } from "../lib/generated/abi.ts";
import { openChain, runCommand, type Chain } from "./context.ts";
import { CliError } from "./errors.ts";
import { gasLine, parseAddress, table } from "./format.ts";
import { transact } from "./transact.ts";

interface AdminArguments {
  sequencer: string | undefined;
  acceptToken: string | undefined;
  revoke: boolean;
  from: number;
  deployment: string | undefined;
}

const DECIMALS_ABI = [{ type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint8" }] }] as const;

export default async function adminAction(args: AdminArguments, hre: HardhatRuntimeEnvironment) {
  return runCommand(async (session) => {
    if ((args.sequencer === undefined) === (args.acceptToken === undefined)) {
      throw new CliError("give one of --sequencer <address> (setSequencer) or --accept-token <address> (setTokenAccepted); add --revoke to undo it");
    }
    const sequencer = args.sequencer !== undefined;
    const option = sequencer ? "--sequencer" : "--accept-token";
    const target = parseAddress(sequencer ? (args.sequencer as string) : (args.acceptToken as string), option);
    if (target === zeroAddress) throw new CliError(`${option} must be an account's address, not the zero address`);
    const chain = await openChain(hre, session, args);
    const pennyPost = { address: chain.pennyPost, abi: pennyPostAbi } as const;
    await requireOwner(chain);
    const enabled = !args.revoke;

    if (sequencer) {
      const now = await chain.publicClient.readContract({ ...pennyPost, functionName: "isSequencer", args: [target] });
      if (now === enabled) {
        console.log(table([["sequencer", `${target} ${enabled ? "may already anchor posts" : "is not a sequencer"}: nothing sent`]]));
        return;
      }
      const receipt = await transact(chain, (blockNumber) =>
        chain.publicClient.simulateContract({ ...pennyPost, functionName: "setSequencer", args: [target, enabled], account: chain.wallet.account, blockNumber }));
      console.log(table([
        ["sequencer", `${target} ${enabled ? "may now anchor posts" : "may no longer anchor posts"}`],
        ["tx", receipt.transactionHash], ["block", String(receipt.blockNumber)], ["gas used", gasLine(receipt.gasUsed)],
      ]));
      return;
    }

    const now = await chain.publicClient.readContract({ ...pennyPost, functionName: "isTokenAccepted", args: [target] });
    if (now === enabled) {
      console.log(table([["token", `${target} ${enabled ? "is already accepted for tips" : "is not accepted for tips"}: nothing sent`]]));
      return;
    }
    if (enabled) {
      try {
        await chain.publicClient.readContract({ address: target, abi: DECIMALS_ABI, functionName: "decimals" });
      } catch {
        throw new CliError(`${target} does not answer decimals() on network "${chain.networkName}": is it an ERC-20 token there? Nothing was sent`);
      }
    }
    const receipt = await transact(chain, (blockNumber) =>
      chain.publicClient.simulateContract({ ...pennyPost, functionName: "setTokenAccepted", args: [target, enabled], account: chain.wallet.account, blockNumber }));
    console.log(table([
      ["token", `${target} ${enabled ? "is now accepted for tips" : "is no longer accepted for tips (balances in it stay withdrawable)"}`],
      ["tx", receipt.transactionHash], ["block", String(receipt.blockNumber)], ["gas used", gasLine(receipt.gasUsed)],
    ]));
  });
}

/** The set-up calls are the owner's: anyone else gets one line naming both accounts, before anything is signed. */
async function requireOwner(chain: Chain): Promise<void> {
  const owner: Address = await chain.publicClient.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "owner" });
  if (owner.toLowerCase() === chain.account.toLowerCase()) return;
  throw new CliError(
    `${chain.account} is not the owner of PennyPost at ${chain.pennyPost} on network "${chain.networkName}" (the owner is ${owner}); ` +
      "send it from the owner's account: --from <its index>, or its key as the network's account (PENNYPOST_DEPLOYER_KEY for custom); nothing was sent",
  );
}
