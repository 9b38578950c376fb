/**
 * What the indexer knows: protocol events as decoded from the chain, and the records it stores.
 * Amounts are uint256: bigint in events, decimal strings in stored records (JSON has no uint256).
 */
export type Hex = `0x${string}`;
export type Address = Hex;

/** Where an event sits on the chain. */
export interface ChainPosition {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  txHash: Hex;
  /** Block timestamp, seconds. */
  timestamp: number;
}

export type ProtocolEvent = ChainPosition &
  (
    | { kind: "Posted"; postId: bigint; author: Address; parentId: bigint; fee: bigint; content: string }
    | { kind: "Tipped"; postId: bigint; tipper: Address; author: Address; asset: Address; amount: bigint; fee: bigint }
    | { kind: "Withdrawn"; account: Address; asset: Address; to: Address; amount: bigint }
    | { kind: "FeesWithdrawn"; treasury: Address; asset: Address; amount: bigint }
    | { kind: "PostFeeSet"; newFee: bigint }
    | { kind: "TipFeeSet"; newBps: bigint }
    | { kind: "TreasurySet"; newTreasury: Address }
    | { kind: "TokenAcceptanceSet"; token: Address; accepted: boolean }
    | { kind: "Paused" }
    | { kind: "Unpaused" }
  );

export type ProtocolEventKind = ProtocolEvent["kind"];

/** A block the follower hands to ingest: its header fields and its protocol events, in log order. */
export interface IndexedBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
}

export interface Cursor {
  number: number;
  hash: Hex;
}

/** Amounts per asset (lower-case address, 0x000… for ETH), decimal strings. */
export type Amounts = Record<string, string>;

export interface PostRecord {
  id: string;
  author: Address;
  parentId: string;
  fee: string;
  content: string;
  mode: "direct";
  block: number;
  logIndex: number;
  txHash: Hex;
  timestamp: number;
}

export interface PostStats {
  replies: number;
  tips: number;
  totals: Amounts;
}

export interface TipRecord {
  postId: string;
  tipper: Address;
  author: Address;
  asset: Address;
  amount: string;
  fee: string;
  block: number;
  logIndex: number;
  txHash: Hex;
  timestamp: number;
}

export interface WithdrawalRecord {
  account: Address;
  asset: Address;
  to: Address;
  amount: string;
  /** true for FeesWithdrawn (the treasury), false for Withdrawn. */
  fees: boolean;
  block: number;
  logIndex: number;
  txHash: Hex;
  timestamp: number;
}

export interface AccountRecord {
  posts: number;
  tipsReceived: number;
  tipsSent: number;
  /** Tips received, after the protocol fee (what the author is credited). */
  received: Amounts;
  sent: Amounts;
  owed: Amounts;
  withdrawn: Amounts;
}

export interface ProtocolRecord {
  postFee: string;
  tipFeeBps: number;
  treasury: Address | null;
  acceptedTokens: Address[];
  paused: boolean;
  feesOwed: Amounts;
}

export interface TotalsRecord {
  posts: number;
  replies: number;
  tips: number;
  withdrawals: number;
  events: number;
}

export const ETH_ASSET: Address = "0x0000000000000000000000000000000000000000";

export const emptyAccount = (): AccountRecord => ({ posts: 0, tipsReceived: 0, tipsSent: 0, received: {}, sent: {}, owed: {}, withdrawn: {} });
export const emptyPostStats = (): PostStats => ({ replies: 0, tips: 0, totals: {} });
export const emptyProtocol = (): ProtocolRecord => ({ postFee: "0", tipFeeBps: 0, treasury: null, acceptedTokens: [], paused: false, feesOwed: {} });
export const emptyTotals = (): TotalsRecord => ({ posts: 0, replies: 0, tips: 0, withdrawals: 0, events: 0 });
