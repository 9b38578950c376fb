/**
 * Reputation, as ERC-4337 bundlers keep it: an account whose accepted action the chain skipped, or
 * that invalidated its accepted actions on chain before they were sent (nonces cancelled, deposit
 * spent elsewhere, session key revoked), is throttled for a while: one action pending at a time.
 * Durable (`b!<account>`), so a restart does not forgive it. Also the per-account token bucket,
 * spent only once the action's signature is known to be the account's.
 */
import type { Address } from "viem";

import { ActionRejected } from "./errors.ts";
import { del, keys, put, type RelayerStore } from "./store.ts";

const lower = (a: Address) => a.toLowerCase() as Address;

export class Reputation {
  private readonly throttled = new Map<Address, { until: number; reason: string }>();
  private readonly buckets = new Map<Address, { tokens: number; at: number }>();

  private readonly store: RelayerStore;
  private readonly config: { ratePerMinute: number; throttleSeconds: number };
  constructor(store: RelayerStore, config: { ratePerMinute: number; throttleSeconds: number }) {
    this.store = store;
    this.config = config;
  }

  async load(): Promise<void> {
    for await (const [k, value] of this.store.entries<{ until: number; reason: string }>("b!")) this.throttled.set(k.slice(2) as Address, value);
  }

  /** How many actions `account` may have pending at once now (`max` unless throttled). */
  maxPending(account: Address, max: number): number {
    const t = this.throttled.get(lower(account));
    if (t === undefined) return max;
    if (t.until <= Date.now()) {
      this.throttled.delete(lower(account));
      void this.store.write([del(keys.throttled(account))]);
      return max;
    }
    return 1;
  }

  throttledReason(account: Address): string | undefined {
    return this.throttled.get(lower(account))?.reason;
  }

  /** `account` voided an accepted action: throttle it (durably). */
  strike(account: Address, reason: string): void {
    const value = { until: Date.now() + this.config.throttleSeconds * 1_000, reason };
    this.throttled.set(lower(account), value);
    void this.store.write([put(keys.throttled(account), value)]);
  }

  /** Spends one of the account's tokens, or refuses with the wait. */
  takeToken(account: Address): void {
    const now = Date.now();
    const capacity = this.config.ratePerMinute;
    const k = lower(account);
    const bucket = this.buckets.get(k) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * capacity) / 60_000);
    bucket.at = now;
    this.buckets.set(k, bucket);
    if (bucket.tokens < 1) {
      throw new ActionRejected("rate_limited", `${account} sends more than ${capacity} actions per minute`, Math.ceil(((1 - bucket.tokens) * 60) / capacity));
    }
    bucket.tokens -= 1;
    if (this.buckets.size > 100_000) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
