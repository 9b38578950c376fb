/**
 * Every check the contract makes of a signed action, made off chain before the relayer promises to
 * carry it: against the account's snapshot (chain-view.ts), what is already reserved for it
 * (reservations.ts), and the contract's rules as PennyPostRelayed.sol writes them (`_checkPost`,
 * `_checkTip`, `_checkVoucher`, `settleAnchoredFees`, `_authorize`). Where the chain could decide
 * otherwise by the time the action lands (a deadline), the check keeps a margin.
 *
 * The same function checks an action when it is accepted and again right before its batch is sent
 * (the submitter's simulation), so both checks equal the contract's by construction.
 */
import type { Address, Hex } from "viem";

import { assetOf, digestOf, voucherExtends, type Action } from "./actions.ts";
import type { AccountSnapshot, Globals } from "./chain-view.ts";
import { ActionRejected } from "./errors.ts";
import type { PennyPostDomain } from "../../lib/relayed.ts";
import type { Reservations } from "./reservations.ts";

export interface CheckContext {
  globals: Globals;
  snapshot: AccountSnapshot;
  reservations: Reservations;
  domain: PennyPostDomain;
  /** Seconds a deadline must still have at least (the time a batch takes to be mined, with margin). */
  minDeadlineSeconds: bigint;
  /** Gas an ERC-1271 check may use at most, as a batch's call would give it. */
  erc1271Gas: bigint;
  /** Anchored posts: the newest one accepted of this author (undefined: none yet). */
  anchoredAccepted: { seq: bigint; cumulativeFee: bigint } | undefined;
  /** Direct posts' stored authors, as the contract checks tips against them. */
  authorOf(postId: bigint): Promise<Address>;
  /** Whether this action is re-checked before sending: it is then itself part of the reservations. */
  recheck?: { spend: bigint; batchedBefore: number };
}

export interface Checked {
  spend: bigint;
  /** The session key that signed, when it is not the account. */
  key?: Address;
}

const MAX_CONTENT_BYTES = 1024;
const ETH: Address = "0x0000000000000000000000000000000000000000";
const encoder = new TextEncoder();

/** Throws ActionRejected with the contract's reason, or answers what the action spends and who signed. */
export async function checkAction(action: Action, account: Address, signer: Address | null, ctx: CheckContext): Promise<Checked> {
  const { globals, snapshot, reservations } = ctx;
  const asset = assetOf(action);
  const latest = globals.timestamp + ctx.minDeadlineSeconds;
  let spend: bigint;
  let anchoredOwed = 0n;
  switch (action.type) {
    case "post": {
      const length = encoder.encode(action.message.content).length;
      if (length === 0 || length > MAX_CONTENT_BYTES) throw new ActionRejected("invalid_action", `content must be 1 to 1,024 UTF-8 bytes, it is ${length}`);
      if (action.message.parentId > globals.postCount) throw new ActionRejected("unknown_post", `there is no post ${action.message.parentId} to reply to`);
      if (action.mode === "batched") {
        const m = action.message;
        if (m.deadline < latest) throw new ActionRejected("expired", `the deadline ${m.deadline} is less than ${ctx.minDeadlineSeconds} s after the chain's time ${globals.timestamp}: sign one at least that far ahead`);
        if (m.maxFee < globals.postFee) throw new ActionRejected("fee_too_low", `maxFee ${m.maxFee} is below the posting fee ${globals.postFee}`);
        await checkNonce(action.message.nonce, account, ctx);
        spend = m.maxFee;
      } else {
        const m = action.message;
        const paid = await snapshot.anchoredFeesPaid();
        const lastSeq = ctx.anchoredAccepted?.seq ?? 0n;
        const lastFee = ctx.anchoredAccepted?.cumulativeFee ?? paid;
        if (ctx.recheck === undefined) {
          if (m.seq !== lastSeq + 1n) throw new ActionRejected("nonce_mismatch", `seq must be ${lastSeq + 1n}, it is ${m.seq}`);
          if (m.cumulativeFee !== lastFee + globals.postFee) {
            throw new ActionRejected("fee_too_low", `cumulativeFee must be ${lastFee + globals.postFee} (the previous ${lastFee} plus the posting fee ${globals.postFee}), it is ${m.cumulativeFee}`);
          }
        }
        // What a settlement up to this post takes from the deposit (and from a session key's cap).
        anchoredOwed = m.cumulativeFee > paid ? m.cumulativeFee - paid : 0n;
        spend = 0n;
      }
      break;
    }
    case "tip": {
      const m = action.message;
      if (m.deadline < latest) throw new ActionRejected("expired", `the deadline ${m.deadline} is less than ${ctx.minDeadlineSeconds} s after the chain's time ${globals.timestamp}: sign one at least that far ahead`);
      if (m.amount === 0n) throw new ActionRejected("invalid_action", "a tip must be worth more than 0");
      if (m.postId === 0n || m.postId > globals.postCount) throw new ActionRejected("unknown_post", `there is no post ${m.postId}`);
      if (m.author === "0x0000000000000000000000000000000000000000") throw new ActionRejected("invalid_action", "a tip must name its author");
      await checkAuthor(m.postId, m.author, ctx);
      await checkNonce(m.nonce, account, ctx);
      spend = m.amount;
      break;
    }
    case "voucher": {
      const settled = await snapshot.voucher(asset);
      const chainState = { cumulativeAmount: settled.settled, tipsHash: settled.tipsHash };
      const previous = ctx.recheck === undefined ? (reservations.voucher(account, asset) ?? chainState) : chainState;
      if (ctx.recheck === undefined && !voucherExtends(action, previous)) {
        throw new ActionRejected("voucher_mismatch", `the tips do not extend ${account}'s previous voucher (cumulative ${previous.cumulativeAmount}, hash ${previous.tipsHash}) to this one`);
      }
      if (ctx.recheck !== undefined && action.message.cumulativeAmount <= settled.settled) {
        throw new ActionRejected("voucher_mismatch", `the chain has settled ${account}'s vouchers up to ${settled.settled} already`);
      }
      for (const t of action.tips) {
        if (t.postId === 0n || t.postId > globals.postCount) throw new ActionRejected("unknown_post", `there is no post ${t.postId}`);
        if (t.author === "0x0000000000000000000000000000000000000000") throw new ActionRejected("invalid_action", "a tip must name its author");
        await checkAuthor(t.postId, t.author, ctx);
      }
      spend = action.message.cumulativeAmount - previous.cumulativeAmount;
      break;
    }
  }
  const anchored = action.type === "post" && action.mode !== "batched";
  const deposit = await snapshot.deposit(asset);
  const reserved = reservations.spend(account, asset) - (ctx.recheck?.spend ?? 0n);
  // An anchored post's cumulative fee already counts every earlier accepted anchored post.
  const promised = reserved + (anchored || asset !== ETH ? 0n : await anchoredUnpaid(ctx));
  const needed = anchored ? anchoredOwed : spend;
  if (deposit < promised + needed) {
    throw new ActionRejected("insufficient_deposit", `${account} has ${deposit} in deposit, ${promised} is already promised, this needs ${needed} more`);
  }
  const key = await checkSigner({ account, signer, asset, spend: needed, digest: () => digestOf(action, ctx.domain), signature: action.signature }, ctx);
  return { spend, ...(key === undefined ? {} : { key }) };
}

/** The anchored posting fees accepted for the account and not settled on chain yet. */
async function anchoredUnpaid(ctx: CheckContext): Promise<bigint> {
  if (ctx.anchoredAccepted === undefined) return 0n;
  const owed = ctx.anchoredAccepted.cumulativeFee - (await ctx.snapshot.anchoredFeesPaid());
  return owed > 0n ? owed : 0n;
}

async function checkNonce(nonce: bigint, account: Address, ctx: CheckContext): Promise<void> {
  const chain = await ctx.snapshot.nonce();
  const expected = chain + BigInt(ctx.recheck === undefined ? ctx.reservations.batched(account) : ctx.recheck.batchedBefore);
  if (nonce !== expected) {
    throw new ActionRejected("nonce_mismatch", `the nonce must be ${expected} (the chain's ${chain} plus ${account}'s actions already queued), it is ${nonce}`);
  }
}

async function checkAuthor(postId: bigint, author: Address, ctx: CheckContext): Promise<void> {
  const stored = await ctx.authorOf(postId);
  if (stored !== "0x0000000000000000000000000000000000000000" && stored.toLowerCase() !== author.toLowerCase()) {
    throw new ActionRejected("author_mismatch", `post ${postId} is by ${stored}, not ${author}: tip the post's author`);
  }
}

/** `_authorize`: the account's own key, a live session key within its cap, or ERC-1271. Answers the session key, if one signed. */
export async function checkSigner(
  s: { account: Address; signer: Address | null; asset: Address; spend: bigint; digest: () => Hex; signature: Hex },
  ctx: Pick<CheckContext, "snapshot" | "globals" | "minDeadlineSeconds" | "reservations" | "erc1271Gas" | "recheck">,
): Promise<Address | undefined> {
  const { account, signer, asset, spend } = s;
  if (signer !== null && signer.toLowerCase() === account.toLowerCase()) return undefined;
  if (signer !== null) {
    const session = await ctx.snapshot.session(signer, asset);
    if (session.expiry !== 0n) {
      if (ctx.globals.timestamp + ctx.minDeadlineSeconds > session.expiry) {
        throw new ActionRejected("session_expired", `the session key ${signer} expires at ${session.expiry}, too soon for this action to land`);
      }
      const pending = ctx.reservations.keySpend(account, signer, asset) - (ctx.recheck?.spend ?? 0n);
      if (session.spent + pending + spend > session.cap) {
        throw new ActionRejected("session_cap_exceeded", `the session key ${signer} has spent ${session.spent} (and ${pending} pending) of its cap ${session.cap}; ${spend} more would exceed it`);
      }
      return signer;
    }
  }
  if (await ctx.snapshot.isContract()) {
    if (await ctx.snapshot.erc1271(s.digest(), s.signature, ctx.erc1271Gas)) return undefined;
  }
  throw new ActionRejected("bad_signature", `the signature is not ${account}'s, nor a live session key's of ${account} for this asset`);
}
