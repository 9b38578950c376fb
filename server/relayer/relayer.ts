/**
 * The relayer: accepts signed actions, keeps them in a durable LevelDB queue, and carries them to
 * the chain exactly once.
 *
 * Durability. An action is written (`a!<id>` + `q!<seq>`) before `accept` returns, so a 202 answer
 * means it is on disk. A submission is written ahead (`s!<seq>`: the actions it carries, the
 * relayer nonce, every signed raw transaction) in the same LevelDB batch that marks its actions
 * `submitted`, and only then broadcast. After a crash, `start` resumes every `s!` record before
 * building anything new: it looks for a receipt of any of its transactions and otherwise broadcasts
 * the newest one again. One relayer nonce, one submission in flight: a submission can be mined at
 * most once, and nothing is lost between "written" and "mined".
 *
 * One transaction is in flight at a time (simple and safe; the chain's throughput per relayer key is
 * one transaction per block anyway on most chains). A transaction still pending after
 * `bumpAfterMs` is replaced with the same nonce and 25% higher fees.
 */
import { Level } from "level";
import type { Logger } from "pino";
import {
  encodeFunctionData,
  getAddress,
  parseEventLogs,
  toFunctionSelector,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/abi.ts";
import {
  buildAnchorTree,
  contentHash,
  encodeAnchorData,
  type AnchoredPost,
} from "../../lib/anchored.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import {
  ZERO_HASH,
  pennyPostDomain,
  type PennyPostDomain,
} from "../../lib/relayed.ts";
import type { AnchorDataSource } from "../domain.ts";
import { NonRetryableError } from "../errors.ts";
import { accountOf, actionSchema, assetOf, digestOf, signerOf, toJson, voucherExtends, type Action, type Mode } from "./actions.ts";

export const ETH: Address = "0x0000000000000000000000000000000000000000";
/** EIP-7825: no transaction may use more gas. */
export const TX_GAS_CAP = 1n << 24n;

export interface RelayerConfig {
  address: Address;
  chainId: number;
  privateKey: Hex;
  dataDir: string;
  batchMaxActions: number;
  batchIntervalMs: number;
  bumpAfterMs: number;
  /** Per account: actions per minute (token bucket), and most actions queued or submitted at once. */
  ratePerMinute: number;
  maxPending: number;
}

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
  txHash?: Hex;
  blockNumber?: number;
  postId?: string;
  reason?: string;
  attempts: number;
}

interface Submission {
  seq: number;
  kind: "batched" | "anchored-calldata" | "anchored-hash" | "voucher" | "fees";
  actionIds: string[];
  nonce: number;
  /** The call's data: re-signed as is when fees are bumped. */
  data: Hex;
  txs: Array<{ hash: Hex; raw: Hex; maxFeePerGas: string; maxPriorityFeePerGas: string }>;
  sentAt: number;
  /** Fees: the cumulative fee settled per author by this submission. */
  fees?: Array<{ author: Address; cumulativeFee: string }>;
}

/** The newest anchored post of an author the relayer has accepted, and the newest included. */
interface AnchoredFeeState {
  accepted: { seq: string; cumulativeFee: string };
  included?: { parentId: string; contentHash: Hex; seq: string; cumulativeFee: string; signature: Hex };
}

/** A check that failed: the HTTP layer turns it into problem+json. */
export class ActionRejected extends Error {
  readonly code: RelayProblem;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: RelayProblem, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = "ActionRejected";
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type RelayProblem =
  | "bad_signature" | "nonce_mismatch" | "expired" | "insufficient_deposit" | "session_expired" | "session_cap_exceeded"
  | "voucher_mismatch" | "fee_too_low" | "invalid_action" | "unknown_post" | "too_many_pending" | "rate_limited";

const pad = (n: number) => n.toString().padStart(16, "0");
const key = {
  action: (id: string) => `a!${id}`,
  queue: (seq: number) => `q!${pad(seq)}`,
  submission: (seq: number) => `s!${pad(seq)}`,
  data: (hash: Hex) => `d!${hash.toLowerCase()}`,
  anchored: (author: Address) => `n!${author.toLowerCase()}`,
  voucher: (tipper: Address, asset: Address) => `v!${tipper.toLowerCase()}!${asset.toLowerCase()}`,
  seq: "meta!seq",
};

/** Every PennyPost error by selector, to name a skip reason. */
const ERROR_NAMES = new Map(
  pennyPostAbi
    .filter((item) => item.type === "error")
    .map((item) => [toFunctionSelector(`${item.name}(${item.inputs.map((i) => i.type).join(",")})`), item.name] as const),
);

type Op = { type: "put"; key: string; value: string } | { type: "del"; key: string };
const put = (k: string, v: unknown): Op => ({ type: "put", key: k, value: JSON.stringify(toJson(v)) });

export class Relayer implements AnchorDataSource {
  readonly account: PrivateKeyAccount;
  readonly domain: PennyPostDomain;
  private readonly db: Level<string, string>;
  private seq = 0;
  /** Actions queued or submitted, by id: the pending view every check counts against. */
  private readonly pending = new Map<string, { record: ActionRecord; action: Action }>();
  private readonly buckets = new Map<Address, { tokens: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  /**
   * Serializes what reads and then writes the relayer's records (accepting an action, settling a
   * mined submission): each sees every earlier one's writes. Settling an anchored submission once
   * ran beside an accept and wrote an author's fee state back as it had read it, losing the
   * accepted post's seq and cumulative fee.
   */
  private exclusive: Promise<unknown> = Promise.resolve();

  private readonly config: RelayerConfig;
  private readonly client: PublicClient;
  private readonly logger: Logger;

  constructor(config: RelayerConfig, client: PublicClient, logger: Logger) {
    this.config = config;
    this.client = client;
    this.logger = logger;
    this.account = privateKeyToAccount(config.privateKey);
    this.domain = pennyPostDomain(config.chainId, config.address);
    this.db = new Level(config.dataDir);
  }

  get address(): Address {
    return this.account.address;
  }

  async open(): Promise<void> {
    await this.db.open();
    // A queue is only valid for the deployment it was built for: refuse another one's.
    const origin = `${this.config.chainId}:${this.config.address.toLowerCase()}`;
    const stored = await this.db.get("meta!origin");
    if (stored === undefined) await this.db.put("meta!origin", origin);
    else if (stored !== origin) {
      await this.db.close();
      throw new NonRetryableError(
        `the relayer's data in ${this.config.dataDir} is for ${stored} (chain:contract), not ${origin}: point RELAYER_DATA_DIR at a new directory, or delete that one if its queue is of a chain that no longer exists`,
      );
    }
    this.seq = Number((await this.db.get(key.seq)) ?? 0);
    for await (const [, value] of this.db.iterator({ gte: "a!", lt: "a!\xff" })) {
      const record = JSON.parse(value) as ActionRecord;
      if (record.status === "queued" || record.status === "submitted") {
        this.pending.set(record.id, { record, action: parseStored(record) });
      }
    }
  }

  /** Starts the submission loop, after resuming what a previous run left in flight. */
  start(): void {
    const tick = async () => {
      if (this.stopping) return;
      try {
        await this.step();
      } catch (error) {
        this.logger.warn({ err: error }, "relayer step failed; retrying");
      }
      if (!this.stopping) this.timer = setTimeout(() => void (this.running = tick()), this.config.batchIntervalMs);
    };
    this.running = tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    await this.exclusive.catch(() => undefined);
    await this.db.close();
  }

  /** Hash-mode batch data, for the indexer (AnchorDataSource). */
  async get(dataHash: Hex): Promise<Hex | undefined> {
    return (await this.db.get(key.data(dataHash))) as Hex | undefined;
  }

  async record(id: string): Promise<ActionRecord | undefined> {
    const value = await this.db.get(key.action(id));
    return value === undefined ? undefined : (JSON.parse(value) as ActionRecord);
  }

  /** What a client needs to build its next action (vouchers: in `asset`). */
  async accountState(account: Address, asset: Address = ETH) {
    const [nonce, deposit, paid] = await Promise.all([
      this.read<bigint>("nonces", [account]),
      this.read<bigint>("depositOf", [account, ETH]),
      this.read<bigint>("anchoredFeesPaid", [account]),
    ]);
    const anchored = await this.getJson<AnchoredFeeState>(key.anchored(account));
    const voucher = await this.voucherState(account, asset);
    return {
      account,
      relayer: this.address,
      nextNonce: (nonce + BigInt(this.pendingBatched(account))).toString(),
      nextSeq: (BigInt(anchored?.accepted.seq ?? "0") + 1n).toString(),
      cumulativeFee: anchored?.accepted.cumulativeFee ?? paid.toString(),
      depositEth: deposit.toString(),
      pendingSpendEth: this.pendingSpend(account, ETH).toString(),
      pending: this.pendingOf(account).length,
      voucher: { asset, cumulativeAmount: voucher.cumulativeAmount.toString(), tipsHash: voucher.tipsHash },
    };
  }

  /** The newest voucher state of `tipper` in `asset`: accepted by the relayer, else settled on chain. */
  async voucherState(tipper: Address, asset: Address): Promise<{ cumulativeAmount: bigint; tipsHash: Hex }> {
    const accepted = await this.getJson<{ cumulativeAmount: string; tipsHash: Hex }>(key.voucher(tipper, asset));
    if (accepted !== undefined) return { cumulativeAmount: BigInt(accepted.cumulativeAmount), tipsHash: accepted.tipsHash };
    const [settled, tipsHash] = await this.read<[bigint, Hex]>("voucherState", [tipper, asset]);
    return { cumulativeAmount: settled, tipsHash: settled === 0n ? ZERO_HASH : tipsHash };
  }

  /** Checks `action` and stores it; resolves once it is durably queued. */
  accept(action: Action): Promise<ActionRecord> {
    return this.inTurn(() => this.acceptNow(action));
  }

  /** Runs `task` once every earlier accept and settlement is done (see `exclusive`). */
  private inTurn<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async acceptNow(action: Action): Promise<ActionRecord> {
    const account = accountOf(action);
    this.takeToken(account);
    if (this.pendingOf(account).length >= this.config.maxPending) {
      throw new ActionRejected("too_many_pending", `${account} already has ${this.config.maxPending} actions waiting for the chain; retry when some are included`, 5);
    }
    const ops: Op[] = [];
    await this.check(action, account, ops);
    const id = crypto.randomUUID();
    const seq = ++this.seq;
    const record: ActionRecord = {
      id, seq, type: action.type, mode: action.mode, account, action: toJson(action), status: "queued", acceptedAt: new Date().toISOString(), attempts: 0,
    };
    await this.db.batch([...ops, put(key.action(id), record), { type: "put", key: key.queue(seq), value: id }, { type: "put", key: key.seq, value: String(seq) }]);
    this.pending.set(id, { record, action });
    return record;
  }

  private takeToken(account: Address): void {
    const now = Date.now();
    const capacity = this.config.ratePerMinute;
    const bucket = this.buckets.get(account) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * capacity) / 60_000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(account, bucket);
      throw new ActionRejected("rate_limited", `${account} sends more than ${capacity} actions per minute`, Math.ceil(((1 - bucket.tokens) * 60) / capacity));
    }
    bucket.tokens -= 1;
    this.buckets.set(account, bucket);
  }

  /** Every check the contract will make, off chain, against the chain and the pending queue. */
  private async check(action: Action, account: Address, ops: Op[]): Promise<void> {
    const asset = assetOf(action);
    const now = BigInt(Math.floor(Date.now() / 1000));
    let spend: bigint;
    switch (action.type) {
      case "post": {
        const length = new TextEncoder().encode(action.message.content).length;
        if (length === 0 || length > 1024) throw new ActionRejected("invalid_action", `content must be 1 to 1,024 UTF-8 bytes, it is ${length}`);
        const [fee, count] = await Promise.all([this.read<bigint>("postFee", []), this.read<bigint>("postCount", [])]);
        if (action.message.parentId > count) throw new ActionRejected("unknown_post", `there is no post ${action.message.parentId} to reply to`);
        if (action.mode === "batched") {
          const m = action.message;
          if (m.deadline <= now) throw new ActionRejected("expired", `the deadline ${m.deadline} has passed`);
          if (m.maxFee < fee) throw new ActionRejected("fee_too_low", `maxFee ${m.maxFee} is below the posting fee ${fee}`);
          await this.checkNonce(account, m.nonce);
          spend = fee;
        } else {
          const m = action.message;
          const state = await this.getJson<AnchoredFeeState>(key.anchored(account));
          const paid = await this.read<bigint>("anchoredFeesPaid", [account]);
          const lastSeq = BigInt(state?.accepted.seq ?? "0");
          const lastFee = BigInt(state?.accepted.cumulativeFee ?? paid.toString());
          if (m.seq !== lastSeq + 1n) throw new ActionRejected("nonce_mismatch", `seq must be ${lastSeq + 1n}, it is ${m.seq}`);
          if (m.cumulativeFee !== lastFee + fee) {
            throw new ActionRejected("fee_too_low", `cumulativeFee must be ${lastFee + fee} (the previous ${lastFee} plus the posting fee ${fee}), it is ${m.cumulativeFee}`);
          }
          spend = fee;
          ops.push(put(key.anchored(account), { ...state, accepted: { seq: m.seq, cumulativeFee: m.cumulativeFee } }));
        }
        break;
      }
      case "tip": {
        const m = action.message;
        if (m.deadline <= now) throw new ActionRejected("expired", `the deadline ${m.deadline} has passed`);
        if (m.amount === 0n) throw new ActionRejected("invalid_action", "a tip must be worth more than 0");
        const count = await this.read<bigint>("postCount", []);
        if (m.postId === 0n || m.postId > count) throw new ActionRejected("unknown_post", `there is no post ${m.postId}`);
        await this.checkNonce(account, m.nonce);
        spend = m.amount;
        break;
      }
      case "voucher": {
        const previous = await this.voucherState(account, asset);
        if (!voucherExtends(action, previous)) {
          throw new ActionRejected("voucher_mismatch", `the tips do not extend ${account}'s previous voucher (cumulative ${previous.cumulativeAmount}, hash ${previous.tipsHash}) to this one`);
        }
        const count = await this.read<bigint>("postCount", []);
        const unknown = action.tips.find((t) => t.postId > count);
        if (unknown !== undefined) throw new ActionRejected("unknown_post", `there is no post ${unknown.postId}`);
        spend = action.message.cumulativeAmount - previous.cumulativeAmount;
        ops.push(put(key.voucher(account, asset), { cumulativeAmount: action.message.cumulativeAmount, tipsHash: action.message.tipsHash }));
        break;
      }
    }
    const deposit = await this.read<bigint>("depositOf", [account, asset]);
    const pendingSpend = this.pendingSpend(account, asset) + (asset === ETH ? await this.anchoredUnpaid(account) : 0n);
    if (deposit < pendingSpend + spend) {
      throw new ActionRejected("insufficient_deposit", `${account} has ${deposit} in deposit, ${pendingSpend} is already pending, this needs ${spend} more`);
    }
    await this.checkSigner(action, account, asset, spend);
  }

  private async checkNonce(account: Address, nonce: bigint): Promise<void> {
    const expected = (await this.read<bigint>("nonces", [account])) + BigInt(this.pendingBatched(account));
    if (nonce !== expected) throw new ActionRejected("nonce_mismatch", `the nonce must be ${expected} (the chain's plus ${account}'s pending actions), it is ${nonce}`);
  }

  private async checkSigner(action: Action, account: Address, asset: Address, spend: bigint): Promise<void> {
    const signer = signerOf(action, this.domain);
    if (signer === account) return;
    if (signer !== null) {
      const [cap, spent, expiry] = await this.read<[bigint, bigint, bigint]>("session", [account, signer, asset]);
      if (expiry !== 0n) {
        if (BigInt(Math.floor(Date.now() / 1000)) > expiry) throw new ActionRejected("session_expired", `the session key ${signer} expired at ${expiry}`);
        const pendingBySigner = [...this.pending.values()]
          .filter((p) => p.record.account === account && assetOf(p.action) === asset && signerOf(p.action, this.domain) === signer)
          .reduce((sum, p) => sum + spendOf(p.action), 0n);
        if (spent + pendingBySigner + spend > cap) {
          throw new ActionRejected("session_cap_exceeded", `the session key ${signer} has spent ${spent} (and ${pendingBySigner} pending) of its cap ${cap}; ${spend} more would exceed it`);
        }
        return;
      }
    }
    const code = await this.client.getCode({ address: account });
    if (code !== undefined && code !== "0x") {
      const magic = await this.client
        .readContract({
          address: account,
          abi: [{ type: "function", name: "isValidSignature", stateMutability: "view", inputs: [{ type: "bytes32" }, { type: "bytes" }], outputs: [{ type: "bytes4" }] }],
          functionName: "isValidSignature",
          args: [digestOf(action, this.domain), action.signature],
        })
        .catch(() => undefined);
      if (magic === "0x1626ba7e") return;
    }
    throw new ActionRejected("bad_signature", `the signature is not ${account}'s, nor a live session key's of ${account} for this asset`);
  }

  /** Anchored posting fees accepted for `account` and not settled on chain yet. */
  private async anchoredUnpaid(account: Address): Promise<bigint> {
    const state = await this.getJson<AnchoredFeeState>(key.anchored(account));
    if (state === undefined) return 0n;
    const paid = await this.read<bigint>("anchoredFeesPaid", [account]);
    const owed = BigInt(state.accepted.cumulativeFee) - paid;
    return owed > 0n ? owed : 0n;
  }

  private pendingOf(account: Address) {
    return [...this.pending.values()].filter((p) => p.record.account === account);
  }

  private pendingBatched(account: Address): number {
    return this.pendingOf(account).filter((p) => p.record.mode === "batched").length;
  }

  private pendingSpend(account: Address, asset: Address): bigint {
    return this.pendingOf(account).filter((p) => assetOf(p.action) === asset).reduce((sum, p) => sum + spendOf(p.action), 0n);
  }

  private read<T>(functionName: string, args: readonly unknown[]): Promise<T> {
    return this.client.readContract({ address: this.config.address, abi: pennyPostAbi, functionName, args } as never) as Promise<T>;
  }

  private async getJson<T>(k: string): Promise<T | undefined> {
    const value = await this.db.get(k);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  // ---------------------------------------------------------------- submission

  /** One step: drive the submission in flight, or build the next one. */
  async step(): Promise<void> {
    const inFlight = await this.firstSubmission();
    if (inFlight !== undefined) {
      await this.drive(inFlight);
      return;
    }
    const next = await this.build();
    if (next !== undefined) await this.drive(next);
  }

  private async firstSubmission(): Promise<Submission | undefined> {
    for await (const [, value] of this.db.iterator({ gte: "s!", lt: "s!\xff", limit: 1 })) return JSON.parse(value) as Submission;
    return undefined;
  }

  /** Picks the next actions (oldest first, one kind per transaction), signs the transaction, writes it ahead. */
  private async build(): Promise<Submission | undefined> {
    const queued: Array<{ record: ActionRecord; action: Action }> = [];
    for await (const [, id] of this.db.iterator({ gte: "q!", lt: "q!\xff" })) {
      const entry = this.pending.get(id);
      if (entry !== undefined) queued.push(entry);
    }
    if (queued.length === 0) return this.buildFees();
    const kind = queued[0]!.record.mode;
    let chosen = queued.filter((q) => q.record.mode === kind);
    if (kind === "batched") {
      // Posts execute before tips in submitBatch: per account, stop at the first post after a tip.
      const sawTip = new Set<Address>();
      const blocked = new Set<Address>();
      chosen = chosen.filter(({ record, action }) => {
        if (blocked.has(record.account)) return false;
        if (action.type === "tip") sawTip.add(record.account);
        else if (sawTip.has(record.account)) {
          blocked.add(record.account);
          return false;
        }
        return true;
      });
    }
    chosen = chosen.slice(0, this.config.batchMaxActions);
    const { data, extra } = this.encode(kind, chosen.map((c) => c.action));
    const seq = ++this.seq;
    const submission = await this.sign({ seq, kind, actionIds: chosen.map((c) => c.record.id), nonce: -1, data, txs: [], sentAt: 0 });
    const ops: Op[] = [put(key.submission(seq), submission), { type: "put", key: key.seq, value: String(seq) }, ...extra];
    for (const { record } of chosen) {
      record.status = "submitted";
      record.txHash = submission.txs[0]!.hash;
      record.attempts += 1;
      ops.push(put(key.action(record.id), record), { type: "del", key: key.queue(record.seq) });
    }
    await this.db.batch(ops);
    this.logger.info({ kind, actions: chosen.length, nonce: submission.nonce, tx: submission.txs[0]!.hash }, "relayer submission written");
    return submission;
  }

  /** settleAnchoredFees for every author whose included anchored posts are not paid for yet. */
  private async buildFees(): Promise<Submission | undefined> {
    const items: Array<{ author: Address; parentId: bigint; contentHash: Hex; seq: bigint; cumulativeFee: bigint; signature: Hex }> = [];
    for await (const [k, value] of this.db.iterator({ gte: "n!", lt: "n!\xff" })) {
      const state = JSON.parse(value) as AnchoredFeeState;
      if (state.included === undefined) continue;
      const author = getAddress(k.slice(2));
      const paid = await this.read<bigint>("anchoredFeesPaid", [author]);
      if (BigInt(state.included.cumulativeFee) <= paid) continue;
      const i = state.included;
      items.push({ author, parentId: BigInt(i.parentId), contentHash: i.contentHash, seq: BigInt(i.seq), cumulativeFee: BigInt(i.cumulativeFee), signature: i.signature });
      if (items.length >= this.config.batchMaxActions) break;
    }
    if (items.length === 0) return undefined;
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "settleAnchoredFees", args: [items] });
    const seq = ++this.seq;
    const submission = await this.sign(
      { seq, kind: "fees", actionIds: [], nonce: -1, data, txs: [], sentAt: 0, fees: items.map((i) => ({ author: i.author, cumulativeFee: i.cumulativeFee.toString() })) },
    );
    await this.db.batch([put(key.submission(seq), submission), { type: "put", key: key.seq, value: String(seq) }]);
    return submission;
  }

  private encode(kind: Mode, actions: Action[]): { data: Hex; extra: Op[] } {
    if (kind === "batched") {
      const posts = actions.flatMap((a) => (a.type === "post" && a.mode === "batched" ? [{ ...a.message, signature: a.signature }] : []));
      const tips = actions.flatMap((a) => (a.type === "tip" ? [{ ...a.message, signature: a.signature }] : []));
      return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "submitBatch", args: [posts, tips] }), extra: [] };
    }
    if (kind === "voucher") {
      const vouchers = actions.flatMap((a) => (a.type === "voucher" ? [{ ...a.message, signature: a.signature, tips: a.tips }] : []));
      return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "settleVouchers", args: [vouchers] }), extra: [] };
    }
    const posts: AnchoredPost[] = actions.flatMap((a) => (a.type === "post" && a.mode !== "batched" ? [{ ...a.message, signature: a.signature }] : []));
    const root = buildAnchorTree(posts).root;
    const batchData = encodeAnchorData(posts);
    if (kind === "anchored-calldata") {
      return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "anchor", args: [root, BigInt(posts.length), batchData] }), extra: [] };
    }
    const dataHash = keccakHex(hexBytes(batchData));
    return {
      data: encodeFunctionData({ abi: pennyPostAbi, functionName: "anchorHash", args: [root, BigInt(posts.length), dataHash] }),
      // Kept before the transaction exists: the indexer needs it as soon as the anchor is mined.
      extra: [{ type: "put", key: key.data(dataHash), value: batchData }],
    };
  }

  /** Signs (or re-signs with higher fees, same nonce) the submission's transaction. */
  private async sign(submission: Submission, bump = false): Promise<Submission> {
    const data = submission.data;
    if (submission.nonce < 0) submission.nonce = await this.client.getTransactionCount({ address: this.address, blockTag: "pending" });
    const fees = await this.client.estimateFeesPerGas();
    let maxFeePerGas = fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    const last = submission.txs.at(-1);
    if (bump && last !== undefined) {
      const raise = (old: string, now: bigint) => (BigInt(old) * 5n) / 4n + 1n > now ? (BigInt(old) * 5n) / 4n + 1n : now;
      maxFeePerGas = raise(last.maxFeePerGas, maxFeePerGas);
      maxPriorityFeePerGas = raise(last.maxPriorityFeePerGas, maxPriorityFeePerGas);
    }
    const estimate = await this.client.estimateGas({ account: this.address, to: this.config.address, data });
    const gas = (estimate * 6n) / 5n > TX_GAS_CAP ? TX_GAS_CAP : (estimate * 6n) / 5n;
    const raw = await this.account.signTransaction({
      type: "eip1559", chainId: this.config.chainId, nonce: submission.nonce, to: this.config.address, data, gas, maxFeePerGas, maxPriorityFeePerGas,
    });
    submission.txs.push({ hash: keccakHex(hexBytes(raw)), raw, maxFeePerGas: maxFeePerGas.toString(), maxPriorityFeePerGas: maxPriorityFeePerGas.toString() });
    submission.sentAt = Date.now();
    return submission;
  }

  /** Broadcasts (again) and waits a little for a receipt; settles the submission once mined. */
  private async drive(submission: Submission): Promise<void> {
    const latest = submission.txs.at(-1)!;
    for (const tx of submission.txs) {
      const receipt = await this.client.getTransactionReceipt({ hash: tx.hash }).catch(() => undefined);
      if (receipt !== undefined) return this.inTurn(() => this.settle(submission, receipt));
    }
    await this.client.sendRawTransaction({ serializedTransaction: latest.raw }).catch((error: unknown) => {
      // "already known" or "nonce too low" (mined meanwhile): the receipt check decides.
      this.logger.debug({ err: error, tx: latest.hash }, "broadcast refused");
    });
    const receipt = await this.client.waitForTransactionReceipt({ hash: latest.hash, timeout: Math.max(1_000, this.config.bumpAfterMs), pollingInterval: 50 }).catch(() => undefined);
    if (receipt !== undefined) return this.inTurn(() => this.settle(submission, receipt));
    if (Date.now() - submission.sentAt >= this.config.bumpAfterMs) {
      const bumped = await this.sign(submission, true);
      await this.db.put(key.submission(submission.seq), JSON.stringify(toJson(bumped)));
      this.logger.info({ nonce: bumped.nonce, tx: bumped.txs.at(-1)!.hash }, "relayer transaction replaced with higher fees");
    }
  }

  /** A submission was mined: every action it carried becomes included or rejected, in one batch. */
  private async settle(submission: Submission, receipt: TransactionReceipt): Promise<void> {
    const ops: Op[] = [{ type: "del", key: key.submission(submission.seq) }];
    const entries = submission.actionIds.map((id) => this.pending.get(id)).filter((e) => e !== undefined);
    const done = (record: ActionRecord, status: ActionStatus, extra: Partial<ActionRecord> = {}) => {
      Object.assign(record, { status, txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, extra);
      ops.push(put(key.action(record.id), record));
    };
    if (receipt.status !== "success") {
      for (const { record } of entries) {
        if (record.attempts < 3) {
          record.status = "queued";
          ops.push(put(key.action(record.id), record), { type: "put", key: key.queue(record.seq), value: record.id });
        } else done(record, "rejected", { reason: "the batch transaction reverted three times" });
      }
    } else {
      const logs = parseEventLogs({ abi: pennyPostAbi, logs: receipt.logs });
      if (submission.kind === "batched" || submission.kind === "voucher") {
        // Items run in order (posts, then tips; vouchers in order): each emits its event or ActionSkipped.
        const outcomes = logs.filter((l) => ["Posted", "Tipped", "ActionSkipped", "VoucherSettled"].includes(l.eventName));
        const ordered = submission.kind === "batched"
          ? [...entries.filter((e) => e.action.type === "post"), ...entries.filter((e) => e.action.type === "tip")]
          : entries;
        let at = 0;
        for (const { record, action } of ordered) {
          const log = outcomes[at++];
          if (log?.eventName === "ActionSkipped") {
            done(record, "rejected", { reason: ERROR_NAMES.get(log.args.reason) ?? log.args.reason });
          } else if (log?.eventName === "Posted") {
            done(record, "included", { postId: log.args.postId.toString() });
          } else if (log?.eventName === "Tipped" && action.type === "voucher") {
            at += action.tips.length; // the voucher's Tipped events, then its VoucherSettled
            done(record, "included");
          } else {
            done(record, "included");
          }
        }
      } else if (submission.kind === "fees") {
        // nothing to mark: the fee records say what is paid, and the chain now agrees
      } else {
        const anchored = logs.find((l) => l.eventName === "Anchored");
        const first = anchored?.eventName === "Anchored" ? anchored.args.firstPostId : 0n;
        // The newest included post of each author is what settleAnchoredFees will present.
        const states = new Map<string, AnchoredFeeState>();
        for (const [i, { record, action }] of entries.entries()) {
          done(record, "included", { postId: (first + BigInt(i)).toString() });
          if (action.type !== "post" || action.mode === "batched") continue;
          const k = key.anchored(record.account);
          const state = states.get(k) ?? (await this.getJson<AnchoredFeeState>(k)) ?? { accepted: { seq: action.message.seq.toString(), cumulativeFee: action.message.cumulativeFee.toString() } };
          if (state.included === undefined || BigInt(state.included.seq) < action.message.seq) {
            state.included = {
              parentId: action.message.parentId.toString(), contentHash: contentHash(action.message.content), seq: action.message.seq.toString(),
              cumulativeFee: action.message.cumulativeFee.toString(), signature: action.signature,
            };
          }
          states.set(k, state);
        }
        for (const [k, state] of states) ops.push(put(k, state));
      }
    }
    await this.db.batch(ops);
    for (const { record } of entries) if (record.status === "included" || record.status === "rejected") this.pending.delete(record.id);
    this.logger.info({ kind: submission.kind, tx: receipt.transactionHash, block: Number(receipt.blockNumber), status: receipt.status }, "relayer submission mined");
  }
}

function spendOf(action: Action): bigint {
  switch (action.type) {
    case "post":
      // batched: maxFee bounds what the fee can be; anchored posts are counted by anchoredUnpaid
      return action.mode === "batched" ? action.message.maxFee : 0n;
    case "tip":
      return action.message.amount;
    case "voucher":
      return action.tips.reduce((sum, t) => sum + t.amount, 0n);
  }
}

function parseStored(record: ActionRecord): Action {
  return actionSchema.parse(record.action);
}
