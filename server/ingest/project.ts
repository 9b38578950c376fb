/**
 * Protocol events -> the key/value changes they imply, with undo records: synchronous, and pure
 * but for `load`, which reads a stored record (the ingestor's cache, then LevelDB's synchronous
 * get). A whole block range is projected in memory and written in one atomic batch.
 *
 * Hot path: records are updated in place (one object per key per range), and copied only when a
 * block inside the reorg window needs the previous value for its undo record.
 */
import {
  ETH_ASSET,
  emptyAccount,
  emptyPostStats,
  emptyProtocol,
  emptyTotals,
  type AccountRecord,
  type AnchoredFeesRecord,
  type AnchoredPostRecord,
  type Amounts,
  type BatchRecord,
  type PostRecord,
  type PostStats,
  type ProtocolEvent,
  type ProtocolRecord,
  type SessionRecord,
  type TipRecord,
  type TotalsRecord,
  type WithdrawalRecord,
} from "../domain.ts";
import { keys, memo, positionPart } from "../store/keys.ts";
import { emptyLeaderboard, merge } from "./leaderboard.ts";

/** Marks a key deleted in `Projection.writes`. */
export const DELETED = Symbol("deleted");
export type Value = unknown;
/** One undo entry: put `previous` back, or delete the key when `previous` is null. */
export type UndoEntry = [key: string, previous: Value | null];

export interface Projection {
  /** The final value of every record the events change (DELETED = remove). */
  writes: Map<string, Value | typeof DELETED>;
  /** Records known not to exist after these events unless `writes` has them (a new post's stats). */
  absent: Set<string>;
  /** Per block (number) that asked for undo: how to restore every key it changed. */
  undo: Map<number, UndoEntry[]>;
}

/** Reads the stored value of a record key (undefined = absent), as it was before these events. */
export type Load = (key: string) => Value | undefined;
/**
 * Receives each key the events create (posts, tips, index entries: fresh ids and chain positions,
 * never read back by the projection) with its value serialized as JSON, as soon as it is made:
 * serialized once, these skip the record maps entirely (the ingestor puts them in its open batch).
 */
export type Create = (key: string, json: string) => void;

/**
 * Applies `events` (chain order) on top of the stored records `load` reads (each record at most
 * once); created keys go to `created` as they are made. Blocks numbered >= `undoFrom` get undo records.
 */
export function project(events: readonly ProtocolEvent[], load: Load, undoFrom: number, created: Create): Projection {
  const working = new Working(load, created);
  let blockNumber: bigint | undefined;
  for (const event of events) {
    if (event.blockNumber !== blockNumber) {
      blockNumber = event.blockNumber;
      const block = Number(blockNumber);
      working.startBlock(block, block >= undoFrom);
    }
    apply(working, event);
  }
  working.mergeOffers();
  return { writes: working.writes, absent: working.absent, undo: working.undo };
}

const EMPTY_JSON = JSON.stringify("");

const clone = <T>(value: T): T => (typeof value === "object" && value !== null ? structuredClone(value) : value);

class Working {
  readonly writes = new Map<string, Value | typeof DELETED>();
  readonly absent = new Set<string>();
  readonly undo = new Map<number, UndoEntry[]>();
  #blockUndo: Set<string> | undefined;
  #blockEntries: UndoEntry[] | undefined;
  #block = -1;
  readonly #offers = new Map<string, Map<string, bigint>>();
  #totals: TotalsRecord | undefined;
  #protocol: ProtocolRecord | undefined;
  private readonly load: Load;
  private readonly created: Create;

  constructor(load: Load, created: Create) {
    this.load = load;
    this.created = created;
  }

  /** The number of the block whose events are being applied. */
  get block(): number {
    return this.#block;
  }

  startBlock(block: number, keepUndo: boolean): void {
    if (block === this.#block) return;
    // A block inside the reorg window: its leaderboard changes are merged under its own undo entry,
    // and its first change of the global records goes through record() for theirs.
    if (this.#blockUndo !== undefined || keepUndo) this.mergeOffers();
    if (keepUndo) this.#totals = this.#protocol = undefined;
    this.#block = block;
    this.#blockUndo = keepUndo ? new Set() : undefined;
    this.#blockEntries = keepUndo ? [] : undefined;
    if (this.#blockEntries !== undefined) this.undo.set(block, this.#blockEntries);
  }

  /** The value of `key` before this range changed it (undefined = absent). */
  #stored(key: string): Value | undefined {
    return this.absent.has(key) ? undefined : this.load(key);
  }

  #current(key: string): Value | undefined {
    const written = this.writes.get(key);
    if (written === undefined) return this.#stored(key);
    return written === DELETED ? undefined : written;
  }

  /** The record at `key` (or a new one from `empty`), to be changed in place. */
  record<T extends object>(key: string, empty: () => T): T {
    const written = this.writes.get(key);
    const current = (written === undefined ? this.#stored(key) : written === DELETED ? undefined : written) as T | undefined;
    if (this.#needsUndo(key)) this.#remember(key, current === undefined ? null : clone(current));
    if (current !== undefined) {
      if (written === undefined) this.writes.set(key, current);
      return current;
    }
    const record = empty();
    this.writes.set(key, record);
    return record;
  }

  /** `id`'s total on the leaderboard at `board` is now `total`: merged at the end of the block range (see leaderboard.ts). */
  offer(board: string, id: string, total: bigint): void {
    let offers = this.#offers.get(board);
    if (offers === undefined) this.#offers.set(board, (offers = new Map()));
    offers.set(id, total);
  }

  mergeOffers(): void {
    for (const [board, offers] of this.#offers) merge(this.record(board, emptyLeaderboard), offers);
    this.#offers.clear();
  }

  /** The global counters, to be changed in place (record(), then kept at hand: every event changes them). */
  totals(): TotalsRecord {
    return (this.#totals ??= this.record(keys.totals, emptyTotals));
  }

  /** The protocol record (fees owed, settings), likewise. */
  protocol(): ProtocolRecord {
    return (this.#protocol ??= this.record(keys.protocol, emptyProtocol));
  }

  /** The value at `key`, read only (not to be changed). */
  read<T>(key: string): T | undefined {
    return this.#current(key) as T | undefined;
  }

  /** Writes a key that cannot exist yet (a fresh id or chain position); `json` is the value serialized, when the caller has it. */
  create(key: string, value: Value, json: string = JSON.stringify(value)): void {
    if (this.#needsUndo(key)) this.#remember(key, null);
    this.created(key, json);
  }

  /** Writes an index key (its value is the empty string). */
  createIndex(key: string): void {
    if (this.#needsUndo(key)) this.#remember(key, null);
    this.created(key, EMPTY_JSON);
  }

  /** `key` (a record) does not exist unless these events write it. */
  knownAbsent(key: string): void {
    this.absent.add(key);
  }

  /** Deletes a record key (its previous value is remembered for undo). */
  remove(key: string): void {
    const current = this.#current(key);
    if (this.#needsUndo(key)) this.#remember(key, current === undefined ? null : clone(current));
    this.writes.set(key, DELETED);
  }

  /** Inside the reorg window, the first change of a key in a block records its previous value. */
  #needsUndo(key: string): boolean {
    return this.#blockUndo !== undefined && !this.#blockUndo.has(key);
  }

  #remember(key: string, previous: Value | null): void {
    (this.#blockUndo as Set<string>).add(key);
    (this.#blockEntries as UndoEntry[]).push([key, previous]);
  }
}

/**
 * A factory of new post counters with a zero total in `asset` already there: adding a property to
 * an empty object takes V8's slow path (measured ~5x the cost of copying a shaped one), and every
 * first tip of a post made one.
 */
const emptyPostStatsIn = memo((asset: string): (() => PostStats) => {
  const shaped: Amounts = { [asset]: "0" };
  return () => ({ replies: 0, tips: 0, totals: { ...shaped } });
}, 1_000);

/** Adds `delta` to the amount of `asset` and returns the new amount. */
function add(amounts: Amounts, asset: string, delta: bigint): bigint {
  const sum = BigInt(amounts[asset] ?? "0") + delta;
  amounts[asset] = sum.toString();
  return sum;
}

/*
 * JSON.stringify of the two records every post and tip creates, written out: about twice as fast on
 * the hot path. Every string field but `content` is decimal, hex or a fixed word, which JSON needs
 * no escaping for. test/indexer/records.test.ts checks both against JSON.stringify; a field added to
 * PostRecord or TipRecord must be added here too (that test's full records make it fail until it is).
 */
export const postJson = (p: PostRecord): string =>
  `{"id":"${p.id}","author":"${p.author}","parentId":"${p.parentId}","fee":"${p.fee}","content":${JSON.stringify(p.content)},"mode":"${p.mode}",` +
  `"block":${p.block},"logIndex":${p.logIndex},"txHash":"${p.txHash}","timestamp":${p.timestamp}}`;
export const tipJson = (t: TipRecord): string =>
  `{"postId":"${t.postId}","tipper":"${t.tipper}","author":"${t.author}","asset":"${t.asset}","amount":"${t.amount}","fee":"${t.fee}","mode":"${t.mode}",` +
  `"block":${t.block},"logIndex":${t.logIndex},"txHash":"${t.txHash}","timestamp":${t.timestamp}}`;

/** Where an event is on the chain, as records store it. */
const where = (event: ProtocolEvent) => ({ block: Number(event.blockNumber), logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp });

function apply(w: Working, event: ProtocolEvent): void {
  const totals = w.totals();
  totals.events += 1;

  switch (event.kind) {
    case "Posted": {
      const post: PostRecord = {
        id: event.postId.toString(), author: event.author, parentId: event.parentId.toString(),
        fee: event.fee.toString(), content: event.content, mode: event.relayer === undefined ? "direct" : "batched",
        block: w.block, logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp,
      };
      // No stats record yet: readers treat a missing one as empty (one write less per post).
      w.create(keys.post(post.id), post, postJson(post));
      w.knownAbsent(keys.postStats(post.id));
      w.createIndex(keys.authorPost(event.author, post.id));
      w.record(keys.account(event.author), emptyAccount).posts += 1;
      if (event.parentId !== 0n) {
        w.createIndex(keys.reply(event.parentId, event.postId));
        w.record(keys.postStats(event.parentId), emptyPostStats).replies += 1;
        totals.replies += 1;
      }
      // A batched post's fee is credited to the relayer that submitted it, not to the treasury.
      if (event.fee !== 0n) {
        if (event.relayer === undefined) add(w.protocol().feesOwed, ETH_ASSET, event.fee);
        else add(w.record(keys.account(event.relayer), emptyAccount).owed, ETH_ASSET, event.fee);
      }
      totals.posts += 1;
      return;
    }
    case "Tipped": {
      const position = positionPart(w.block, event.logIndex);
      const share = event.amount - event.fee;
      const tip: TipRecord = {
        postId: event.postId.toString(), tipper: event.tipper, author: event.author, asset: event.asset,
        amount: event.amount.toString(), fee: event.fee.toString(), mode: event.mode ?? "direct",
        block: w.block, logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp,
      };
      w.create(keys.postTip(tip.postId, position), tip, tipJson(tip));

      const stats = w.record<PostStats>(keys.postStats(tip.postId), emptyPostStatsIn(event.asset));
      stats.tips += 1;
      const total = add(stats.totals, event.asset, event.amount);
      w.offer(keys.topPosts(event.asset), tip.postId, total);

      const author = w.record<AccountRecord>(keys.account(event.author), emptyAccount);
      author.tipsReceived += 1;
      const received = add(author.received, event.asset, share);
      add(author.owed, event.asset, share);
      if (share !== 0n) w.offer(keys.topAuthors(event.asset), event.author, received);
      // The tipper may be the author: the same record object then, updated in place.
      const tipper = w.record<AccountRecord>(keys.account(event.tipper), emptyAccount);
      tipper.tipsSent += 1;
      add(tipper.sent, event.asset, event.amount);
      if (event.fee !== 0n) add(w.protocol().feesOwed, event.asset, event.fee);
      totals.tips += 1;
      return;
    }
    case "Withdrawn": {
      const record: WithdrawalRecord = { account: event.account, asset: event.asset, to: event.to, amount: event.amount.toString(), fees: false, ...where(event) };
      w.create(keys.withdrawal(positionPart(event.blockNumber, event.logIndex)), record);
      const account = w.record<AccountRecord>(keys.account(event.account), emptyAccount);
      add(account.owed, event.asset, -event.amount);
      add(account.withdrawn, event.asset, event.amount);
      totals.withdrawals += 1;
      return;
    }
    case "FeesWithdrawn": {
      const record: WithdrawalRecord = { account: event.treasury, asset: event.asset, to: event.treasury, amount: event.amount.toString(), fees: true, ...where(event) };
      w.create(keys.withdrawal(positionPart(event.blockNumber, event.logIndex)), record);
      add(w.protocol().feesOwed, event.asset, -event.amount);
      totals.withdrawals += 1;
      return;
    }
    case "Anchored":
      applyAnchored(w, event, totals);
      return;
    case "AnchoredFeesSettled":
      add(w.record<AccountRecord>(keys.account(event.sequencer), emptyAccount).owed, ETH_ASSET, event.amount);
      return;
    case "SessionAuthorized":
      if (event.asset === ETH_ASSET) Object.assign(w.record<SessionRecord>(keys.session(event.account, event.key), () => ({ cap: "0", expiry: "0" })), { cap: event.cap.toString(), expiry: event.expiry.toString() });
      return;
    case "SessionRevoked":
      if (event.asset === ETH_ASSET) w.remove(keys.session(event.account, event.key));
      return;
    case "Deposited":
    case "DepositWithdrawalRequested":
    case "DepositWithdrawalCancelled":
    case "DepositWithdrawn":
    case "NoncesCancelled":
    case "ActionSkipped":
    case "BatchSubmitted":
    case "VoucherSettled":
    case "SequencerSet":
      return; // counted in totals.events; nothing the read API serves depends on them
    default:
      applyAdmin(w.protocol(), event);
  }
}

/** A reply to an earlier post (anchored posts are not checked on chain: a later or own id is no reply). */
const isReply = (parentId: bigint, postId: bigint): boolean => parentId !== 0n && parentId < postId;

/**
 * An anchored batch: its record (`ab!`), and when its data checked out, each post like a direct one
 * (feeds, author, replies, counters). A post whose signature is neither the author's nor a session
 * key's the author authorized for ETH, live at the anchor's block time, is stored under `px!` only.
 */
function applyAnchored(w: Working, event: ProtocolEvent & { kind: "Anchored" }, totals: TotalsRecord): void {
  const resolved = event.resolved;
  if (resolved === undefined) throw new Error(`anchored batch ${event.batchId} reached ingest unresolved (call resolveAnchors first)`);
  const batch: BatchRecord = {
    batchId: event.batchId.toString(), sequencer: event.sequencer, root: event.root, firstPostId: event.firstPostId.toString(),
    count: event.count.toString(), dataHash: event.dataHash, mode: resolved.mode, status: resolved.status,
    reason: resolved.status === "invalid" ? resolved.reason : null, posts: 0, hidden: 0, replays: [], leaves: resolved.status === "valid" ? resolved.leaves : [],
    block: Number(event.blockNumber), logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp,
  };
  if (resolved.status === "valid") {
    const time = BigInt(event.timestamp);
    for (const [i, signed] of resolved.posts.entries()) {
      const postId = event.firstPostId + BigInt(i);
      let signatureValid = signed.signer === signed.author;
      if (!signatureValid && signed.signer !== null) {
        const session = w.read<SessionRecord>(keys.session(signed.author, signed.signer));
        signatureValid = session !== undefined && time <= BigInt(session.expiry);
      }
      const post: AnchoredPostRecord = {
        id: postId.toString(), author: signed.author, parentId: signed.parentId.toString(), fee: "0", content: signed.content,
        mode: resolved.mode, batchId: batch.batchId, leafIndex: i, signatureValid, signer: signed.signer,
        signed: { seq: signed.seq.toString(), cumulativeFee: signed.cumulativeFee.toString(), signature: signed.signature },
        block: batch.block, logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp,
      };
      if (!signatureValid) {
        w.create(keys.hiddenPost(postId), post);
        batch.hidden += 1;
        continue;
      }
      // A signed post is (author, seq): a copy the sequencer anchors again, in this batch or a later
      // one, is a replay. It is served by id, flagged, and counts nowhere.
      const seqKey = keys.anchoredSeq(signed.author, signed.seq);
      const first = w.read<{ postId: string }>(seqKey);
      if (first !== undefined) {
        post.replayOf = first.postId;
        w.create(keys.hiddenPost(postId), post);
        (batch.replays ??= []).push({ postId: post.id, replayOf: first.postId });
        continue;
      }
      w.record(seqKey, () => ({ postId: post.id }));
      // What the author paid for this post: its running total minus that of the author's previous
      // anchored post (0 before the first). A total that does not grow costs nothing and moves nothing.
      const fees = w.record<AnchoredFeesRecord>(keys.anchoredFees(signed.author), () => ({ cumulativeFee: "0" }));
      const previous = BigInt(fees.cumulativeFee);
      if (signed.cumulativeFee > previous) {
        post.fee = (signed.cumulativeFee - previous).toString();
        fees.cumulativeFee = signed.cumulativeFee.toString();
      }
      w.create(keys.post(postId), post);
      w.knownAbsent(keys.postStats(postId));
      w.createIndex(keys.authorPost(signed.author, postId));
      w.record(keys.account(signed.author), emptyAccount).posts += 1;
      if (isReply(signed.parentId, postId)) {
        w.createIndex(keys.reply(signed.parentId, postId));
        w.record(keys.postStats(signed.parentId), emptyPostStats).replies += 1;
        totals.replies += 1;
      }
      totals.posts += 1;
      batch.posts += 1;
    }
  }
  w.create(keys.batch(event.batchId), batch);
  w.createIndex(keys.batchByFirstPost(event.firstPostId, event.batchId));
}

function applyAdmin(protocol: ProtocolRecord, event: ProtocolEvent): void {
  switch (event.kind) {
    case "PostFeeSet":
      protocol.postFee = event.newFee.toString();
      break;
    case "TipFeeSet":
      protocol.tipFeeBps = Number(event.newBps);
      break;
    case "TreasurySet":
      protocol.treasury = event.newTreasury;
      break;
    case "TokenAcceptanceSet": {
      const others = protocol.acceptedTokens.filter((token) => token !== event.token);
      protocol.acceptedTokens = event.accepted ? [...others, event.token].sort() : others;
      break;
    }
    case "Paused":
      protocol.paused = true;
      break;
    case "Unpaused":
      protocol.paused = false;
      break;
    default:
      break;
  }
}
