/**
 * What the user sees when a command fails: one line saying what happened and what to do.
 *
 * Contract reverts are recognised by walking viem's error chain to the
 * ContractFunctionRevertedError and reading `data.errorName`, never by matching message text. The
 * table below has one entry per custom error in PennyPost's ABI: a new Solidity error makes
 * `tsc` fail here until it is given a message.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  InsufficientFundsError,
  decodeErrorResult,
  formatEther,
  type Address,
  type DecodeErrorResultReturnType,
  type Hex,
  type ContractErrorArgs,
  type ContractErrorName,
} from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../lib/generated/abi.ts";

/** A failure the user can fix; its message is shown as is, on one line. */
export class CliError extends Error {
  override name = "CliError";
}

/** A transaction that reverted on chain, with the revert a simulation at its block found. */
export class RevertedOnChain extends Error {
  override name = "RevertedOnChain";
  readonly revert: ContractFunctionRevertedError;
  constructor(message: string, revert: ContractFunctionRevertedError) {
    super(message);
    this.revert = revert;
  }
}

/** How the command at hand names amounts ("0.001 ETH", "5 PPTEST") and assets. */
export interface ExplainContext {
  amount: (asset: Address, units: bigint) => string;
  asset: (asset: Address) => string;
  /** The ERC-20 the command moves, if any: ERC-6093 errors do not name their token. */
  token?: Address;
  /** The account that signs, if the command got that far. */
  account?: Address;
  /** A command to suggest, with the --network/--from of the command at hand: "`./pennypost feed`". */
  command: (args: string) => string;
  /** The command that deposits `units` of `asset`, ready to paste. */
  depositCommand: (asset: Address, units: bigint) => string;
}

type PennyPostError = ContractErrorName<typeof pennyPostAbi>;
/** The ERC-6093 errors a tip or an approval can meet in any OpenZeppelin ERC-20. */
type TokenError = Extract<
  ContractErrorName<typeof pennyTestTokenAbi>,
  "ERC20InsufficientBalance" | "ERC20InsufficientAllowance" | "ERC20InvalidSender" | "ERC20InvalidReceiver" | "ERC20InvalidApprover" | "ERC20InvalidSpender"
>;

type Explain<Abi extends readonly unknown[], N extends ContractErrorName<Abi>> = (
  args: ContractErrorArgs<Abi, N>,
  ctx: ExplainContext,
) => string;

const ETH: Address = "0x0000000000000000000000000000000000000000";

const pennyPostErrors: { [N in PennyPostError]: Explain<typeof pennyPostAbi, N> } = {
  EnforcedPause: () => "PennyPost is paused by its owner; posting and tipping are stopped, withdrawals still work. Try again once it is unpaused.",
  ExpectedPause: () => "PennyPost is not paused.",
  OwnableInvalidOwner: ([owner]) => `${owner} cannot own PennyPost; give another owner address.`,
  OwnableUnauthorizedAccount: ([account]) => `${account} is not the owner of PennyPost; only the owner can do this (choose the owner's account with --from).`,
  PennyPostContentTooLong: ([length, max]) => `the text is ${length} bytes of UTF-8, at most ${max} are allowed; shorten it and run again.`,
  PennyPostEmptyContent: () => "the text is empty; give it with --text \"...\".",
  PennyPostEthTransferFailed: ([to, amount], ctx) =>
    `sending ${ctx.amount(ETH, amount)} to ${to} failed (the receiver refuses ether); the balance stays owed: withdraw it to another address with withdrawTo.`,
  PennyPostNotTreasury: ([caller]) => `${caller} is neither the treasury nor the owner; only they can withdraw the fees.`,
  PennyPostNothingToWithdraw: ([account, asset], ctx) => `${account} is owed nothing in ${ctx.asset(asset)}; there is nothing to withdraw.`,
  PennyPostPostFeeTooHigh: ([fee, max], ctx) => `a posting fee of ${ctx.amount(ETH, fee)} is above the maximum of ${ctx.amount(ETH, max)}.`,
  PennyPostTipFeeTooHigh: ([bps, max]) => `a tip fee of ${bps} basis points is above the maximum of ${max}.`,
  PennyPostTokenNotAccepted: ([token], ctx) =>
    `${ctx.asset(token)} is not accepted for tips by this PennyPost (its owner lists the accepted tokens); tip in ETH (leave out --token) or in an accepted token.`,
  PennyPostTokenTransferMismatch: ([token, expected, received], ctx) =>
    `${ctx.asset(token)} delivered ${received} units where ${expected} were sent: fee-on-transfer tokens are not accepted; tip in ETH or in another token.`,
  PennyPostUnknownPost: ([postId]) => `there is no post #${postId}; find post ids with \`./pennypost feed\`.`,
  PennyPostWrongFee: ([, required], ctx) => `the posting fee changed to ${ctx.amount(ETH, required)}; run again.`,
  PennyPostZeroAddress: () => "an address that must be set was the zero address.",
  PennyPostSelfAddress: () => "PennyPost itself cannot receive money (as treasury, recipient, deposit account or tipped author): name another address.",
  PennyPostNotDirectPost: ([postId], ctx) =>
    `post #${postId} was relayed (batched or anchored): the chain stores no author for it, so it cannot be tipped directly; tip it with ${ctx.command(`tip --post ${postId} --via voucher`)}.`,
  PennyPostNotAnchored: ([author, seq]) => `${author}'s post seq ${seq} is not in the anchored batch the settlement names: no fee is taken for a post that was not published.`,
  PennyPostZeroTip: () => "a tip must be worth more than 0; give a larger --amount.",
  InvalidShortString: () => "the contract's EIP-712 name is invalid (a deployment bug).",
  StringTooLong: ([text]) => `"${text}" is too long for an EIP-712 name.`,
  PennyPostZeroDeposit: () => "a deposit must be worth more than 0; give a larger --amount.",
  PennyPostInsufficientDeposit: ([account, asset, available, needed], ctx) =>
    `${account} has ${ctx.amount(asset, available)} in deposit, ${ctx.amount(asset, needed)} is needed; deposit more with ${ctx.depositCommand(asset, needed > available ? needed - available : needed)}.`,
  PennyPostWithdrawalLocked: ([, , unlockAt]) =>
    `the withdrawal unlocks at ${timestamp(unlockAt)}; run this again after that (the delay lets relayers settle what you signed).`,
  PennyPostNoPendingWithdrawal: ([account, asset], ctx) => `${account} has no pending withdrawal of its ${ctx.asset(asset)} deposit`,
  PennyPostBadSignature: ([account]) => `the signature is not ${account}'s, nor one of its live session keys'.`,
  PennyPostNonceMismatch: ([account, expected, got]) => `the action's nonce is ${got}, but ${account}'s next nonce is ${expected}; sign it again.`,
  PennyPostExpired: ([deadline]) => `the action's deadline (${timestamp(deadline)}) has passed; sign it again.`,
  PennyPostFeeAboveMax: ([fee, maxFee], ctx) => `the posting fee is ${ctx.amount(ETH, fee)}, above the ${ctx.amount(ETH, maxFee)} you signed for; sign again.`,
  PennyPostAuthorMismatch: ([postId, author]) => `post #${postId} is by ${author}, not by the author the tip names.`,
  PennyPostSessionExpired: ([, key, expiry], ctx) =>
    `the session key ${key} expired at ${timestamp(expiry)}; authorize it again with ${ctx.command(`session --key ${key} --cap 0.001`)} (choose your cap).`,
  PennyPostSessionCapExceeded: ([, key, spent, amount, cap], ctx) =>
    `the session key ${key} has spent ${ctx.amount(ctx.token ?? ETH, spent)} of its cap of ${ctx.amount(ctx.token ?? ETH, cap)}; ${ctx.amount(ctx.token ?? ETH, amount)} more would exceed it. Authorize it again with a larger cap: ${ctx.command(`session --key ${key} --cap ${formatEther(cap * 2n)}`)}.`,
  PennyPostBadSession: () => "a session key needs an expiry in the future and a cap below 2^96; check --hours and --cap.",
  PennyPostVoucherStale: ([tipper, , settled, got]) => `the voucher of ${tipper} adds nothing: ${got} is not above the ${settled} already settled.`,
  PennyPostVoucherMismatch: ([tipper]) => `the voucher of ${tipper} does not match its tips (hash chain or sum).`,
  PennyPostFeeAlreadySettled: ([author, paid], ctx) => `${author}'s anchored posting fees are already paid up to ${ctx.amount(ETH, paid)}.`,
  PennyPostNotSequencer: ([caller]) => `${caller} is not a sequencer; the owner appoints sequencers with setSequencer.`,
  PennyPostBadAnchorCount: ([count]) => `an anchored batch must hold 1 to 1,048,576 posts, not ${count}.`,
  PennyPostUnknownBatch: ([batchId]) => `there is no anchored batch #${batchId}.`,
  PennyPostInsufficientGas: () => "the transaction had too little gas for a smart wallet's signature check; send it with more gas.",
  PennyPostNonceNotIncreasing: ([current, requested]) => `nonces only move forward: the nonce is ${current}, ${requested} is not above it.`,
  ReentrancyGuardReentrantCall: () => "the token called back into PennyPost during the transfer; tokens with transfer hooks are not supported.",
  SafeCastOverflowedUintDowncast: ([bits, value]) => `${value} does not fit in ${bits} bits; use a smaller number.`,
  SafeERC20FailedOperation: ([token], ctx) => `${ctx.asset(token)} refused the transfer; check your balance and allowance of it.`,
};

type TokenArgs<N extends TokenError> = ContractErrorArgs<typeof pennyTestTokenAbi, N>;
const tokenErrors: { [N in TokenError]: (args: TokenArgs<N>, ctx: ExplainContext) => string } = {
  ERC20InsufficientBalance: ([sender, balance, needed], ctx) =>
    `${sender} holds ${tokenAmount(ctx, balance)}, the tip needs ${tokenAmount(ctx, needed)}; tip less or get more of the token.`,
  ERC20InsufficientAllowance: ([, allowance, needed], ctx) =>
    `PennyPost may spend ${tokenAmount(ctx, allowance)} of yours, the tip needs ${tokenAmount(ctx, needed)}; run again (the command approves what is missing).`,
  ERC20InvalidSender: ([sender]) => `the token refuses transfers from ${sender}.`,
  ERC20InvalidReceiver: ([receiver]) => `the token refuses transfers to ${receiver}.`,
  ERC20InvalidApprover: ([approver]) => `the token refuses approvals from ${approver}.`,
  ERC20InvalidSpender: ([spender]) => `the token refuses approvals for ${spender}.`,
};

/** A chain timestamp, readable and exact: "2026-11-23T21:59:33.000Z (unix 1795470573)". */
function timestamp(seconds: bigint): string {
  return `${new Date(Number(seconds) * 1000).toISOString()} (unix ${seconds})`;
}

function tokenAmount(ctx: ExplainContext, units: bigint): string {
  return ctx.token === undefined ? `${units} units` : ctx.amount(ctx.token, units);
}

/** The message for a PennyPost error, for checks the CLI makes before sending anything. */
export function pennyPostErrorMessage<N extends PennyPostError>(name: N, args: ContractErrorArgs<typeof pennyPostAbi, N>, ctx: ExplainContext): string {
  return pennyPostErrors[name](args, ctx);
}

/** The message for an ERC-20 error, for checks the CLI makes before sending anything. */
export function tokenErrorMessage<N extends TokenError>(name: N, args: TokenArgs<N>, ctx: ExplainContext): string {
  return tokenErrors[name](args, ctx);
}

function isPennyPostError(name: string): name is PennyPostError {
  return Object.hasOwn(pennyPostErrors, name);
}
function isTokenError(name: string): name is TokenError {
  return Object.hasOwn(tokenErrors, name);
}

/**
 * A revert PennyPost's ABI does not decode can be the token's own error, bubbled up by SafeERC20
 * (ERC20InsufficientBalance during tipToken): decode it with the ERC-20 errors.
 */
function decodeTokenError(raw: Hex | undefined): DecodeErrorResultReturnType | undefined {
  if (raw === undefined || raw.length < 10) return undefined;
  try {
    return decodeErrorResult({ abi: pennyTestTokenAbi, data: raw });
  } catch {
    return undefined;
  }
}

/** The message for a contract revert (decoded by viem from PennyPost's ABI, or by the ERC-20 errors). */
export function explainRevert(error: ContractFunctionRevertedError, ctx: ExplainContext): string {
  const data = error.data ?? decodeTokenError(error.raw);
  const name = data?.errorName;
  const args = (data?.args ?? []) as never;
  if (name !== undefined && isPennyPostError(name)) return (pennyPostErrors[name] as Explain<typeof pennyPostAbi, PennyPostError>)(args, ctx);
  if (name !== undefined && isTokenError(name)) return (tokenErrors[name] as (args: never, ctx: ExplainContext) => string)(args, ctx);
  if (name !== undefined) return `the contract refuses the call with ${name}(${(data?.args ?? []).join(", ")}).`;
  if (error.reason !== undefined) return `the contract refuses the call: ${error.reason}.`;
  return `the contract refuses the call with an error this command does not know (${error.signature ?? "no revert data"}).`;
}

/**
 * The one-line message for an error the user can act on, or undefined for anything else (a bug,
 * which the caller lets Hardhat print with its stack).
 */
export function explainError(error: unknown, ctx: ExplainContext): string | undefined {
  if (error instanceof CliError) return error.message;
  if (error instanceof RevertedOnChain) return `${explainRevert(error.revert, ctx)} (${error.message})`;
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) return explainRevert(revert, ctx);
  const funds = error.walk((e) => e instanceof InsufficientFundsError);
  if (funds instanceof InsufficientFundsError) {
    const who = ctx.account ?? "the account";
    return `${who} does not hold enough ETH for this transaction and its gas; fund it (or choose another account with --from) and run again.`;
  }
  return undefined;
}
