/** Resolving `--token` / `--asset` (ETH, PPTEST or an address) to an address the contract knows. */
import type { Address } from "viem";

import { pennyTestTokenAbi } from "../lib/generated/abi.ts";
import { TEST_TOKEN, type Chain, type Session } from "./context.ts";
import { CliError } from "./errors.ts";
import { ETH, formatAmount, parseAddress, table, type AssetInfo } from "./format.ts";
import { transact } from "./transact.ts";

export interface Asset extends AssetInfo {
  address: Address;
}

/**
 * ETH, the deployment's test token (PPTEST, 18 decimals), or any ERC-20 by address, whose
 * decimals and symbol are read from it. The asset is added to the session's book, so that
 * amounts in it print with its symbol, in messages too.
 */
export async function resolveAsset(chain: Chain, session: Session, text: string, option: string): Promise<Asset> {
  const name = text.trim();
  if (name.toUpperCase() === "ETH") return { address: ETH, symbol: "ETH", decimals: 18 };
  if (name.toUpperCase() === TEST_TOKEN.symbol) {
    if (chain.testToken === undefined) {
      throw new CliError(`${chain.deploymentFile} has no test token (PPTEST exists on local chains only); give the token's address with ${option}`);
    }
    return { address: chain.testToken, ...TEST_TOKEN };
  }
  const address = parseAddress(name, option, "ETH, PPTEST (the local test token) or a token's 0x address");
  if (address === ETH) return { address: ETH, symbol: "ETH", decimals: 18 };
  if (address.toLowerCase() === chain.testToken?.toLowerCase()) return { address, ...TEST_TOKEN };
  const token = { address, abi: pennyTestTokenAbi } as const;
  let decimals: number;
  try {
    decimals = await chain.publicClient.readContract({ ...token, functionName: "decimals" });
  } catch {
    throw new CliError(`${address} does not answer decimals() on network "${chain.networkName}": is it an ERC-20 token there?`);
  }
  const symbol = await chain.publicClient.readContract({ ...token, functionName: "symbol" }).catch(() => address);
  session.book.set(address.toLowerCase(), { symbol, decimals });
  return { address, symbol, decimals };
}

/** Approves PennyPost to pull `amount` of `token` from the signing account, and says so. */
export async function approve(chain: Chain, session: Session, token: Asset, amount: bigint): Promise<void> {
  const approval = await transact(chain, (blockNumber) =>
    chain.publicClient.simulateContract({
      address: token.address, abi: pennyTestTokenAbi, functionName: "approve", args: [chain.pennyPost, amount],
      account: chain.wallet.account, blockNumber,
    }),
  );
  console.log(table([["approved", `${formatAmount(session.book, token.address, amount)} for PennyPost (tx ${approval.transactionHash})`]]));
}
