/**
 * Submission: builds transactions from the queue, checks every item again against the chain right
 * before sending (items the contract would skip are dropped and rejected with its reason, so a
 * doomed item is never paid for), signs under one nonce manager, writes each submission ahead of
 * its broadcast (`s!<seq>`: its actions, nonce, every signed raw transaction), and sends several at
 * once. A transaction still pending after `bumpAfterMs` is replaced with the same nonce and 25%
 * higher fees. What happens once mined is confirm.ts's.
 */
import type { Logger } from "pino";
import {
  domainSeparator,
  encodeAbiParameters,
  keccak256,
  concat,
  hexToBytes,
  getAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import { recoverSigner } from "../../lib/recover.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import { ETH, type PennyPostDomain } from "../../lib/relayed.ts";
import type { Mode } from "./actions.ts";
import type { ChainView } from "./chain-view.ts";
import { checkAction, checkSigner } from "./checks.ts";
import { batchedOrder, encodeActions, encodeFees, type FeeItem } from "./encode.ts";
import { executedElsewhere } from "./confirm.ts";
import { ActionRejected, briefError } from "./errors.ts";
import { AnchoredFees } from "./fees.ts";
import type { Pending, PendingActions } from "./pending.ts";
import { keys, put, type Op, type RelayerStore } from "./store.ts";

/** EIP-7825: no transaction may use more gas. */
export const TX_GAS_CAP = 1n << 24n;
/** What a batch's items may add up to by gasAtRisk's estimate (an upper bound of calldata and checks): 80% of the cap. */
const TX_GAS_BUDGET = (TX_GAS_CAP * 4n) / 5n;
/** Fee items per settlement: ~50,000 gas each at most (an author's first settlement writes two fresh slots), under the cap. */
const FEE_ITEMS_MAX = 256;

/**
 * What the relayer pays for an item the chain skips (or, anchored, publishes unpaid): a batched item
 * or voucher its calldata and checks (~16,000 measured for a 200-byte post); an anchored-calldata
 * post its calldata at the EIP-7623 floor; an anchored-hash post its share of a root. Doubled for an
 * item signed by a session key or a contract wallet, which the account voids more cheaply.
 */
export function gasAtRisk(p: Pending): bigint {
  const a = p.action;
  const bytes = a.type === "post" ? BigInt(a.message.content.length) : 0n;
  let gas: bigint;
  if (a.type === "voucher") gas = 16_000n + 3_000n * BigInt(a.tips.length);
  else if (a.mode === "anchored-hash") gas = 100n;
  else if (a.mode === "anchored-calldata") gas = 40n * (119n + bytes);
  else gas = 12_000n + 40n * bytes;
  const ownKey = p.signer !== null && p.signer.toLowerCase() === p.record.account.toLowerCase();
  return ownKey ? gas : 2n * gas;
}

/**
 * A transaction not mined this long is handed to the node again (a node that restarted, or dropped
 * it from its pool, has it back; "already known" is harmless). Fees are raised only after bumpAfterMs.
 */
const REBROADCAST_MS = 2_000;

export type SubmissionKind = Mode | "fees";

export interface Submission {
  seq: number;
  kind: SubmissionKind;
  actionIds: string[];
  nonce: number;
  data: Hex;
  txs: Array<{ hash: Hex; raw: Hex; maxFeePerGas: string; maxPriorityFeePerGas: string }>;
  sentAt: number;
  /** Fees: the authors it settles. */
  authors?: Address[];
  /** The gas limit its transactions were signed with (fee bumps keep it). */
  gas?: string;
  /** Once mined: where (confirm.ts watches it until it is final). */
  mined?: { txHash: Hex; blockNumber: number; blockHash: Hex };
}

export interface SubmitterConfig {
  address: Address;
  chainId: number;
  batchMaxActions: number;
  anchorMaxPosts: number;
  maxInFlight: number;
  accountGasAtRisk: bigint;
  bumpAfterMs: number;
  minDeadlineSeconds: bigint;
  erc1271Gas: bigint;
  /** Anchored fees wait for a settlement at most this long while other work is queued. */
  feeSettleSeconds: number;
}

export interface SubmitterDeps {
  config: SubmitterConfig;
  client: PublicClient;
  account: PrivateKeyAccount;
  domain: PennyPostDomain;
  store: RelayerStore;
  view: ChainView;
  pending: PendingActions;
  fees: AnchoredFees;
  logger: Logger;
  /** An accepted action turned out void before it was sent: reject it (and what depends on it). */
  reject(p: Pending, reason: string, byAccount: boolean): Op[];
  /** An accepted action someone else's transaction executed: included there. */
  includedElsewhere(p: Pending, where: { txHash: Hex; blockNumber: number; postId?: string }): Op[];
}

const ANCHORED_POST_TYPEHASH = keccak256(new TextEncoder().encode("AnchoredPost(address author,uint256 parentId,string content,uint256 seq,uint256 cumulativeFee)"));

export class Submitter {
  /** Sent and not mined, by seq. */
  readonly inFlight = new Map<number, Submission>();
  private nextNonce = -1;
  /** When each submission in flight was last handed to the node. */
  private readonly broadcastAt = new Map<number, number>();
  private turn = 0;
  /**
   * Per kind, the gas one item took in the newest estimate (or, after an estimate over the cap, at
   * least cap / items): the next batch of that kind holds no more items than fit the budget by it.
   * gasAtRisk bounds what a skipped item costs; an executed one costs more (an account's first
   * batched post writes its nonce slot: ~45,000 gas against ~22,500), and every batch sized by
   * gasAtRisk alone went over the cap, failed its estimate and went out halved (66 failed estimates,
   * each executing to the cap on the node, in a 90-s batched bench run).
   */
  private readonly itemGas = new Map<SubmissionKind, bigint>();

  private readonly d: SubmitterDeps;
  constructor(d: SubmitterDeps) {
    this.d = d;
  }

  /** Resumes what a previous run wrote ahead (confirm.ts takes the mined ones). */
  async load(): Promise<Submission[]> {
    const all: Submission[] = [];
    for await (const [, s] of this.d.store.entries<Submission>("s!")) all.push(s);
    for (const s of all) {
      if (s.mined === undefined) {
        s.sentAt = 0; // broadcast again at once
        this.inFlight.set(s.seq, s);
        this.d.pending.submit(s.actionIds, s.seq, gasAtRisk);
        if (s.kind === "fees") this.d.fees.sending(s.authors ?? []);
      }
    }
    const chainNonce = await this.d.client.getTransactionCount({ address: this.d.account.address, blockTag: "pending" });
    this.nextNonce = Math.max(chainNonce, ...all.map((s) => s.nonce + 1));
    return all.filter((s) => s.mined !== undefined);
  }

  /** One round: resend or bump what is in flight, then fill the free slots with new submissions. */
  async step(): Promise<void> {
    for (const s of this.inFlight.values()) {
      if (Date.now() - s.sentAt >= this.d.config.bumpAfterMs) await this.bump(s);
      else if (Date.now() - (this.broadcastAt.get(s.seq) ?? 0) >= REBROADCAST_MS) await this.broadcast(s);
    }
    for (let tries = 0; this.inFlight.size < this.d.config.maxInFlight && tries < 6; tries++) {
      const built = await this.buildNext();
      if (built === "idle") break;
    }
  }

  /** A submission confirm.ts saw mined or dropped for good. */
  landed(s: Submission): void {
    this.inFlight.delete(s.seq);
    this.broadcastAt.delete(s.seq);
    this.d.pending.landed(s.seq);
    if (s.kind === "fees") this.d.fees.landed(s.authors ?? []);
  }

  /** Nonces below `n` are used on chain. */
  nonceAtLeast(n: number): void {
    if (this.nextNonce < n) this.nextNonce = n;
  }

  /** A reorg took a mined submission out of the chain: it is in flight again (same raw transactions). */
  resume(s: Submission): void {
    delete s.mined;
    s.sentAt = 0; // rebroadcast at once
    this.inFlight.set(s.seq, s);
    if (s.kind === "fees") this.d.fees.sending(s.authors ?? []);
  }

  private async buildNext(): Promise<"built" | "empty" | "idle"> {
    const modes: SubmissionKind[] = [...this.d.pending.modesWaiting(), "fees"];
    for (let i = 0; i < modes.length; i++) {
      const kind = modes[(this.turn + i) % modes.length]!;
      const result = kind === "fees" ? await this.buildFees(modes.length === 1 && this.inFlight.size === 0) : await this.buildActions(kind);
      if (result !== "idle") {
        this.turn = (this.turn + i + 1) % Math.max(1, modes.length);
        return result;
      }
    }
    return "idle";
  }

  /** Up to batchMaxActions queued actions of `kind`, accounts not in flight, each checked again. */
  private async buildActions(kind: Mode): Promise<"built" | "empty" | "idle"> {
    const { pending, config } = this.d;
    const chosen: Pending[] = [];
    const max = Math.min(kind === "anchored-hash" || kind === "anchored-calldata" ? config.anchorMaxPosts : config.batchMaxActions, this.fitting(kind));
    const perAccount = new Map<string, { n: number; gas: bigint; sawTip: boolean; closed: boolean }>();
    // Calldata-carrying transactions stay well under EIP-7825's cap (their gas grows with the content).
    let txGas = 0n;
    const anchored = kind === "anchored-hash" || kind === "anchored-calldata";
    for (const p of pending.queue(kind)) {
      if (chosen.length >= max) break;
      const a = p.record.account.toLowerCase();
      // Batched and voucher items depend on the account's state their predecessors change.
      if (!anchored && pending.inFlight(p.record.account)) continue;
      let state = perAccount.get(a);
      if (state === undefined) perAccount.set(a, (state = { n: 0, gas: anchored ? pending.inFlightGas(p.record.account) : 0n, sawTip: false, closed: false }));
      if (state.closed) continue;
      if (p.written === false) {
        state.closed = true; // its write is under way: it and what follows it wait
        continue;
      }
      // Posts run before tips in submitBatch: an account's post after its tip waits for the next batch.
      const afterTip = kind === "batched" && p.action.type === "post" && state.sawTip;
      const gas = gasAtRisk(p);
      // At least one item of an account with nothing at risk; then within the budget, counting what is in flight.
      if (afterTip || (state.gas > 0n && state.gas + gas > config.accountGasAtRisk)) {
        state.closed = true;
        continue;
      }
      if (kind !== "anchored-hash") {
        if (txGas + gas > TX_GAS_BUDGET) break;
        txGas += gas;
      }
      if (p.action.type === "tip") state.sawTip = true;
      state.n += 1;
      state.gas += gas;
      chosen.push(p);
    }
    if (chosen.length === 0) return "idle";
    const kept = await this.recheck(chosen);
    if (kept.length === 0) return "empty";
    // A batch whose estimate fails or passes the cap goes out halved (a prefix keeps each account's order); the rest waits.
    for (let ordered = kind === "batched" ? batchedOrder(kept) : kept; ; ordered = ordered.slice(0, Math.ceil(ordered.length / 2))) {
      const { data, batchData } = encodeActions(kind, ordered.map((p) => p.action));
      const extra: Op[] = batchData === undefined ? [] : [put(keys.data(batchData.hash), batchData.data)];
      const sent = await this.send(kind, ordered, data, extra);
      if (sent !== "smaller") return sent;
      if (ordered.length === 1) return "empty";
    }
  }

  /** The submitter's simulation: every item checked as the contract will, against the newest chain state. */
  private async recheck(chosen: Pending[]): Promise<Pending[]> {
    const { view, pending, config } = this.d;
    const globals = view.globals!;
    const ops: Op[] = [];
    const keep = new Set<Pending>();
    // Accounts are checked side by side (their chain reads go out together, in one JSON-RPC batch);
    // one account's items in order, each counting the ones kept before it.
    const byAccount = new Map<string, Pending[]>();
    for (const p of chosen) {
      const a = p.record.account.toLowerCase();
      const list = byAccount.get(a);
      if (list === undefined) byAccount.set(a, [p]);
      else list.push(p);
    }
    await Promise.all([...byAccount.values()].map(async (items) => {
      let batchedBefore = 0;
      for (const p of items) {
        try {
          await checkAction(p.action, p.record.account, p.signer, {
            globals, snapshot: view.snapshot(p.record.account), reservations: pending.reservations, domain: this.d.domain,
            minDeadlineSeconds: config.minDeadlineSeconds, erc1271Gas: config.erc1271Gas, anchoredAccepted: undefined,
            authorOf: (id) => view.authorOf(id), recheck: { spend: p.hold.spend, batchedBefore },
          });
          if (p.action.mode === "batched") batchedBefore += 1;
          keep.add(p);
        } catch (error) {
          if (!(error instanceof ActionRejected)) throw error;
          // Someone else submitted this very signed action (submitBatch is open): it is included, not void.
          const elsewhere = error.code === "nonce_mismatch" ? executedElsewhere(this.d.view, p) : undefined;
          if (elsewhere !== undefined) {
            ops.push(...this.d.includedElsewhere(p, elsewhere));
            continue;
          }
          ops.push(...this.d.reject(p, `${error.code}: ${error.message} (checked again before sending: the account's state changed on chain)`, true));
          return; // the account's later items depended on this one: reject() took them out too
        }
      }
    }));
    if (ops.length > 0) await this.d.store.write(ops);
    return chosen.filter((p) => keep.has(p));
  }

  /**
   * settleAnchoredFees for authors whose anchored posts are included and not paid, each checked
   * first: every such author when `idle` (nothing queued, nothing in flight), else those unpaid for
   * feeSettleSeconds.
   */
  private async buildFees(idle: boolean): Promise<"built" | "empty" | "idle"> {
    const { view, fees, config } = this.d;
    const items: FeeItem[] = [];
    const globals = view.globals!;
    const candidates = [];
    for (const due of fees.due((a) => view.snapshot(a), { idle, settleAfterMs: config.feeSettleSeconds * 1_000 })) {
      if (candidates.length >= config.batchMaxActions * 2) break;
      candidates.push(due);
    }
    // Checked side by side: their chain reads go out together.
    const checked = await Promise.all(candidates.map(async ({ author, item, snapshot }) => {
      const paid = await snapshot.anchoredFeesPaid();
      const fee = AnchoredFees.item(getAddress(author), item);
      if (fee.cumulativeFee <= paid) {
        fees.paidUp(author, paid);
        return undefined;
      }
      const owed = fee.cumulativeFee - paid;
      let digest: Hex | undefined;
      const digestOf = () => (digest ??= this.feeDigest(fee));
      // The signer recovered on acceptance (the same AnchoredPost digest and signature); a store older than that field recovers it here.
      const recovered = item.signer !== undefined ? item.signer : recoverSigner(hexToBytes(digestOf()), hexToBytes(fee.signature));
      try {
        if ((await snapshot.deposit(ETH)) < owed) {
          throw new ActionRejected("insufficient_deposit", `${author} owes ${owed} in anchored posting fees and its deposit no longer covers it`);
        }
        await checkSigner(
          { account: fee.author, signer: recovered === null ? null : getAddress(recovered), asset: ETH, spend: owed, digest: digestOf, signature: fee.signature },
          { snapshot, globals, minDeadlineSeconds: 0n, reservations: this.d.pending.reservations, erc1271Gas: config.erc1271Gas },
        );
        return fee;
      } catch (error) {
        if (!(error instanceof ActionRejected)) throw error;
        fees.setAside(author, snapshot);
        this.d.logger.warn({ author, code: error.code, reason: error.message }, "anchored fees not settleable: set aside until the account changes on chain");
        return undefined;
      }
    }));
    items.push(...checked.filter((f) => f !== undefined).slice(0, Math.min(config.batchMaxActions, FEE_ITEMS_MAX, this.fitting("fees"))));
    if (items.length === 0) return "idle";
    for (let some = items; ; some = some.slice(0, Math.ceil(some.length / 2))) {
      const sent = await this.send("fees", [], encodeFees(some), [], some.map((i) => i.author));
      if (sent !== "smaller") return sent;
      if (some.length === 1) return "empty";
    }
  }

  private feeDigest(f: FeeItem): Hex {
    const struct = keccak256(encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "uint256" }, { type: "bytes32" }, { type: "uint256" }, { type: "uint256" }],
      [ANCHORED_POST_TYPEHASH, f.author, f.parentId, f.contentHash, f.seq, f.cumulativeFee],
    ));
    return keccak256(concat(["0x1901", domainSeparator({ domain: this.d.domain }), struct]));
  }

  /**
   * Estimates, signs with the next nonce, writes ahead, broadcasts. "smaller": the estimate failed or
   * passed EIP-7825's cap (a node may refuse to estimate past it): nothing was sent, fewer items may go.
   */
  private async send(kind: SubmissionKind, items: Pending[], data: Hex, extra: Op[], authors?: Address[]): Promise<"built" | "smaller"> {
    const { client, config, store, pending, fees } = this.d;
    const n = items.length || authors?.length || 0;
    let gas: bigint;
    try {
      const estimate = await client.estimateGas({ account: this.d.account.address, to: config.address, data });
      this.learn(kind, estimate, n);
      if (estimate > TX_GAS_CAP) {
        this.d.logger.debug({ kind, items: n, estimate }, "relayer batch over the gas cap; not sent");
        return "smaller";
      }
      gas = (estimate * 6n) / 5n > TX_GAS_CAP ? TX_GAS_CAP : (estimate * 6n) / 5n;
    } catch (error) {
      // The whole call would revert (paused, not a sequencer, over the gas cap): nothing is sent.
      this.d.logger.warn({ err: briefError(error), kind, items: n }, "relayer batch would revert; not sent");
      this.learn(kind, TX_GAS_CAP, n);
      return "smaller";
    }
    const seq = ++store.submissionSeq;
    const submission: Submission = { seq, kind, actionIds: items.map((p) => p.record.id), nonce: this.nextNonce++, data, txs: [], sentAt: 0, ...(authors === undefined ? {} : { authors }) };
    await this.sign(submission, gas);
    const ops: Op[] = [...extra, put(keys.submission(seq), submission)];
    for (const p of items) {
      p.record.status = "submitted";
      p.record.txHash = submission.txs[0]!.hash;
      p.record.attempts += 1;
      ops.push(put(keys.action(p.record.id), p.record), { type: "del", key: keys.queue(p.record.seq) });
    }
    pending.submit(submission.actionIds, seq, gasAtRisk);
    if (authors !== undefined) fees.sending(authors);
    this.inFlight.set(seq, submission);
    await store.write(ops);
    await this.broadcast(submission);
    this.d.logger.debug({ kind, actions: items.length, nonce: submission.nonce, tx: submission.txs[0]!.hash }, "relayer submission sent");
    return "built";
  }

  /** `n` items took `gas` (a failed estimate: at least the cap): the per-item gas the next batch of `kind` is sized by. */
  private learn(kind: SubmissionKind, gas: bigint, n: number): void {
    if (n === 0 || kind === "anchored-hash") return;
    const perItem = gas / BigInt(n) + 1n;
    const before = this.itemGas.get(kind) ?? 0n;
    // A fitting batch sets it; one that did not fit only raises it.
    this.itemGas.set(kind, gas >= TX_GAS_CAP && before > perItem ? before : perItem);
  }

  /** Most items of `kind` that fit TX_GAS_BUDGET by the gas per item learned (no bound before the first estimate). */
  private fitting(kind: SubmissionKind): number {
    const perItem = this.itemGas.get(kind);
    return perItem === undefined ? Infinity : Math.max(1, Number(TX_GAS_BUDGET / perItem));
  }

  private async sign(s: Submission, gas: bigint, bump = false): Promise<void> {
    const fees = await this.d.client.estimateFeesPerGas();
    let maxFeePerGas = fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    const last = s.txs.at(-1);
    if (bump && last !== undefined) {
      const raise = (old: string, now: bigint) => ((BigInt(old) * 5n) / 4n + 1n > now ? (BigInt(old) * 5n) / 4n + 1n : now);
      maxFeePerGas = raise(last.maxFeePerGas, maxFeePerGas);
      maxPriorityFeePerGas = raise(last.maxPriorityFeePerGas, maxPriorityFeePerGas);
    }
    const raw = await this.d.account.signTransaction({
      type: "eip1559", chainId: this.d.config.chainId, nonce: s.nonce, to: this.d.config.address, data: s.data, gas, maxFeePerGas, maxPriorityFeePerGas,
    });
    s.gas = gas.toString();
    s.txs.push({ hash: keccakHex(hexBytes(raw)), raw, maxFeePerGas: maxFeePerGas.toString(), maxPriorityFeePerGas: maxPriorityFeePerGas.toString() });
    s.sentAt = Date.now();
  }

  /** Hands the transaction to the node (not waiting for it to be mined). */
  private async broadcast(s: Submission): Promise<void> {
    this.broadcastAt.set(s.seq, Date.now());
    await this.d.client.sendRawTransaction({ serializedTransaction: s.txs.at(-1)!.raw }).catch((error: unknown) => {
      // "already known", or "nonce too low" once mined: confirm.ts's receipts decide.
      this.d.logger.debug({ err: briefError(error), tx: s.txs.at(-1)!.hash }, "broadcast refused");
    });
  }

  /** Still pending after bumpAfterMs (or never seen): the same nonce, 25% higher fees, broadcast again. */
  private async bump(s: Submission): Promise<void> {
    if (s.txs.length > 0 && s.sentAt === 0) {
      s.sentAt = Date.now();
      await this.broadcast(s);
      return;
    }
    await this.sign(s, BigInt(s.gas ?? TX_GAS_CAP), true);
    await this.d.store.write([put(keys.submission(s.seq), s)]);
    await this.broadcast(s);
    this.d.logger.info({ nonce: s.nonce, tx: s.txs.at(-1)!.hash }, "relayer transaction replaced with higher fees");
  }
}

