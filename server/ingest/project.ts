/**
 * Protocol events -> the key/value changes they imply, with undo records: pure and synchronous.
 * Everything the projection reads is named by `keysToRead` and prefetched by the caller in one
 * `getMany`, so a whole block range is projected in memory and written in one atomic batch.
 */
import {
  ETH_ASSET,
  emptyAccount,
  emptyPostStats,
  emptyProtocol,
  emptyTotals,
  type AccountRecord,
  type Amounts,
  type PostRecord,
  type PostStats,
  type ProtocolEvent,
  type ProtocolRecord,
  type TipRecord,
  type TotalsRecord,
  type WithdrawalRecord,
} from "../domain.ts";
import { keys, positionPart } from "../store/keys.ts";

/** Marks a key deleted in `Projection.writes`. */
export const DELETED = Symbol("deleted");
export type Value = unknown;
/** One undo entry: put `previous` back, or delete the key when `previous` is null. */
export type UndoEntry = [key: string, previous: Value | null];

export interface Projection {
  /** The final value of every key the events change (DELETED = remove). */
  writes: Map<string, Value | typeof DELETED>;
  /** Per block (number) that asked for undo: how to restore every key it changed. */
  undo: Map<number, UndoEntry[]>;
}

/** The stored records the projection of `events` reads. */
export function keysToRead(events: readonly ProtocolEvent[]): Set<string> {
  const read = new Set<string>([keys.protocol, keys.totals]);
  for (const event of events) {
    switch (event.kind) {
      case "Posted":
        read.add(keys.account(event.author));
        if (event.parentId !== 0n) read.add(keys.postStats(event.parentId));
        break;
      case "Tipped":
        read.add(keys.postStats(event.postId));
        read.add(keys.account(event.author));
        read.add(keys.account(event.tipper));
        break;
      case "Withdrawn":
        read.add(keys.account(event.account));
        break;
      default:
        break;
    }
  }
  return read;
}

/**
 * Applies `events` (chain order) on top of `state` (the prefetched values of `keysToRead(events)`;
 * undefined = absent). Blocks numbered >= `undoFrom` get undo records.
 */
export function project(events: readonly ProtocolEvent[], state: ReadonlyMap<string, Value | undefined>, undoFrom: number): Projection {
  const working = new Working(state);
  for (const event of events) {
    const block = Number(event.blockNumber);
    working.startBlock(block, block >= undoFrom);
    apply(working, event);
  }
  return { writes: working.writes, undo: working.undo };
}

class Working {
  readonly writes = new Map<string, Value | typeof DELETED>();
  readonly undo = new Map<number, UndoEntry[]>();
  #blockUndo: Map<string, Value | null> | undefined;
  #block = -1;

  private readonly state: ReadonlyMap<string, Value | undefined>;

  constructor(state: ReadonlyMap<string, Value | undefined>) {
    this.state = state;
  }

  startBlock(block: number, keepUndo: boolean): void {
    if (block === this.#block) return;
    this.#block = block;
    this.#blockUndo = keepUndo ? new Map() : undefined;
    if (keepUndo) this.undo.set(block, []);
  }

  /** The current value of a prefetched key, or of one written earlier in this projection. */
  read<T>(key: string): T | undefined {
    if (this.writes.has(key)) {
      const value = this.writes.get(key);
      return value === DELETED ? undefined : (value as T);
    }
    if (!this.state.has(key)) throw new Error(`projection read ${key} without prefetching it (keysToRead is incomplete)`);
    return this.state.get(key) as T | undefined;
  }

  /** Writes `value`; `isNew` says the key cannot exist yet (a fresh id or chain position). */
  put(key: string, value: Value, isNew = false): void {
    this.#remember(key, isNew ? null : undefined);
    this.writes.set(key, value);
  }

  /** Deletes a key known to hold "" (the index keys). */
  deleteIndex(key: string): void {
    this.#remember(key, "");
    this.writes.set(key, DELETED);
  }

  #remember(key: string, knownPrevious: Value | null | undefined): void {
    const undo = this.#blockUndo;
    if (undo === undefined || undo.has(key)) return;
    let previous: Value | null;
    if (this.writes.has(key)) {
      const value = this.writes.get(key);
      previous = value === DELETED ? null : (value as Value);
    } else if (knownPrevious !== undefined) {
      previous = knownPrevious;
    } else {
      previous = (this.state.get(key) as Value | undefined) ?? null;
    }
    undo.set(key, previous);
    this.undo.get(this.#block)?.push([key, previous]);
  }
}

const add = (amounts: Amounts, asset: string, delta: bigint): Amounts => ({
  ...amounts,
  [asset]: (BigInt(amounts[asset] ?? "0") + delta).toString(),
});

function apply(w: Working, event: ProtocolEvent): void {
  const position = positionPart(event.blockNumber, event.logIndex);
  const where = { block: Number(event.blockNumber), logIndex: event.logIndex, txHash: event.txHash, timestamp: event.timestamp };
  const totals = w.read<TotalsRecord>(keys.totals) ?? emptyTotals();
  const protocol = w.read<ProtocolRecord>(keys.protocol) ?? emptyProtocol();
  const bump = (changes: Partial<TotalsRecord>) => {
    const next = { ...totals, events: totals.events + 1 };
    for (const [name, delta] of Object.entries(changes) as [keyof TotalsRecord, number][]) next[name] += delta;
    w.put(keys.totals, next);
  };
  const setProtocol = (changes: Partial<ProtocolRecord>) => w.put(keys.protocol, { ...protocol, ...changes });

  switch (event.kind) {
    case "Posted": {
      const post: PostRecord = {
        id: event.postId.toString(), author: event.author, parentId: event.parentId.toString(),
        fee: event.fee.toString(), content: event.content, mode: "direct", ...where,
      };
      w.put(keys.post(event.postId), post, true);
      w.put(keys.postStats(event.postId), emptyPostStats(), true);
      w.put(keys.authorPost(event.author, event.postId), "", true);
      const author = w.read<AccountRecord>(keys.account(event.author)) ?? emptyAccount();
      w.put(keys.account(event.author), { ...author, posts: author.posts + 1 });
      if (event.parentId !== 0n) {
        w.put(keys.reply(event.parentId, event.postId), "", true);
        const parent = w.read<PostStats>(keys.postStats(event.parentId)) ?? emptyPostStats();
        w.put(keys.postStats(event.parentId), { ...parent, replies: parent.replies + 1 });
      }
      if (event.fee !== 0n) setProtocol({ feesOwed: add(protocol.feesOwed, ETH_ASSET, event.fee) });
      bump({ posts: 1, replies: event.parentId === 0n ? 0 : 1 });
      return;
    }
    case "Tipped": {
      const share = event.amount - event.fee;
      const tip: TipRecord = {
        postId: event.postId.toString(), tipper: event.tipper, author: event.author, asset: event.asset,
        amount: event.amount.toString(), fee: event.fee.toString(), ...where,
      };
      w.put(keys.tip(position), tip, true);
      w.put(keys.postTip(event.postId, position), "", true);

      const stats = w.read<PostStats>(keys.postStats(event.postId)) ?? emptyPostStats();
      const oldTotal = BigInt(stats.totals[event.asset] ?? "0");
      w.put(keys.postStats(event.postId), { ...stats, tips: stats.tips + 1, totals: add(stats.totals, event.asset, event.amount) });
      if (oldTotal !== 0n) w.deleteIndex(keys.topPost(event.asset, oldTotal, event.postId));
      w.put(keys.topPost(event.asset, oldTotal + event.amount, event.postId), "", true);

      const author = w.read<AccountRecord>(keys.account(event.author)) ?? emptyAccount();
      const oldReceived = BigInt(author.received[event.asset] ?? "0");
      const nextAuthor = {
        ...author, tipsReceived: author.tipsReceived + 1,
        received: add(author.received, event.asset, share), owed: add(author.owed, event.asset, share),
      };
      w.put(keys.account(event.author), nextAuthor);
      if (share !== 0n) {
        if (oldReceived !== 0n) w.deleteIndex(keys.topAuthor(event.asset, oldReceived, event.author));
        w.put(keys.topAuthor(event.asset, oldReceived + share, event.author), "", true);
      }
      // Read after the author's write: the tipper may be the author.
      const tipper = w.read<AccountRecord>(keys.account(event.tipper)) ?? emptyAccount();
      w.put(keys.account(event.tipper), { ...tipper, tipsSent: tipper.tipsSent + 1, sent: add(tipper.sent, event.asset, event.amount) });
      if (event.fee !== 0n) setProtocol({ feesOwed: add(protocol.feesOwed, event.asset, event.fee) });
      bump({ tips: 1 });
      return;
    }
    case "Withdrawn": {
      const record: WithdrawalRecord = { account: event.account, asset: event.asset, to: event.to, amount: event.amount.toString(), fees: false, ...where };
      w.put(keys.withdrawal(position), record, true);
      const account = w.read<AccountRecord>(keys.account(event.account)) ?? emptyAccount();
      w.put(keys.account(event.account), {
        ...account, owed: add(account.owed, event.asset, -event.amount), withdrawn: add(account.withdrawn, event.asset, event.amount),
      });
      bump({ withdrawals: 1 });
      return;
    }
    case "FeesWithdrawn": {
      const record: WithdrawalRecord = { account: event.treasury, asset: event.asset, to: event.treasury, amount: event.amount.toString(), fees: true, ...where };
      w.put(keys.withdrawal(position), record, true);
      setProtocol({ feesOwed: add(protocol.feesOwed, event.asset, -event.amount) });
      bump({ withdrawals: 1 });
      return;
    }
    case "PostFeeSet":
      setProtocol({ postFee: event.newFee.toString() });
      break;
    case "TipFeeSet":
      setProtocol({ tipFeeBps: Number(event.newBps) });
      break;
    case "TreasurySet":
      setProtocol({ treasury: event.newTreasury });
      break;
    case "TokenAcceptanceSet": {
      const others = protocol.acceptedTokens.filter((token) => token !== event.token);
      setProtocol({ acceptedTokens: event.accepted ? [...others, event.token].sort() : others });
      break;
    }
    case "Paused":
      setProtocol({ paused: true });
      break;
    case "Unpaused":
      setProtocol({ paused: false });
      break;
  }
  bump({});
}
