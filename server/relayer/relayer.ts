/**
 * The relayer behind `POST /v1/actions`: a bundler for PennyPost's signed actions. Its parts, each
 * the one owner of its state:
 *   accept (this file)      parse, recover the signer, check against the chain as the contract will
 *                           (checks.ts), serialized per account, never server-wide
 *   chain-view.ts           accounts' chain state, read once and kept current from the chain's events
 *   pending.ts              actions promised and not finished, and their reservations
 *   store.ts                the durable queue (LevelDB, group-committed, written before every 202)
 *   submitter.ts            build, check again, sign, send: several transactions in flight
 *   confirm.ts              receipts, outcomes, reorgs, `included` at a depth
 *   fees.ts                 anchored posts' fee settlement
 *   reputation.ts           throttling of accounts that void accepted actions; rate limits
 */
import type { Logger } from "pino";
import type { Address, Hex, PublicClient } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostDomain, ZERO_HASH, type PennyPostDomain } from "../../lib/relayed.ts";
import type { AnchorDataSource } from "../domain.ts";
import { DEFAULT_MAX_QUEUED } from "../config.ts";
import { NonRetryableError } from "../errors.ts";
import { accountOf, actionJson, actionSchema, recoverActionSigner, signerOf, type Action } from "./actions.ts";
import { sharedRecoverPool, type RecoverPool } from "../../lib/recover-pool.ts";
import { ChainView } from "./chain-view.ts";
import { checkAction } from "./checks.ts";
import { Watcher } from "./confirm.ts";
import { ActionRejected, briefError } from "./errors.ts";
import { AnchoredFees } from "./fees.ts";
import { PendingActions, type ActionRecord, type Pending } from "./pending.ts";
import { Reputation } from "./reputation.ts";
import { holdOf } from "./reservations.ts";
import { del, keys, put, RelayerStore, type Op } from "./store.ts";
import { Submitter, type Submission } from "./submitter.ts";

export { ActionRejected, type RelayProblem } from "./errors.ts";
export type { ActionRecord, ActionStatus } from "./pending.ts";
export { TX_GAS_CAP } from "./submitter.ts";

export const ETH: Address = "0x0000000000000000000000000000000000000000";

export interface RelayerConfig {
  address: Address;
  chainId: number;
  privateKey: Hex;
  dataDir: string;
  batchMaxActions: number;
  /** Anchored posts per anchoring transaction. */
  anchorMaxPosts?: number;
  batchIntervalMs: number;
  bumpAfterMs: number;
  /** Per account: actions per minute (token bucket), and most actions queued or submitted at once. */
  ratePerMinute: number;
  maxPending: number;
  /**
   * Actions promised and not finished (queued or in flight), all accounts together: beyond it an
   * accept answers 503 relayer_busy. Offered more than the chain takes, the queue (memory, and the
   * time to inclusion) would otherwise grow without bound.
   */
  maxQueued?: number;
  /** Transactions in flight at once. */
  maxInFlight?: number;
  /**
   * Gas of one account's items one transaction may carry (at least one item): what the account can
   * make the relayer lose by voiding them on chain between their last check and their inclusion.
   */
  accountGasAtRisk?: number;
  /** A deadline or session expiry must be at least this far past the chain's time. */
  minDeadlineSeconds?: number;
  /** How often the chain's head is read (new blocks, receipts, account changes). */
  pollMs?: number;
  /** Blocks deep before an action is `included`. */
  confirmations?: number;
  /** Blocks a mined submission is watched for reorgs. */
  watchDepth?: number;
  /** Seconds an account that voided accepted actions stays throttled. */
  throttleSeconds?: number;
  /** Seconds an author's anchored posts may stay unpaid while the relayer has other work (fees.ts). */
  feeSettleSeconds?: number;
}

/**
 * The cheapest ways an account voids its accepted actions on chain cost it about 27,000 gas
 * (revokeSession) to 45,000 (cancelNonces, measured in test/relayer/attacks.test.ts); what it can
 * make the relayer lose in one race stays below the smaller.
 */
export const DEFAULT_GAS_AT_RISK = 26_000;

/** Retry-After of a relayer_busy answer (seconds). */
const BUSY_RETRY_SECONDS = 2;

/** Gas an ERC-1271 check gets off chain: what a batch near the cap could give it at most. */
const ERC1271_GAS = 500_000n;
/** Anchored posts' signers kept for the indexer (seconds of posts at the highest rates; oldest dropped first). */
const KNOWN_SIGNERS = 200_000;
const STALE_REFUSALS = new Set(["insufficient_deposit", "nonce_mismatch", "bad_signature", "unknown_post", "session_cap_exceeded", "voucher_mismatch", "author_mismatch"]);
const SKIPS_NOT_THE_ACCOUNTS = /expired|fee_too_low|FeeAboveMax|unknown_post|UnknownPost|reverted/i;

export class Relayer implements AnchorDataSource {
  readonly account: PrivateKeyAccount;
  readonly domain: PennyPostDomain;
  private readonly store: RelayerStore;
  private readonly view: ChainView;
  private readonly pending = new PendingActions();
  private readonly fees: AnchoredFees;
  private readonly reputation: Reputation;
  private readonly submitter: Submitter;
  private readonly watcher: Watcher;
  /** Per account (lowercase), the tail of its accepts: one account's actions are checked one at a time, in order. */
  private readonly turns = new Map<string, Promise<unknown>>();
  /** Accepts taken and not yet settled (counted against maxQueued with what is pending). */
  private accepting = 0;
  /** The loops' pending sleeps, by loop: stop() ends them at once, and a freed submission slot wakes "submit". */
  private readonly sleepers = new Map<string, () => void>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly config: Required<RelayerConfig>;

  private readonly logger: Logger;
  private readonly pool: RecoverPool;

  constructor(config: RelayerConfig, client: PublicClient, logger: Logger) {
    this.logger = logger;
    this.pool = sharedRecoverPool();
    this.config = {
      anchorMaxPosts: 2_048, maxQueued: DEFAULT_MAX_QUEUED, maxInFlight: 4, accountGasAtRisk: DEFAULT_GAS_AT_RISK, pollMs: 50, minDeadlineSeconds: 60, confirmations: 1, watchDepth: 64, throttleSeconds: 3_600, feeSettleSeconds: 30, ...config,
    };
    this.account = privateKeyToAccount(config.privateKey);
    this.domain = pennyPostDomain(config.chainId, config.address);
    this.store = new RelayerStore(config.dataDir);
    this.view = new ChainView(client, config.address);
    this.fees = new AnchoredFees(this.store);
    this.reputation = new Reputation(this.store, { ratePerMinute: config.ratePerMinute, throttleSeconds: this.config.throttleSeconds });
    const reject = (p: Pending, reason: string, byAccount: boolean) => this.reject(p, reason, byAccount);
    const includedElsewhere = (p: Pending, where: { txHash: Hex; blockNumber: number; postId?: string }): Op[] => {
      this.pending.remove(p.record.id);
      Object.assign(p.record, { status: "included", ...where });
      this.logger.info({ action: p.record.id, tx: where.txHash }, "relayer action executed by another submitter");
      return [put(keys.action(p.record.id), p.record), del(keys.queue(p.record.seq))];
    };
    this.submitter = new Submitter({
      config: {
        address: config.address, chainId: config.chainId, batchMaxActions: config.batchMaxActions, anchorMaxPosts: this.config.anchorMaxPosts, maxInFlight: this.config.maxInFlight,
        accountGasAtRisk: BigInt(this.config.accountGasAtRisk), bumpAfterMs: config.bumpAfterMs, minDeadlineSeconds: BigInt(this.config.minDeadlineSeconds), erc1271Gas: ERC1271_GAS,
        feeSettleSeconds: this.config.feeSettleSeconds,
      },
      client, account: this.account, domain: this.domain, store: this.store, view: this.view, pending: this.pending, fees: this.fees, logger, reject, includedElsewhere,
    });
    this.watcher = new Watcher({
      client, contract: config.address, relayer: this.account.address, view: this.view, submitter: this.submitter, pending: this.pending, fees: this.fees, store: this.store,
      reputation: this.reputation, logger, confirmations: this.config.confirmations, watchDepth: this.config.watchDepth, reject, includedElsewhere,
      restore: (record) => this.restore(record),
      freed: () => this.sleepers.get("submit")?.(),
    });
  }

  get address(): Address {
    return this.account.address;
  }

  async open(): Promise<void> {
    const origin = `${this.config.chainId}:${this.config.address.toLowerCase()}`;
    const stored = await this.store.open(origin);
    if (stored !== undefined) {
      await this.store.close();
      throw new NonRetryableError(
        `the relayer's data in ${this.config.dataDir} is for ${stored} (chain:contract), not ${origin}: point RELAYER_DATA_DIR at a new directory, or delete that one if its queue is of a chain that no longer exists`,
      );
    }
    await this.fees.load();
    await this.reputation.load();
    const minedIds = new Set<string>();
    for await (const [, s] of this.store.entries<Submission>("s!")) if (s.mined !== undefined) for (const id of s.actionIds) minedIds.add(id);
    const open: ActionRecord[] = [];
    for await (const [, record] of this.store.entries<ActionRecord>("a!")) {
      if ((record.status === "queued" || record.status === "submitted") && !minedIds.has(record.id)) open.push(record);
    }
    // Records are keyed by id: the queue's order (an account's nonces, seqs, vouchers) is acceptance order.
    for (const record of open.sort((a, b) => a.seq - b.seq)) this.pending.add(this.restore(record));
    // What a previous run left in flight or mined, then the head: accepts need a view of the chain.
    await this.watcher.resume(await this.submitter.load());
    await this.watcher.step();
  }

  /** Starts following the chain (every pollMs) and submitting (every batchIntervalMs), each in its own loop. */
  start(): void {
    const loop = (name: string, every: number, step: () => Promise<void>): Promise<void> => {
      return (async () => {
        while (!this.stopping) {
          try {
            await step();
          } catch (error) {
            this.logger.warn({ err: briefError(error), loop: name }, "relayer step failed; retrying");
          }
          if (this.stopping) break;
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              this.sleepers.delete(name);
              resolve();
            };
            const timer = setTimeout(done, every);
            this.sleepers.set(name, done);
          });
        }
      })();
    };
    this.running = Promise.all([
      loop("confirm", this.config.pollMs, () => this.watcher.step()),
      loop("submit", this.config.batchIntervalMs, () => this.submitter.step()),
    ]).then(() => undefined);
  }

  /** One round of both loops, for tools and tests that drive the relayer step by step (instead of start()). */
  async step(): Promise<void> {
    await this.watcher.step();
    await this.submitter.step();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers.values()]) wake();
    await this.running;
    await Promise.allSettled([...this.turns.values()]);
    await this.store.close();
  }

  /** Anchored posts' signers, by signature (with the digest they sign): the indexer reuses them (AnchorDataSource). */
  private readonly signers = new Map<string, { digest: Uint8Array; signer: string | null }>();

  private remember(digest: Uint8Array, signature: Hex, signer: Address | null): void {
    // The schema lower-cased the signature; the digest is kept as the bytes it was computed as.
    this.signers.set(signature, { digest, signer: signer?.toLowerCase() ?? null });
    if (this.signers.size > KNOWN_SIGNERS) this.signers.delete(this.signers.keys().next().value!);
  }

  /** The signers of posts this relayer accepted, for exactly these digests (AnchorDataSource). */
  knownSigners(items: readonly { digest: Uint8Array; signature: Uint8Array }[]): Array<string | null | undefined> {
    return items.map(({ digest, signature }) => {
      const key = `0x${Buffer.from(signature).toString("hex")}`;
      const known = this.signers.get(key);
      if (known === undefined || !Buffer.from(known.digest.buffer, known.digest.byteOffset, known.digest.byteLength).equals(digest)) return undefined;
      this.signers.delete(key);
      return known.signer;
    });
  }

  /** Hash-mode batch data, for the indexer (AnchorDataSource). */
  async get(dataHash: Hex): Promise<Hex | undefined> {
    return (await this.store.db.get(keys.data(dataHash))) as Hex | undefined;
  }

  record(id: string): Promise<ActionRecord | undefined> {
    return this.store.get<ActionRecord>(keys.action(id));
  }

  /** What a client needs to build its next action (vouchers: in `asset`). */
  async accountState(account: Address, asset: Address = ETH) {
    const snapshot = this.snapshotFor(account);
    const [nonce, deposit, paid, settled] = await Promise.all([snapshot.nonce(), snapshot.deposit(ETH), snapshot.anchoredFeesPaid(), snapshot.voucher(asset)]).catch((error: unknown) => {
      throw new ActionRejected("chain_unavailable", `the chain's node does not answer (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); retry shortly`, 2);
    });
    const accepted = this.fees.accepted(account);
    const voucher = this.pending.reservations.voucher(account, asset) ?? { cumulativeAmount: settled.settled, tipsHash: settled.settled === 0n ? ZERO_HASH : settled.tipsHash };
    return {
      account,
      relayer: this.address,
      /** The block the relayer's checks saw last: what this answer and the next accept reflect. */
      block: this.view.globals!.block.toString(),
      nextNonce: (nonce + BigInt(this.pending.reservations.batched(account))).toString(),
      nextSeq: ((accepted?.seq ?? 0n) + 1n).toString(),
      cumulativeFee: (accepted?.cumulativeFee ?? paid).toString(),
      depositEth: deposit.toString(),
      pendingSpendEth: this.pending.reservations.spend(account, ETH).toString(),
      pending: this.pending.reservations.pending(account),
      voucher: { asset, cumulativeAmount: voucher.cumulativeAmount.toString(), tipsHash: voucher.tipsHash },
      ...(this.reputation.throttledReason(account) === undefined ? {} : { throttled: this.reputation.throttledReason(account) }),
    };
  }

  private snapshotFor(account: Address) {
    if (!this.watcher.healthy || this.view.globals === undefined) {
      throw new ActionRejected("chain_unavailable", "the relayer cannot reach the chain's node right now; retry shortly", 2);
    }
    return this.view.snapshot(account);
  }

  /** Checks `action` and stores it; resolves once it is durably queued (a 202 may be answered). */
  accept(action: Action): Promise<ActionRecord> {
    if (this.pending.size + this.accepting >= this.config.maxQueued) {
      return Promise.reject(new ActionRejected(
        "relayer_busy", `the relayer holds ${this.config.maxQueued} actions not yet on chain (RELAYER_MAX_QUEUED); retry in ${BUSY_RETRY_SECONDS} s`, BUSY_RETRY_SECONDS,
      ));
    }
    const account = accountOf(action);
    const k = account.toLowerCase();
    // The signer is recovered at once, on the worker pool, beside other accounts' checks; the
    // account's turn is taken now, so its actions are checked in the order they arrived.
    const recovered = recoverActionSigner(action, this.domain, this.pool);
    recovered.catch(() => undefined);
    // The turn covers the check and the reservation; the durable write goes on beside the account's
    // next check (a 202 still waits for it, and the submitter never takes an action not yet on disk).
    // Counted from here until its check settles (nothing above can throw after it was counted).
    this.accepting += 1;
    const held = (this.turns.get(k) ?? Promise.resolve()).then(async () => this.acceptNow(action, account, await recovered));
    const tail = held.catch(() => undefined);
    void tail.then(() => (this.accepting -= 1));
    this.turns.set(k, tail);
    void tail.then(() => {
      if (this.turns.get(k) === tail) this.turns.delete(k);
    });
    return held.then(async ({ record, written }) => {
      await written;
      return record;
    });
  }

  /** Many actions at once (the batch form): each accepted or refused on its own, in order per account. */
  acceptMany(actions: readonly Action[]): Promise<Array<PromiseSettledResult<ActionRecord>>> {
    return Promise.allSettled(actions.map((a) => this.accept(a)));
  }

  private async acceptNow(
    action: Action, account: Address, recovered: { signer: Address | null; digest: Uint8Array },
  ): Promise<{ record: ActionRecord; written: Promise<void> }> {
    const max = this.reputation.maxPending(account, this.config.maxPending);
    if (this.pending.reservations.pending(account) >= max) {
      const why = max < this.config.maxPending ? ` (throttled: ${this.reputation.throttledReason(account)})` : "";
      throw new ActionRejected(max < this.config.maxPending ? "account_throttled" : "too_many_pending", `${account} already has ${max} actions waiting for the chain${why}; retry when they are included`, 5);
    }
    const { signer } = recovered;
    for (let attempt = 0; ; attempt++) {
      const snapshot = this.snapshotFor(account);
      let checked;
      try {
        checked = await checkAction(action, account, signer, {
          globals: this.view.globals!, snapshot, reservations: this.pending.reservations, domain: this.domain,
          minDeadlineSeconds: BigInt(this.config.minDeadlineSeconds), erc1271Gas: ERC1271_GAS,
          anchoredAccepted: this.fees.accepted(account), authorOf: (id) => this.view.authorOf(id),
        });
      } catch (error) {
        if (!(error instanceof ActionRejected)) {
          throw new ActionRejected("chain_unavailable", `the chain's node did not answer a check (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); retry shortly`, 2);
        }
        // The view may be a block or two behind a client that just deposited, authorized a key or
        // posted: a refusal that newer blocks could turn is checked once more against the newest head.
        if (attempt === 0 && STALE_REFUSALS.has(error.code)) {
          await this.watcher.step().catch(() => undefined);
          continue;
        }
        throw error;
      }
      // The account changed on chain while it was read: check again against the new state.
      if (!snapshot.current && attempt < 3) continue;
      // Only a signature that is the account's own spends the account's rate.
      this.reputation.takeToken(account);
      const id = crypto.randomUUID();
      const seq = ++this.store.actionSeq;
      const record: ActionRecord = {
        id, seq, type: action.type, mode: action.mode, account, action: actionJson(action), status: "queued", acceptedAt: new Date().toISOString(), attempts: 0,
      };
      const ops: Op[] = [put(keys.action(id), record), put(keys.queue(seq), id)];
      const fee = action.type === "post" && action.mode !== "batched" ? this.fees.accept(action) : undefined;
      if (fee !== undefined) ops.push(fee.op);
      fee?.commit();
      const pending: Pending = { record, action, signer, hold: holdOf(action, account, checked.key, checked.spend), written: false };
      this.pending.add(pending);
      if (action.type === "post" && action.mode !== "batched") this.remember(recovered.digest, action.signature, signer);
      const accepted = { ...record }; // as accepted: the submitter moves the live record on
      const written = this.store.write(ops).then(
        () => {
          pending.written = true;
        },
        (error: unknown) => {
          // Not on disk: not promised. What the account sent after it is rejected with it.
          const ops = this.reject(pending, "the relayer could not store it", false);
          void this.store.write(ops).catch(() => undefined);
          throw error;
        },
      );
      written.catch(() => undefined);
      return { record: accepted, written: written.then(() => undefined) };
    }
  }

  /** The pending form of a stored record (start-up, reorgs). */
  private restore(record: ActionRecord): Pending {
    const action = actionSchema.parse(record.action);
    const signer = signerOf(action, this.domain);
    const key = signer !== null && signer.toLowerCase() !== record.account.toLowerCase() ? signer : undefined;
    return { record, action, signer, hold: holdOf(action, record.account, key, spendOf(action)) };
  }

  /**
   * `p` is void (the chain skipped it, or it would): rejected with `reason`, and so is every later
   * queued action of its account, which depended on it (nonces, seqs, the voucher chain).
   */
  private reject(p: Pending, reason: string, byAccount: boolean): Op[] {
    const account = p.record.account;
    const victims = [p, ...this.pending.laterOf(account, p.record.seq)];
    const ops: Op[] = [];
    for (const v of victims) {
      this.pending.remove(v.record.id);
      v.record.status = "rejected";
      v.record.reason = v === p ? reason : `an earlier action of this account (${p.record.id}) was rejected: ${reason}`;
      ops.push(put(keys.action(v.record.id), v.record), del(keys.queue(v.record.seq)));
    }
    if (victims.some((v) => v.action.type === "post" && v.action.mode !== "batched")) {
      const left = [...this.pending.all()].filter((q) => q.record.account.toLowerCase() === account.toLowerCase() && q.action.type === "post" && q.action.mode !== "batched");
      const newest = left.at(-1)?.action;
      ops.push(...this.fees.rewind(account, newest?.type === "post" && newest.mode !== "batched" ? { seq: newest.message.seq, cumulativeFee: newest.message.cumulativeFee } : undefined));
    }
    if (byAccount && !SKIPS_NOT_THE_ACCOUNTS.test(reason)) this.reputation.strike(account, reason);
    this.view.drop(account);
    this.logger.info({ account, actions: victims.length, reason }, "relayer rejected accepted actions");
    return ops;
  }
}

/** What an action holds of its account's deposit while pending (anchored posts: counted by their fee state). */
function spendOf(action: Action): bigint {
  switch (action.type) {
    case "post":
      return action.mode === "batched" ? action.message.maxFee : 0n;
    case "tip":
      return action.message.amount;
    case "voucher":
      return action.tips.reduce((sum, t) => sum + t.amount, 0n);
  }
}

