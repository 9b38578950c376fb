/**
 * Anchored posts' fees: anchoring publishes posts without charging them; `settleAnchoredFees` then
 * takes each author's posting fees from its deposit, up to the newest anchored post it signed. This
 * unit owns each author's fee state (`n!<author>`): the newest anchored post accepted (what the next
 * one must extend) and the newest included (what a settlement presents).
 *
 * Settling costs a signature check and two storage writes per author, so an author is settled once
 * its oldest unpaid anchored post has been included for `settleAfterMs`, or at once when the relayer
 * has nothing queued and nothing in flight: under load one settlement pays for many posts. The delay is bounded
 * far below the contract's withdrawal delay (1 hour), so the deposit cannot leave meanwhile.
 *
 * A settlement item the chain would skip (the deposit spent elsewhere, the session key revoked, a
 * contract wallet that changed its mind) is never sent twice: the author is set aside until its
 * account changes on chain (its snapshot is dropped), and throttled (reputation.ts).
 */
import type { Address, Hex } from "viem";

import { contentHash } from "../../lib/anchored.ts";
import type { AnchoredPostAction } from "./actions.ts";
import type { AccountSnapshot } from "./chain-view.ts";
import type { FeeItem } from "./encode.ts";
import { del, keys, put, type Op, type RelayerStore } from "./store.ts";

interface Included {
  parentId: string;
  contentHash: Hex;
  seq: string;
  cumulativeFee: string;
  signature: Hex;
  /** Where it was anchored: the batch, its leaf's position and the leaf's Merkle proof (the contract
   * pays no fee for a post it cannot find anchored); absent in older stores. */
  batchId?: string;
  index?: string;
  proof?: Hex[];
  /** Who signed it, recovered on acceptance (null: a contract wallet's signature); absent in older stores. */
  signer?: Address | null;
  /** When the oldest post not yet paid for was included (ms). */
  unpaidSince?: number;
}

export interface FeeState {
  accepted: { seq: string; cumulativeFee: string };
  included?: Included;
}

const lower = (a: Address) => a.toLowerCase() as Address;

export class AnchoredFees {
  private readonly states = new Map<Address, FeeState>();
  /** Authors whose settlement the chain would refuse, with the snapshot that said so. */
  private readonly blocked = new Map<Address, AccountSnapshot>();
  /** Authors whose included posts may not be paid for yet. */
  private readonly owing = new Set<Address>();
  /** Authors in the fee submission in flight. */
  private readonly inFlight = new Set<Address>();

  private readonly store: RelayerStore;
  constructor(store: RelayerStore) {
    this.store = store;
  }

  async load(): Promise<void> {
    for await (const [k, state] of this.store.entries<FeeState>("n!")) {
      this.states.set(k.slice(2) as Address, state);
      if (state.included !== undefined) this.owing.add(k.slice(2) as Address);
    }
  }

  accepted(author: Address): { seq: bigint; cumulativeFee: bigint } | undefined {
    const s = this.states.get(lower(author));
    return s === undefined ? undefined : { seq: BigInt(s.accepted.seq), cumulativeFee: BigInt(s.accepted.cumulativeFee) };
  }

  /** The write that makes `action` the author's newest accepted post (memory follows once written). */
  accept(action: AnchoredPostAction): { op: Op; commit: () => void } {
    const a = lower(action.message.author);
    const next: FeeState = { ...this.states.get(a), accepted: { seq: action.message.seq.toString(), cumulativeFee: action.message.cumulativeFee.toString() } };
    return { op: put(keys.anchored(a), next), commit: () => this.states.set(a, next) };
  }

  /** Accepted posts from `seq` on were dropped: the next accepted post extends `previous`. */
  rewind(author: Address, previous: { seq: bigint; cumulativeFee: bigint } | undefined): Op[] {
    const a = lower(author);
    const state = this.states.get(a);
    if (state === undefined) return [];
    if (previous === undefined && state.included === undefined) {
      this.states.delete(a);
      return [del(keys.anchored(a))];
    }
    const accepted = previous ?? { seq: BigInt(state.included!.seq), cumulativeFee: BigInt(state.included!.cumulativeFee) };
    state.accepted = { seq: accepted.seq.toString(), cumulativeFee: accepted.cumulativeFee.toString() };
    return [put(keys.anchored(a), state)];
  }

  /**
   * Posts anchored on chain as batch `batchId`, in batch order (post i is leaf i): each author's
   * newest becomes what its settlement presents, with its leaf's proof (`proof(i)`).
   */
  included(posts: ReadonlyArray<{ action: AnchoredPostAction; signer: Address | null }>, batchId: bigint, proof: (index: number) => Hex[], now = Date.now()): Op[] {
    const touched = new Set<Address>();
    for (const [index, { action, signer }] of posts.entries()) {
      const m = action.message;
      const a = lower(m.author);
      const state = this.states.get(a) ?? { accepted: { seq: m.seq.toString(), cumulativeFee: m.cumulativeFee.toString() } };
      if (state.included === undefined || BigInt(state.included.seq) < m.seq) {
        const unpaidSince = this.owing.has(a) ? (state.included?.unpaidSince ?? now) : now;
        state.included = {
          parentId: m.parentId.toString(), contentHash: contentHash(m.content), seq: m.seq.toString(), cumulativeFee: m.cumulativeFee.toString(),
          signature: action.signature, signer, unpaidSince, batchId: batchId.toString(), index: index.toString(), proof: proof(index),
        };
      }
      this.states.set(a, state);
      this.owing.add(a);
      touched.add(a);
    }
    return [...touched].map((a) => put(keys.anchored(a), this.states.get(a)));
  }

  /**
   * Authors with included posts not paid for yet, unless set aside or in flight: all of them when
   * `idle` (nothing else to send), else those whose oldest unpaid post was included `settleAfterMs` ago.
   */
  *due(paidOf: (author: Address) => AccountSnapshot, when: { idle: boolean; settleAfterMs: number; now?: number }): Generator<{ author: Address; item: Included; snapshot: AccountSnapshot }> {
    const now = when.now ?? Date.now();
    for (const author of this.owing) {
      const state = this.states.get(author);
      if (state?.included === undefined || this.inFlight.has(author)) continue;
      if (!when.idle && now - (state.included.unpaidSince ?? 0) < when.settleAfterMs) continue;
      const snapshot = paidOf(author);
      const blockedAt = this.blocked.get(author);
      if (blockedAt !== undefined) {
        if (blockedAt === snapshot) continue; // nothing changed on chain since the chain refused it
        this.blocked.delete(author);
      }
      yield { author, item: state.included, snapshot };
    }
  }

  /** The chain has `author`'s fees paid up to what it presents (posts included since still owe, from now). */
  paidUp(author: Address, paid: bigint, now = Date.now()): void {
    const a = lower(author);
    const included = this.states.get(a)?.included;
    if (included === undefined || BigInt(included.cumulativeFee) <= paid) this.owing.delete(a);
    else included.unpaidSince = now;
  }

  /** The settlement of `author` would be (or was) skipped with this snapshot's state: not again until it changes. */
  setAside(author: Address, snapshot: AccountSnapshot): void {
    this.blocked.set(lower(author), snapshot);
  }

  sending(authors: readonly Address[]): void {
    for (const a of authors) this.inFlight.add(lower(a));
  }

  landed(authors: readonly Address[]): void {
    for (const a of authors) this.inFlight.delete(lower(a));
  }

  /** The fee item for an author's included state (a store older than `batchId` has none: the chain would skip it). */
  static item(author: Address, i: Included): FeeItem {
    return {
      author, parentId: BigInt(i.parentId), contentHash: i.contentHash, seq: BigInt(i.seq), cumulativeFee: BigInt(i.cumulativeFee), signature: i.signature,
      batchId: BigInt(i.batchId ?? 0), index: BigInt(i.index ?? 0), proof: i.proof ?? [],
    };
  }
}
