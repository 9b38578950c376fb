/**
 * Sending one contract call: simulate it first (a revert is explained before anything is signed),
 * send it, wait for its receipt. If it still reverts on chain (the state changed in between, such
 * as the posting fee), the call is simulated again against the block it was mined in, to say why.
 */
import { BaseError, ContractFunctionRevertedError, formatEther, type Hash, type TransactionReceipt } from "viem";

import type { Chain } from "./context.ts";
import { CliError, RevertedOnChain } from "./errors.ts";

/**
 * Checks, before anything is simulated, that the signing account holds `value` in ETH: a node's
 * answer to a call worth more than the balance is not an error viem names.
 */
export async function requireEth(chain: Chain, value: bigint, what: string): Promise<void> {
  const balance = await chain.publicClient.getBalance({ address: chain.account });
  if (balance < value) {
    throw new CliError(
      `${chain.account} holds ${formatEther(balance)} ETH, ${what} needs ${formatEther(value)} ETH plus gas; give a smaller --amount, or send from another account with --from`,
    );
  }
}

type WriteRequest = Parameters<Chain["wallet"]["writeContract"]>[0];

/**
 * `simulate` runs the call with viem's simulateContract: at the latest block, or at `blockNumber`
 * when looking for the reason of an on-chain revert.
 */
export async function transact(
  chain: Chain,
  simulate: (blockNumber?: bigint) => Promise<{ request: unknown }>,
): Promise<TransactionReceipt> {
  const { request } = await simulate();
  const hash: Hash = await chain.wallet.writeContract(request as WriteRequest);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status === "success") return receipt;
  const mined = `transaction ${hash} reverted in block ${receipt.blockNumber}; its gas was spent, nothing else changed`;
  try {
    await simulate(receipt.blockNumber);
  } catch (error) {
    const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    // Rethrown with the transaction named; the caller's error table turns the revert into words.
    if (revert instanceof ContractFunctionRevertedError) throw new RevertedOnChain(mined, revert);
  }
  throw new CliError(`${mined}.`);
}
