/**
 * Confirmation: follows the chain's head apart from accepts and submissions. Each new head, in one
 * step:
 *  - reads the receipts of the submissions in flight, and turns each mined one into its actions'
 *    outcomes (posted, tipped, anchored with their post ids, or skipped with the contract's reason);
 *  - drops the snapshot of every account a PennyPost log of the new blocks names (chain-view.ts);
 *  - releases the mined actions' reservations and moves the view's head, synchronously together;
 *  - marks actions `included` once their block is `confirmations` deep, and watches mined
 *    submissions for `watchDepth` blocks: a reorg that drops one sends its actions back to
 *    `submitted` and its raw transaction out again.
 */
import type { Logger } from "pino";
import { parseEventLogs, toEventSelector, toFunctionSelector, type Address, type Hex, type Log, type PublicClient, type TransactionReceipt } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree } from "../../lib/anchored.ts";
import type { ChainView } from "./chain-view.ts";
import { addressesIn } from "./chain-view.ts";
import { batchedOrder } from "./encode.ts";
import type { AnchoredFees } from "./fees.ts";
import type { ActionRecord, Pending, PendingActions } from "./pending.ts";
import { del, keys, put, type Op, type RelayerStore } from "./store.ts";
import { gasAtRisk, type Submission, type Submitter } from "./submitter.ts";
import type { Reputation } from "./reputation.ts";

/** Every PennyPost error by selector, to name a skip reason. */
const ERROR_NAMES = new Map(
  pennyPostAbi
    .filter((item) => item.type === "error")
    .map((item) => [toFunctionSelector(`${item.name}(${item.inputs.map((i) => i.type).join(",")})`), item.name] as const),
);

const BATCH_SUBMITTED = toEventSelector("BatchSubmitted(address,uint256,uint256,uint256,uint256)");

/** What identifies a batched post or tip among executed ones (its signed fields that the event repeats). */
export const postFingerprint = (author: Address, parentId: bigint, content: string) => `p|${author.toLowerCase()}|${parentId}|${content}`;
export const tipFingerprint = (tipper: Address, postId: bigint, author: Address, asset: Address, amount: bigint) =>
  `t|${tipper.toLowerCase()}|${postId}|${author.toLowerCase()}|${asset.toLowerCase()}|${amount}`;

/** Where someone else's submitBatch executed this pending batched post or tip, if it did. */
export function executedElsewhere(view: ChainView, p: Pending): { txHash: Hex; blockNumber: number; postId?: string } | undefined {
  const a = p.action;
  if (a.type === "post" && a.mode === "batched") return view.executedBy(postFingerprint(a.message.author, a.message.parentId, a.message.content));
  if (a.type === "tip") return view.executedBy(tipFingerprint(a.message.tipper, a.message.postId, a.message.author, a.message.asset, a.message.amount));
  return undefined;
}

type Outcome = { id: string; status: "included" | "rejected"; postId?: string; reason?: string };
type Mined = Submission & { outcomes?: Outcome[]; applied?: boolean };

export interface WatcherDeps {
  client: PublicClient;
  contract: Address;
  /** The relayer's own address (its transactions' sender). */
  relayer: Address;
  view: ChainView;
  submitter: Submitter;
  pending: PendingActions;
  fees: AnchoredFees;
  store: RelayerStore;
  reputation: Reputation;
  logger: Logger;
  confirmations: number;
  watchDepth: number;
  /** A pending action the chain skipped: reject it and what of its account depends on it. */
  reject(p: Pending, reason: string, byAccount: boolean): Op[];
  /** The pending form of a stored record (a reorg sends it back). */
  restore(record: ActionRecord): Pending;
  /** A pending action someone else's transaction executed. */
  includedElsewhere(p: Pending, where: { txHash: Hex; blockNumber: number; postId?: string }): Op[];
  /** Submissions landed (their accounts are free for the next batch): the submitter need not wait for its next turn. */
  freed?(): void;
}

export class Watcher {
  private head: { number: bigint; hash: Hex } | undefined;
  private readonly mined = new Map<number, Mined>();
  /** The node answered the last step; when not, accepts are refused at once (503). */
  healthy = false;

  private readonly d: WatcherDeps;
  constructor(d: WatcherDeps) {
    this.d = d;
  }

  /** Mined submissions a previous run left watched, with their actions' records. */
  async resume(mined: Submission[]): Promise<void> {
    for (const s of mined) {
      this.mined.set(s.seq, s);
      for (const o of (s as Mined).outcomes ?? []) {
        const record = await this.d.store.get<ActionRecord>(keys.action(o.id));
        if (record !== undefined) this.records.set(o.id, record);
      }
    }
  }

  private stepping: Promise<void> | undefined;
  private again: Promise<void> | undefined;

  /** One step; a call while one runs waits for a step that starts after it (so it sees the chain of now). */
  step(): Promise<void> {
    if (this.stepping === undefined) {
      this.stepping = this.run().finally(() => {
        this.stepping = undefined;
      });
      return this.stepping;
    }
    this.again ??= this.stepping.catch(() => undefined).then(() => {
      this.again = undefined;
      return this.step();
    });
    return this.again;
  }

  private async run(): Promise<void> {
    try {
      await this.advance();
      this.healthy = true;
    } catch (error) {
      this.healthy = false;
      throw error;
    }
  }

  private async advance(): Promise<void> {
    const { client, view } = this.d;
    const block = await client.getBlock({ blockTag: "latest" });
    const same = this.head !== undefined && block.hash === this.head.hash;
    // Nothing new and nothing in flight: nothing to do. (In flight at the same head: a nonce another
    // transaction of the key took is still found.)
    if (same && this.d.submitter.inFlight.size === 0) return;
    const reorg = !same && this.head !== undefined && (await this.reorged(block));
    const [postFee, postCount] = same
      ? [view.globals!.postFee, view.globals!.postCount]
      : await Promise.all([view.read<bigint>("postFee", [], block.number), view.read<bigint>("postCount", [], block.number)]);
    const logs = !same && this.head !== undefined && !reorg && block.number > this.head.number
      ? await client.getLogs({ address: this.d.contract, fromBlock: this.head.number + 1n, toBlock: block.number })
      : [];
    const inFlight = [...this.d.submitter.inFlight.values()];
    // The relayer's nonce before the receipts: a nonce used at this block whose receipt is not ours
    // was used by another transaction of the same key (another process, a reset queue).
    const nonceUsed = inFlight.length === 0 ? 0 : await client.getTransactionCount({ address: this.d.relayer, blockNumber: block.number });
    const receipts = await Promise.all(inFlight.map((s) => this.receiptOf(s)));
    const dropped = reorg ? await this.droppedByReorg(block.number) : [];

    // ---- one synchronous step: outcomes, drops, releases, head ----
    const ops: Op[] = [];
    if (reorg) view.dropAll();
    for (const log of logs) for (const a of addressesIn(log.topics as Hex[])) view.drop(a);
    this.noteForeignBatches(logs, inFlight);
    for (const s of dropped) ops.push(...this.sendBack(s));
    for (const [i, s] of inFlight.entries()) {
      const receipt = receipts[i];
      if (receipt === undefined || receipt.blockNumber > block.number) {
        if (receipt === undefined && s.nonce < nonceUsed) ops.push(...this.replaced(s, nonceUsed));
        continue;
      }
      ops.push(...this.landed(s, receipt));
    }
    for (const s of this.mined.values()) ops.push(...this.deepen(s, block.number));
    view.advance({ block: block.number, timestamp: block.timestamp, postFee, postCount });
    this.head = { number: block.number, hash: block.hash };
    if (reorg) this.d.logger.warn({ head: Number(block.number), dropped: dropped.length }, "relayer saw a reorg");
    if (ops.length > 0) await this.d.store.write(ops);
    if (this.d.submitter.inFlight.size < inFlight.length) this.d.freed?.();
  }

  /** Posts and tips that other accounts' submitBatch transactions executed (confirm's fingerprints, chain-view.ts). */
  private noteForeignBatches(logs: readonly Log[], ours: readonly Submission[]): void {
    const own = new Set(ours.flatMap((s) => s.txs.map((t) => t.hash)));
    const foreign = new Set<Hex>();
    for (const log of logs) if (log.topics[0] === BATCH_SUBMITTED && log.transactionHash !== null && !own.has(log.transactionHash)) foreign.add(log.transactionHash);
    if (foreign.size === 0) return;
    for (const log of parseEventLogs({ abi: pennyPostAbi, logs: logs.filter((l) => l.transactionHash !== null && foreign.has(l.transactionHash)) })) {
      const where = { txHash: log.transactionHash!, blockNumber: Number(log.blockNumber) };
      if (log.eventName === "Posted") this.d.view.noteExecuted(postFingerprint(log.args.author, log.args.parentId, log.args.content), { ...where, postId: log.args.postId.toString() });
      if (log.eventName === "Tipped") this.d.view.noteExecuted(tipFingerprint(log.args.tipper, log.args.postId, log.args.author, log.args.asset, log.args.amount), where);
    }
  }


  /** Whether the chain the head was read on is no longer the chain. */
  private async reorged(block: { number: bigint; hash: Hex; parentHash: Hex }): Promise<boolean> {
    const head = this.head!;
    if (block.number <= head.number) return true;
    if (block.number === head.number + 1n) return block.parentHash !== head.hash;
    const then = await this.d.client.getBlock({ blockNumber: head.number }).catch(() => undefined);
    return then?.hash !== head.hash;
  }

  private async receiptOf(s: Submission): Promise<TransactionReceipt | undefined> {
    for (const tx of s.txs) {
      const receipt = await this.d.client.getTransactionReceipt({ hash: tx.hash }).catch(() => undefined);
      if (receipt !== undefined) return receipt;
    }
    return undefined;
  }

  /** Mined submissions whose transaction the new chain does not hold (or holds elsewhere). */
  private async droppedByReorg(head: bigint): Promise<Mined[]> {
    const dropped: Mined[] = [];
    for (const s of this.mined.values()) {
      const receipt = await this.receiptOf(s);
      if (receipt === undefined || receipt.blockNumber > head) dropped.push(s);
      else if (receipt.blockHash !== s.mined!.blockHash) {
        s.mined = { txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash };
      }
    }
    return dropped;
  }

  /** A reorg dropped `s`: its actions are promised again and its transaction goes out again. */
  private sendBack(s: Mined): Op[] {
    this.mined.delete(s.seq);
    const ops: Op[] = [];
    for (const o of s.outcomes ?? []) {
      const record = { ...this.recordOf(o.id) };
      if (record.id === undefined) continue;
      record.status = "submitted";
      delete record.blockNumber;
      delete record.postId;
      delete record.reason;
      this.records.set(record.id, record as ActionRecord);
      this.d.pending.add(this.d.restore(record as ActionRecord));
      ops.push(put(keys.action(record.id), record));
    }
    this.d.pending.submit(s.actionIds, s.seq, gasAtRisk);
    delete s.outcomes;
    delete s.applied;
    this.d.submitter.resume(s);
    ops.push(put(keys.submission(s.seq), s));
    return ops;
  }

  /** Records of mined actions, kept until their submission is final (a reorg may need them back). */
  private readonly records = new Map<string, ActionRecord>();
  private recordOf(id: string): Partial<ActionRecord> {
    return this.records.get(id) ?? {};
  }

  /** Another transaction of the relayer's key took `s`'s nonce: its actions wait for a new submission. */
  private replaced(s: Submission, nonceUsed: number): Op[] {
    const { pending, view } = this.d;
    this.d.submitter.landed(s);
    this.d.submitter.nonceAtLeast(nonceUsed);
    const entries = s.actionIds.map((id) => pending.get(id)).filter((p) => p !== undefined);
    pending.requeue(entries.map((p) => p.record.id));
    for (const p of entries) view.drop(p.record.account);
    for (const a of s.authors ?? []) view.drop(a);
    this.d.logger.warn({ nonce: s.nonce, tx: s.txs.at(-1)?.hash, actions: entries.length }, "relayer nonce used by another transaction of its key; its actions go out again");
    return [
      del(keys.submission(s.seq)),
      ...entries.flatMap((p) => [put(keys.action(p.record.id), { ...p.record, status: "queued" }), put(keys.queue(p.record.seq), p.record.id)]),
    ];
  }

  /** `s` was mined: its outcomes are known, its reservations released, its accounts free for the next batch. */
  private landed(s: Submission, receipt: TransactionReceipt): Op[] {
    const { pending, view, fees } = this.d;
    const m = s as Mined;
    m.mined = { txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash };
    this.d.submitter.landed(s);
    const ops: Op[] = [];
    const entries = s.actionIds.map((id) => pending.get(id)).filter((p) => p !== undefined);
    if (receipt.status !== "success") {
      // Reverted as a whole (the estimate was wrong or the chain changed): nothing happened; try again.
      m.outcomes = [];
      pending.requeue(entries.filter((p) => p.record.attempts < 3).map((p) => p.record.id));
      for (const p of entries) {
        if (p.record.attempts >= 3) ops.push(...this.d.reject(p, "the batch transaction reverted three times", false));
        else ops.push(put(keys.action(p.record.id), p.record), put(keys.queue(p.record.seq), p.record.id));
      }
      for (const a of s.authors ?? []) view.drop(a);
      ops.push(del(keys.submission(s.seq)));
      return ops;
    }
    const logs = parseEventLogs({ abi: pennyPostAbi, logs: receipt.logs });
    const outcomes: Outcome[] = [];
    if (s.kind === "fees") {
      for (const log of logs) {
        if (log.eventName === "AnchoredFeesSettled") fees.paidUp(log.args.author, log.args.cumulativeFee);
        if (log.eventName === "ActionSkipped") {
          const reason = ERROR_NAMES.get(log.args.reason) ?? log.args.reason;
          fees.setAside(log.args.account, view.snapshot(log.args.account));
          this.d.reputation.strike(log.args.account, `its anchored posting fees were skipped on chain: ${reason}`);
        }
      }
      for (const a of s.authors ?? []) view.drop(a);
    } else if (s.kind === "batched" || s.kind === "voucher") {
      // Items run in order (posts, then tips; vouchers in order): each emits its event or ActionSkipped.
      const results = logs.filter((l) => ["Posted", "Tipped", "ActionSkipped", "VoucherSettled"].includes(l.eventName));
      const ordered = s.kind === "batched" ? batchedOrder(entries) : entries;
      let at = 0;
      for (const p of ordered) {
        const log = results[at++];
        if (log?.eventName === "ActionSkipped") outcomes.push({ id: p.record.id, status: "rejected", reason: ERROR_NAMES.get(log.args.reason) ?? log.args.reason });
        else if (log?.eventName === "Posted") outcomes.push({ id: p.record.id, status: "included", postId: log.args.postId.toString() });
        else {
          if (log?.eventName === "Tipped" && p.action.type === "voucher") at += p.action.tips.length; // its Tipped events, then VoucherSettled
          outcomes.push({ id: p.record.id, status: "included" });
        }
      }
    } else {
      const anchored = logs.find((l) => l.eventName === "Anchored");
      const first = anchored?.eventName === "Anchored" ? anchored.args.firstPostId : 0n;
      for (const [i, p] of entries.entries()) outcomes.push({ id: p.record.id, status: "included", postId: (first + BigInt(i)).toString() });
      const posts = entries.flatMap((p) => (p.action.type === "post" && p.action.mode !== "batched" ? [{ action: p.action, signer: p.signer }] : []));
      // The tree encodeActions anchored (post i is leaf i): each author's newest post settles its fees with its proof.
      const tree = buildAnchorTree(posts.map(({ action }) => ({ ...action.message, signature: action.signature })));
      ops.push(...fees.included(posts, anchored?.eventName === "Anchored" ? anchored.args.batchId : 0n, tree.proof));
    }
    m.outcomes = outcomes;
    // Anchoring changes no account's state on chain (fees move only when settled): the authors'
    // snapshots stay current. A batched post, a tip or a voucher moved its account's nonce or deposit.
    const anchoring = s.kind === "anchored-hash" || s.kind === "anchored-calldata";
    for (const o of outcomes) {
      const p = pending.get(o.id)!;
      if (!anchoring) view.drop(p.record.account);
      const elsewhere = o.status === "rejected" && o.reason === "PennyPostNonceMismatch" ? executedElsewhere(this.d.view, p) : undefined;
      if (elsewhere !== undefined) {
        ops.push(...this.d.includedElsewhere(p, elsewhere));
        o.status = "included";
      } else if (o.status === "rejected") {
        // The chain skipped what was checked just before sending: the account changed it meanwhile.
        Object.assign(p.record, { txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) });
        ops.push(...this.d.reject(p, o.reason!, true));
      } else {
        pending.remove(o.id);
        Object.assign(p.record, { txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber), ...(o.postId === undefined ? {} : { postId: o.postId }) });
      }
      this.records.set(o.id, p.record);
    }
    this.mined.set(s.seq, m);
    ops.push(put(keys.submission(s.seq), m));
    return ops;
  }

  /** Marks a mined submission's actions included at `confirmations` deep; forgets it once final. */
  private deepen(s: Mined, head: bigint): Op[] {
    const depth = Number(head) - s.mined!.blockNumber + 1;
    const ops: Op[] = [];
    if (!s.applied && depth >= this.d.confirmations) {
      s.applied = true;
      for (const o of s.outcomes ?? []) {
        const record = this.records.get(o.id);
        if (record === undefined || o.status !== "included") continue;
        record.status = "included";
        ops.push(put(keys.action(o.id), record));
      }
      ops.push(put(keys.submission(s.seq), s));
    }
    if (depth >= this.d.watchDepth) {
      this.mined.delete(s.seq);
      for (const o of s.outcomes ?? []) this.records.delete(o.id);
      ops.push(del(keys.submission(s.seq)));
    }
    return ops;
  }
}
