/**
 * Every failure a user can meet, as a stable `code` (what the page and the tests branch on) and a
 * sentence that says what happened and what to do. Contract reverts are found by walking viem's
 * error chain to ContractFunctionRevertedError and reading `data.errorName`, never by matching
 * messages; the table below is typed by the ABIs, so a new Solidity error breaks the build until
 * it has a message here.
 */
import {
  BaseError, ChainMismatchError, ContractFunctionRevertedError, formatEther, HttpRequestError, InsufficientFundsError,
  UserRejectedRequestError, WaitForTransactionReceiptTimeoutError,
} from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { ApiError, retryAfterSeconds } from "./api.ts";
import { shortAddress, type Assets } from "./format.ts";

export type ErrorCode =
  | "wrong_network" | "no_wallet" | "insufficient_funds" | "rejected" | "paused" | "wrong_fee" | "content_empty"
  | "content_too_long" | "invalid_amount" | "unknown_post" | "nothing_owed" | "token_not_accepted" | "rate_limited"
  | "chain_unavailable" | "not_ready" | "network" | "not_found" | "contract" | "reverted" | "timeout" | "unknown"
  | "relayer_unavailable" | "relayer_refused" | "no_session" | "relayed_post" | "withdrawal_locked" | "unverified_post";

export interface UserMessage {
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
  /** For wrong_fee: the fee the contract requires now, in wei. */
  requiredFee?: bigint;
}

/** A failure the page detects itself (before anything is sent), already worded for the user. */
export class PageError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "PageError";
    this.code = code;
  }
}

export const wrongNetwork = (expected: number, actual: number): PageError =>
  new PageError("wrong_network", `Wrong network: your wallet is on chain ${actual}, and PennyPost here runs on chain ${expected}. Switch your wallet to chain ${expected}.`);

type ErrorNames<Abi extends readonly unknown[]> = Extract<Abi[number], { type: "error"; name: string }>["name"];
type ContractErrorName = ErrorNames<typeof pennyPostAbi> | ErrorNames<typeof pennyTestTokenAbi>;
type Describe = (args: readonly unknown[], assets: Assets | undefined) => UserMessage;

const contract = (message: string): Describe => () => ({ code: "contract", message });
const permit = contract("The token permit is invalid or expired: approve the token instead and try again.");
const adminOnly = contract("Only the contract's owner can do this.");

const CONTRACT_ERRORS: Record<ContractErrorName, Describe> = {
  EnforcedPause: () => ({ code: "paused", message: "PennyPost is paused by its owner: posting and tipping are stopped for now. Withdrawals still work." }),
  PennyPostWrongFee: ([paid, required]) => ({
    code: "wrong_fee",
    message: `The posting fee changed: it is now ${formatEther(required as bigint)} ETH (this post offered ${formatEther(paid as bigint)} ETH). The new fee is shown; post again to pay it.`,
    requiredFee: required as bigint,
  }),
  PennyPostEmptyContent: () => ({ code: "content_empty", message: "Write something first: a post cannot be empty." }),
  PennyPostContentTooLong: ([length, max]) => ({ code: "content_too_long", message: `The text is ${String(length)} bytes long; at most ${String(max)} bytes fit in a post.` }),
  PennyPostUnknownPost: ([postId]) => ({ code: "unknown_post", message: `Post #${String(postId)} does not exist on this chain.` }),
  PennyPostZeroTip: () => ({ code: "invalid_amount", message: "A tip must be more than zero." }),
  PennyPostTokenNotAccepted: ([token]) => ({ code: "token_not_accepted", message: `The token ${shortAddress(String(token))} is not accepted for tips (any more). Tip in ETH instead.` }),
  PennyPostTokenTransferMismatch: ([token]) =>
    ({ code: "contract", message: `The token ${shortAddress(String(token))} delivered a different amount than it was asked to send; PennyPost refuses such tokens.` }),
  PennyPostNothingToWithdraw: ([, assetAddress], assets) =>
    ({ code: "nothing_owed", message: `Nothing to withdraw: you are owed no ${assets?.get(String(assetAddress))?.symbol ?? shortAddress(String(assetAddress))}.` }),
  PennyPostEthTransferFailed: ([to, amount]) =>
    ({ code: "contract", message: `Sending ${formatEther(amount as bigint)} ETH to ${shortAddress(String(to))} failed: that address refuses ether. The balance stays owed to you.` }),
  PennyPostNotTreasury: contract("Only the treasury or the owner can withdraw fees."),
  PennyPostPostFeeTooHigh: contract("That posting fee is above the contract's maximum."),
  PennyPostTipFeeTooHigh: contract("That tip fee is above the contract's maximum."),
  PennyPostZeroAddress: contract("An address is missing (the zero address is not allowed here)."),
  PennyPostSelfAddress: contract("PennyPost itself cannot receive money: name another address."),
  PennyPostNotDirectPost: ([postId]) => ({ code: "relayed_post", message: `Post #${String(postId)} was relayed: tip it with a signed tip (voucher or batch), not directly.` }),
  PennyPostNotAnchored: contract("That post is not in the anchored batch named: no fee is taken for it."),
  ReentrancyGuardReentrantCall: contract("The contract refused a re-entrant call."),
  SafeCastOverflowedUintDowncast: () => ({ code: "invalid_amount", message: "The amount is too large." }),
  SafeERC20FailedOperation: ([token]) => ({ code: "contract", message: `The token ${shortAddress(String(token))} refused the transfer.` }),
  ExpectedPause: contract("PennyPost is not paused."),
  OwnableInvalidOwner: adminOnly,
  OwnableUnauthorizedAccount: adminOnly,
  ERC20InsufficientBalance: () => ({ code: "insufficient_funds", message: "Not enough tokens in this account for this tip." }),
  ERC20InsufficientAllowance: () => ({ code: "contract", message: "PennyPost may not spend that much of this token yet: approve the amount and try again." }),
  ERC20InvalidApprover: contract("The token refused the approval (invalid approver)."),
  ERC20InvalidReceiver: contract("The token refused the transfer (invalid receiver)."),
  ERC20InvalidSender: contract("The token refused the transfer (invalid sender)."),
  ERC20InvalidSpender: contract("The token refused the approval (invalid spender)."),
  ECDSAInvalidSignature: permit,
  ECDSAInvalidSignatureLength: permit,
  ECDSAInvalidSignatureS: permit,
  ERC2612ExpiredSignature: permit,
  ERC2612InvalidSigner: permit,
  InvalidAccountNonce: permit,
  InvalidShortString: contract("The token refused a malformed string."),
  StringTooLong: contract("The token refused a string that is too long."),
  PennyTestTokenFaucetLimit: contract("The test token's faucet gives at most 1,000,000 PPTEST per call."),
  PennyPostZeroDeposit: () => ({ code: "invalid_amount", message: "A deposit must be more than zero." }),
  PennyPostInsufficientDeposit: () => ({ code: "insufficient_funds", message: "Your deposit is too small for this: deposit more first." }),
  PennyPostWithdrawalLocked: ([, , unlockAt]) =>
    ({ code: "contract", message: `Your deposit withdrawal unlocks at ${new Date(Number(unlockAt) * 1000).toLocaleString()}; try again then.` }),
  PennyPostNoPendingWithdrawal: contract("There is no pending deposit withdrawal to complete or cancel."),
  PennyPostBadSignature: contract("The signature is not yours nor one of your live session keys'."),
  PennyPostNonceMismatch: contract("The signed action is out of order (nonce); sign it again."),
  PennyPostExpired: contract("The signed action expired before it reached the chain; sign it again."),
  PennyPostFeeAboveMax: contract("The posting fee rose above what you signed for; post again."),
  PennyPostAuthorMismatch: contract("The tip names another author than the post's."),
  PennyPostSessionExpired: contract("Your session key has expired: start a new session."),
  PennyPostSessionCapExceeded: contract("Your session key has reached its spending cap: start a new session with a larger cap."),
  PennyPostBadSession: contract("A session needs an expiry in the future and a reasonable cap."),
  PennyPostVoucherStale: contract("That tip voucher is already settled."),
  PennyPostVoucherMismatch: contract("That tip voucher does not match its tips."),
  PennyPostFeeAlreadySettled: contract("Those posting fees are already paid."),
  PennyPostNotSequencer: adminOnly,
  PennyPostBadAnchorCount: adminOnly,
  PennyPostUnknownBatch: contract("There is no such anchored batch."),
  PennyPostInsufficientGas: contract("The transaction had too little gas for a smart wallet's signature check."),
  PennyPostNonceNotIncreasing: contract("Nonces only move forward."),
};

function fromApi(error: ApiError): UserMessage {
  switch (error.code) {
    case "rate_limited": {
      const wait = error.retryAfterSeconds;
      return { code: "rate_limited", message: `Too many requests: the server asks you to wait${wait === undefined ? " a moment" : ` ${wait} s`} before trying again.`, retryAfterSeconds: wait };
    }
    case "chain_unavailable":
      return { code: "chain_unavailable", message: "The chain is unavailable: the server cannot reach its JSON-RPC node. Try again shortly." };
    case "not_ready":
      return { code: "not_ready", message: `The index is not ready (${error.detail}). Try again in a moment.` };
    // The server cannot vouch that its data is on the chain now (docs/indexer.md): it says why.
    case "node_unavailable":
    case "index_ahead_of_chain":
    case "index_off_chain":
      return { code: "not_ready", message: `The index cannot vouch for its data right now (${error.detail}). Try again in a moment.` };
    case "index_halted":
    case "chain_replaced":
      return { code: "not_ready", message: `The index has stopped (${error.detail}): its operator must rebuild it.` };
    case "network":
      return { code: "network", message: "The PennyPost server does not answer. Is it running? Try again shortly." };
    case "not_found":
      return { code: "not_found", message: "Not found." };
    default:
      return { code: "unknown", message: `The server refused the request (${error.status}${error.detail ? `: ${error.detail}` : ""}).` };
  }
}

function fromHttp(error: HttpRequestError): UserMessage | undefined {
  switch (error.status) {
    case 429:
      return fromApi(new ApiError(429, "rate_limited", "", retryAfterSeconds(error.headers)));
    // viem's HTTP errors come from the server's /rpc relay, which answers 503 when the node does not.
    case 502:
    case 503:
    case 504:
      return fromApi(new ApiError(error.status, "chain_unavailable", ""));
    case undefined:
      return fromApi(new ApiError(0, "network", ""));
    default:
      return undefined;
  }
}

function fromRevert(revert: ContractFunctionRevertedError, assets: Assets | undefined): UserMessage {
  const name = revert.data?.errorName;
  if (name !== undefined && Object.hasOwn(CONTRACT_ERRORS, name)) return CONTRACT_ERRORS[name as ContractErrorName](revert.data?.args ?? [], assets);
  const why = name ?? revert.reason;
  return { code: "reverted", message: `The contract refused the transaction${why === undefined ? "" : ` (${why})`}.` };
}

/** What to tell the user about `error`. */
export function describeError(error: unknown, options: { assets?: Assets; chainId?: number } = {}): UserMessage {
  if (error instanceof PageError) return { code: error.code, message: error.message };
  if (error instanceof ApiError) return fromApi(error);
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError)) {
      return { code: "rejected", message: "You rejected the request in your wallet: nothing was sent." };
    }
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return fromRevert(revert, options.assets);
    if (error.walk((e) => e instanceof InsufficientFundsError)) {
      return { code: "insufficient_funds", message: "Not enough ETH in this account to pay for this and its gas." };
    }
    if (error.walk((e) => e instanceof ChainMismatchError)) {
      return { code: "wrong_network", message: `Wrong network: switch your wallet to chain ${options.chainId ?? "of this PennyPost"}.` };
    }
    const http = error.walk((e) => e instanceof HttpRequestError);
    const fromStatus = http instanceof HttpRequestError ? fromHttp(http) : undefined;
    if (fromStatus !== undefined) return fromStatus;
    if (error.walk((e) => e instanceof WaitForTransactionReceiptTimeoutError)) {
      return { code: "timeout", message: "The transaction was sent but is not in a block yet. It may still be included: check again in a minute." };
    }
    return { code: "unknown", message: `Something went wrong: ${error.shortMessage}` };
  }
  const rpcCode = (error as { code?: unknown } | null)?.code;
  if (rpcCode === 4001) return { code: "rejected", message: "You rejected the request in your wallet: nothing was sent." };
  return { code: "unknown", message: `Something went wrong: ${error instanceof Error ? error.message : String(error)}` };
}
