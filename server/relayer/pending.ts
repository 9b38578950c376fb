/**
 * The actions the relayer has promised and not finished: queued (waiting for a submission, per mode,
 * in acceptance order) or in flight (in a submission sent and not yet mined). It owns the
 * reservations (reservations.ts): an action holds its account's nonce and spend from the moment it
 * is added until it is removed, in the same synchronous step.
 *
 * An account's batched actions and vouchers are in at most one submission in flight at a time
 * (each batch's gas estimate stays true: what it depends on is mined); its anchored posts may be in
 * several (an anchor's gas does not depend on them). Either way, what its items in flight put at
 * risk stays within a gas budget: what an account can make the relayer lose by invalidating its
 * actions between their last check and their inclusion (see economics in docs/relayer.md).
 */
import type { Address } from "viem";

import type { Action, Mode } from "./actions.ts";
import { Reservations, type Hold } from "./reservations.ts";

export type ActionStatus = "queued" | "submitted" | "included" | "rejected";

export interface ActionRecord {
  id: string;
  seq: number;
  type: Action["type"];
  mode: Mode;
  account: Address;
  /** The action as received (numbers as strings). */
  action: unknown;
  status: ActionStatus;
  acceptedAt: string;
  txHash?: `0x${string}`;
  blockNumber?: number;
  postId?: string;
  reason?: string;
  attempts: number;
}

export interface Pending {
  record: ActionRecord;
  action: Action;
  /** Who signed it (recovered once, on acceptance); null: no key (an ERC-1271 wallet's signature). */
  signer: Address | null;
  hold: Hold;
  /** On disk (false while the accept's write is under way): only written actions are submitted. */
  written?: boolean;
}

const MODES: Mode[] = ["batched", "anchored-calldata", "anchored-hash", "voucher"];
const lower = (a: Address) => a.toLowerCase() as Address;

export class PendingActions {
  readonly reservations = new Reservations();
  private readonly byId = new Map<string, Pending>();
  private readonly queued = new Map<Mode, Map<string, Pending>>(MODES.map((m) => [m, new Map()]));
  /** Accounts with actions in submissions in flight: per submission seq, the gas its items put at risk. */
  private readonly busy = new Map<Address, Map<number, bigint>>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Pending | undefined {
    return this.byId.get(id);
  }

  /** An accepted action (or one a reorg sent back): it holds its reservation from now on. */
  add(p: Pending): void {
    if (this.byId.has(p.record.id)) return;
    this.byId.set(p.record.id, p);
    if (p.record.status === "queued") this.queued.get(p.record.mode)!.set(p.record.id, p);
    this.reservations.hold(p.hold);
  }

  /** Finished (included or rejected): its reservation is released. */
  remove(id: string): Pending | undefined {
    const p = this.byId.get(id);
    if (p === undefined) return undefined;
    this.byId.delete(id);
    this.queued.get(p.record.mode)!.delete(id);
    this.reservations.release(p.hold);
    return p;
  }

  /** Queued actions of `mode`, oldest first. */
  queue(mode: Mode): IterableIterator<Pending> {
    return this.queued.get(mode)!.values();
  }

  queuedCount(): number {
    let n = 0;
    for (const q of this.queued.values()) n += q.size;
    return n;
  }

  /** Modes with queued actions, in a fixed order. */
  modesWaiting(): Mode[] {
    return MODES.filter((m) => this.queued.get(m)!.size > 0);
  }

  /** Every pending action of `account` accepted after `seq` (queued ones only when `queuedOnly`). */
  laterOf(account: Address, seq: number, queuedOnly = true): Pending[] {
    const a = lower(account);
    return [...this.byId.values()].filter((p) => lower(p.record.account) === a && p.record.seq > seq && (!queuedOnly || p.record.status === "queued"));
  }

  inFlight(account: Address): boolean {
    return this.busy.has(lower(account));
  }

  /** The gas `account`'s items in submissions in flight put at risk. */
  inFlightGas(account: Address): bigint {
    let gas = 0n;
    for (const g of this.busy.get(lower(account))?.values() ?? []) gas += g;
    return gas;
  }

  /** Moves queued actions into submission `seq` (`gasOf`: what each puts at risk). */
  submit(ids: readonly string[], seq: number, gasOf: (p: Pending) => bigint = () => 0n): void {
    for (const id of ids) {
      const p = this.byId.get(id);
      if (p === undefined) continue;
      this.queued.get(p.record.mode)!.delete(id);
      p.record.status = "submitted";
      const a = lower(p.record.account);
      let seqs = this.busy.get(a);
      if (seqs === undefined) this.busy.set(a, (seqs = new Map()));
      seqs.set(seq, (seqs.get(seq) ?? 0n) + gasOf(p));
    }
  }

  /** Submission `seq` was mined or abandoned: what its accounts had at risk in it is free. */
  landed(seq: number): void {
    for (const [account, seqs] of this.busy) {
      seqs.delete(seq);
      if (seqs.size === 0) this.busy.delete(account);
    }
  }

  /** A submission that did not land: its actions wait in the queue again, in acceptance order. */
  requeue(ids: readonly string[]): void {
    for (const id of ids) {
      const p = this.byId.get(id);
      if (p === undefined) continue;
      p.record.status = "queued";
      const q = this.queued.get(p.record.mode)!;
      const rest = [...q.entries()];
      q.clear();
      let placed = false;
      for (const [k, v] of rest) {
        if (!placed && v.record.seq > p.record.seq) {
          q.set(id, p);
          placed = true;
        }
        q.set(k, v);
      }
      if (!placed) q.set(id, p);
    }
  }

  all(): IterableIterator<Pending> {
    return this.byId.values();
  }
}
