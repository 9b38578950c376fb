/**
 * The relayer's view of the chain: PennyPost's state for each account it checks actions against,
 * read once and then kept current by the chain's events instead of read per action.
 *
 * Every value is read at one block, the view's `head`, which only the watcher (confirm.ts) moves. An
 * account's snapshot is a set of values read lazily at the block of its creation; a log naming the
 * account (any address-shaped indexed topic), or the settlement of one of its actions, drops the
 * snapshot, and the next check reads it again at the new head. The watcher drops snapshots and
 * releases the settled actions' reservations (reservations.ts) in one synchronous step, so a check
 * that finds its snapshot still current when it reserves sees the chain and the reservations at the
 * same moment: an action is counted once, either on chain or reserved, never both or neither.
 */
import { BaseError, ContractFunctionRevertedError, type Address, type Hex, type PublicClient } from "viem";

const ZERO: Address = "0x0000000000000000000000000000000000000000";

import { pennyPostAbi } from "../../lib/generated/abi.ts";

export interface Session {
  cap: bigint;
  spent: bigint;
  expiry: bigint;
}

export interface Globals {
  block: bigint;
  timestamp: bigint;
  postFee: bigint;
  postCount: bigint;
}

const ERC1271_ABI = [
  { type: "function", name: "isValidSignature", stateMutability: "view", inputs: [{ type: "bytes32" }, { type: "bytes" }], outputs: [{ type: "bytes4" }] },
] as const;
const ERC1271_MAGIC = "0x1626ba7e";

/** One account's values at one block. `current` turns false when the account changes on chain. */
export class AccountSnapshot {
  current = true;
  private readonly values = new Map<string, Promise<unknown>>();
  readonly account: Address;
  readonly block: bigint;
  private readonly view: ChainView;
  constructor(account: Address, block: bigint, view: ChainView) {
    this.account = account;
    this.block = block;
    this.view = view;
  }

  private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.values.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = load();
      this.values.set(key, value);
      // A failed read is not remembered: the next check asks again.
      value.catch(() => this.values.delete(key));
    }
    return value;
  }

  nonce = (): Promise<bigint> => this.memo("nonce", () => this.view.read("nonces", [this.account], this.block));
  anchoredFeesPaid = (): Promise<bigint> => this.memo("paid", () => this.view.read("anchoredFeesPaid", [this.account], this.block));
  deposit = (asset: Address): Promise<bigint> => this.memo(`d${asset}`, () => this.view.read("depositOf", [this.account, asset], this.block));
  voucher = (asset: Address): Promise<{ settled: bigint; tipsHash: Hex }> =>
    this.memo(`v${asset}`, async () => {
      const [settled, tipsHash] = await this.view.read<[bigint, Hex]>("voucherState", [this.account, asset], this.block);
      return { settled, tipsHash };
    });
  session = (key: Address, asset: Address): Promise<Session> =>
    this.memo(`s${key}${asset}`, async () => {
      const [cap, spent, expiry] = await this.view.read<[bigint, bigint, bigint]>("session", [this.account, key, asset], this.block);
      return { cap, spent, expiry };
    });
  isContract = (): Promise<boolean> =>
    this.memo("code", async () => {
      const code = await this.view.client.getCode({ address: this.account, blockNumber: this.block });
      return code !== undefined && code !== "0x";
    });

  /**
   * ERC-1271, as the contract asks it: `eth_call` with the gas a batch gives the check at most.
   * A wallet can still answer otherwise inside the batch (it sees other state); the reputation of
   * accounts whose accepted actions the chain skips (reputation.ts) bounds what that costs.
   */
  async erc1271(digest: Hex, signature: Hex, gas: bigint): Promise<boolean> {
    const magic = await this.view.client
      .readContract({ address: this.account, abi: ERC1271_ABI, functionName: "isValidSignature", args: [digest, signature], blockNumber: this.block, gas } as never)
      .catch(() => undefined);
    return magic === ERC1271_MAGIC;
  }
}

export class ChainView {
  /** By lowercase address. */
  private readonly snapshots = new Map<Address, AccountSnapshot>();
  private readonly authors = new Map<bigint, Address>();
  private globalsValue: Globals | undefined;

  readonly client: PublicClient;
  private readonly contract: Address;
  constructor(client: PublicClient, contract: Address) {
    this.client = client;
    this.contract = contract;
  }

  /** The block every snapshot is read at; undefined until the watcher's first step. */
  get globals(): Globals | undefined {
    return this.globalsValue;
  }

  read<T>(functionName: string, args: readonly unknown[], blockNumber: bigint): Promise<T> {
    return this.client.readContract({ address: this.contract, abi: pennyPostAbi, functionName, args, blockNumber } as never) as Promise<T>;
  }

  /** The snapshot checks use now (a new one, at the head, after the account changed). */
  snapshot(account: Address): AccountSnapshot {
    const globals = this.globalsValue;
    if (globals === undefined) throw new Error("the chain view has no head yet");
    const key = account.toLowerCase() as Address;
    let snapshot = this.snapshots.get(key);
    if (snapshot === undefined) {
      snapshot = new AccountSnapshot(account, globals.block, this);
      this.snapshots.set(key, snapshot);
      // Bounded: snapshots of accounts nobody checks for a while are re-read when needed.
      if (this.snapshots.size > 200_000) for (const [a] of this.snapshots) { this.drop(a); if (this.snapshots.size <= 150_000) break; }
    }
    return snapshot;
  }

  /** The stored author of a direct post (the zero address for a relayed one), as the contract checks tips. */
  async authorOf(postId: bigint): Promise<Address> {
    const known = this.authors.get(postId);
    if (known !== undefined) return known;
    const globals = this.globalsValue!;
    // authorOf reverts for a post with no stored author (a relayed one): the contract's check reads zero there.
    const author = await this.read<Address>("authorOf", [postId], globals.block).catch((error: unknown) => {
      if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null) return ZERO;
      throw error;
    });
    if (postId <= globals.postCount) {
      this.authors.set(postId, author);
      if (this.authors.size > 100_000) this.authors.delete(this.authors.keys().next().value!);
    }
    return author;
  }

  /** Forgets what is known of `account` (its next check reads the chain again). */
  drop(account: Address): void {
    const key = account.toLowerCase() as Address;
    const snapshot = this.snapshots.get(key);
    if (snapshot === undefined) return;
    snapshot.current = false;
    this.snapshots.delete(key);
  }

  /** Moves the head (the watcher, synchronously with the drops of the same step). */
  advance(globals: Globals): void {
    this.globalsValue = globals;
  }

  /**
   * Batched posts and tips executed by someone else's `submitBatch` (anyone may submit a signed
   * action), by fingerprint: the relayer finds its own held actions among them instead of calling
   * them rejected. Bounded, newest kept.
   */
  private readonly executedElsewhere = new Map<string, { txHash: Hex; blockNumber: number; postId?: string }>();

  executedBy(fingerprint: string): { txHash: Hex; blockNumber: number; postId?: string } | undefined {
    return this.executedElsewhere.get(fingerprint);
  }

  noteExecuted(fingerprint: string, where: { txHash: Hex; blockNumber: number; postId?: string }): void {
    this.executedElsewhere.set(fingerprint, where);
    if (this.executedElsewhere.size > 100_000) this.executedElsewhere.delete(this.executedElsewhere.keys().next().value!);
  }

  /** A reorg: nothing read before it can be trusted. */
  dropAll(): void {
    for (const account of [...this.snapshots.keys()]) this.drop(account);
    this.authors.clear();
  }
}

/** The addresses a log names in its indexed topics (an over-approximation: every 20-byte-shaped topic). */
export function addressesIn(topics: readonly Hex[]): Address[] {
  const found: Address[] = [];
  for (let i = 1; i < topics.length; i++) {
    const topic = topics[i]!;
    if (topic.startsWith("0x000000000000000000000000") && topic !== `0x${"0".repeat(64)}`) found.push(`0x${topic.slice(26)}` as Address);
  }
  return found;
}
