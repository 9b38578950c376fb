/**
 * What the relayer has promised and the chain does not show yet: per account, the actions queued or
 * in flight, the nonces they use, what they will spend per asset and per session key, and the newest
 * voucher accepted per asset. Checks count these on top of the chain's values (chain-view.ts); an
 * action's reservation is released in the same synchronous step that drops its account's snapshot.
 *
 * In memory only: rebuilt on start-up from the durable queue's pending actions.
 */
import type { Address, Hex } from "viem";

import { assetOf, type Action } from "./actions.ts";

/** What one pending action holds of its account. */
export interface Hold {
  account: Address;
  asset: Address;
  /** The most it can spend (a batched post: its maxFee; anchored posts are counted by their fee state). */
  spend: bigint;
  /** The session key that signed it, when not the account itself. */
  key?: Address;
  batched: boolean;
  voucher?: { cumulativeAmount: bigint; tipsHash: Hex };
}

interface AccountHolds {
  actions: number;
  batched: number;
  spend: Map<Address, bigint>;
  keySpend: Map<string, bigint>;
  /** Newest accepted voucher per asset, with how many pending vouchers chain up to it. */
  vouchers: Map<Address, { cumulativeAmount: bigint; tipsHash: Hex; pending: number }>;
}

const lower = (a: Address) => a.toLowerCase() as Address;

export class Reservations {
  private readonly accounts = new Map<Address, AccountHolds>();

  private of(account: Address): AccountHolds | undefined {
    return this.accounts.get(lower(account));
  }

  hold(h: Hold): void {
    const k = lower(h.account);
    let a = this.accounts.get(k);
    if (a === undefined) {
      a = { actions: 0, batched: 0, spend: new Map(), keySpend: new Map(), vouchers: new Map() };
      this.accounts.set(k, a);
    }
    a.actions += 1;
    if (h.batched) a.batched += 1;
    const asset = lower(h.asset);
    if (h.spend !== 0n) a.spend.set(asset, (a.spend.get(asset) ?? 0n) + h.spend);
    if (h.key !== undefined && h.spend !== 0n) {
      const kk = `${lower(h.key)}${asset}`;
      a.keySpend.set(kk, (a.keySpend.get(kk) ?? 0n) + h.spend);
    }
    if (h.voucher !== undefined) {
      const pending = (a.vouchers.get(asset)?.pending ?? 0) + 1;
      a.vouchers.set(asset, { ...h.voucher, pending });
    }
  }

  release(h: Hold): void {
    const k = lower(h.account);
    const a = this.accounts.get(k);
    if (a === undefined) return;
    a.actions -= 1;
    if (h.batched) a.batched -= 1;
    const asset = lower(h.asset);
    if (h.spend !== 0n) {
      const left = (a.spend.get(asset) ?? 0n) - h.spend;
      if (left === 0n) a.spend.delete(asset);
      else a.spend.set(asset, left);
    }
    if (h.key !== undefined && h.spend !== 0n) {
      const kk = `${lower(h.key)}${asset}`;
      const left = (a.keySpend.get(kk) ?? 0n) - h.spend;
      if (left === 0n) a.keySpend.delete(kk);
      else a.keySpend.set(kk, left);
    }
    if (h.voucher !== undefined) {
      const v = a.vouchers.get(asset);
      if (v !== undefined && --v.pending === 0) a.vouchers.delete(asset);
    }
    if (a.actions === 0) this.accounts.delete(k);
  }

  /** Forgets the newest accepted voucher of `account` in `asset` (the chain skipped one of the chain). */
  forgetVoucher(account: Address, asset: Address): void {
    this.of(account)?.vouchers.delete(lower(asset));
  }

  pending(account: Address): number {
    return this.of(account)?.actions ?? 0;
  }

  batched(account: Address): number {
    return this.of(account)?.batched ?? 0;
  }

  spend(account: Address, asset: Address): bigint {
    return this.of(account)?.spend.get(lower(asset)) ?? 0n;
  }

  keySpend(account: Address, key: Address, asset: Address): bigint {
    return this.of(account)?.keySpend.get(`${lower(key)}${lower(asset)}`) ?? 0n;
  }

  voucher(account: Address, asset: Address): { cumulativeAmount: bigint; tipsHash: Hex } | undefined {
    return this.of(account)?.vouchers.get(lower(asset));
  }
}

/** The hold of an action once checked: its signer (undefined: the account itself) and its spend. */
export function holdOf(action: Action, account: Address, signer: Address | undefined, spend: bigint): Hold {
  return {
    account,
    asset: assetOf(action),
    spend,
    batched: action.mode === "batched",
    ...(signer === undefined ? {} : { key: signer }),
    ...(action.type === "voucher" ? { voucher: { cumulativeAmount: action.message.cumulativeAmount, tipsHash: action.message.tipsHash } } : {}),
  };
}
