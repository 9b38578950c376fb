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
    | {
        kind: "Posted"; postId: bigint; author: Address; parentId: bigint; fee: bigint; content: string;
        /** Set by decodeLogs for a post of a `submitBatch` (the relayer is credited its fee); absent: direct. */
        relayer?: Address;
      }
    | {
        kind: "Tipped"; postId: bigint; tipper: Address; author: Address; asset: Address; amount: bigint; fee: bigint;
        /** Set by decodeLogs for a tip of a `submitBatch` or a settled voucher; absent: direct. */
        mode?: "batched" | "voucher";
      }
    | { kind: "Withdrawn"; account: Address; asset: Address; to: Address; amount: bigint }
    | { kind: "FeesWithdrawn"; treasury: Address; asset: Address; amount: bigint }
    | { kind: "PostFeeSet"; newFee: bigint }
    | { kind: "TipFeeSet"; newBps: bigint }
    | { kind: "TreasurySet"; newTreasury: Address }
    | { kind: "TokenAcceptanceSet"; token: Address; accepted: boolean }
    | { kind: "Paused" }
    | { kind: "Unpaused" }
    // IPennyPostRelayed
    | { kind: "Deposited"; account: Address; asset: Address; amount: bigint }
    | { kind: "DepositWithdrawalRequested"; account: Address; asset: Address; amount: bigint; unlockAt: bigint }
    | { kind: "DepositWithdrawalCancelled"; account: Address; asset: Address }
    | { kind: "DepositWithdrawn"; account: Address; asset: Address; to: Address; amount: bigint }
    | { kind: "SessionAuthorized"; account: Address; key: Address; asset: Address; cap: bigint; expiry: bigint }
    | { kind: "SessionRevoked"; account: Address; key: Address; asset: Address }
    | { kind: "NoncesCancelled"; account: Address; newNonce: bigint }
    | { kind: "ActionSkipped"; account: Address; nonce: bigint; reason: Hex }
    | { kind: "BatchSubmitted"; relayer: Address; posts: bigint; tips: bigint; skipped: bigint; relayerFees: bigint }
    | AnchoredEvent
    | { kind: "AnchoredFeesSettled"; author: Address; sequencer: Address; seq: bigint; cumulativeFee: bigint; amount: bigint }
    | { kind: "VoucherSettled"; tipper: Address; asset: Address; cumulativeAmount: bigint; tipsHash: Hex; tips: bigint }
    | { kind: "SequencerSet"; account: Address; enabled: boolean }
  );

export type ProtocolEventKind = ProtocolEvent["kind"];

/**
 * An anchored batch as the chain states it (`Anchored`); `data` is empty in hash mode. Before ingest,
 * `resolveAnchors` (server/ingest/anchors.ts) attaches `resolved`: what the batch data says, checked.
 */
export interface AnchoredEvent {
  kind: "Anchored";
  batchId: bigint;
  sequencer: Address;
  root: Hex;
  firstPostId: bigint;
  count: bigint;
  dataHash: Hex;
  data: Hex;
  resolved?: AnchorResolution;
}

/** One post of an anchored batch, with the address its signature recovers to (null: none). */
export interface ResolvedAnchoredPost {
  author: Address;
  parentId: bigint;
  content: string;
  seq: bigint;
  cumulativeFee: bigint;
  signature: Hex;
  signer: Address | null;
}

export type AnchorDataMode = "anchored-calldata" | "anchored-hash";

export type AnchorResolution =
  | { status: "valid"; mode: AnchorDataMode; posts: ResolvedAnchoredPost[]; leaves: Hex[] }
  | { status: "invalid"; mode: AnchorDataMode; reason: string }
  | { status: "dataUnavailable"; mode: "anchored-hash" };

/**
 * Where the data of hash-mode anchored batches comes from (the sequencer keeps it): the relayer
 * provides one. `get` resolves undefined when it does not have the data; the indexer checks the
 * keccak256 of what it returns against `dataHash`.
 */
export interface AnchorDataSource {
  get(dataHash: Hex): Promise<Hex | undefined>;
  /**
   * The signers this source already recovered for these exact (digest, signature) pairs (the
   * relayer, for the posts it accepted), undefined where it does not know: a signature is recovered
   * once per process. Keyed by the digest too, so a copy of a signature over other content is
   * never answered.
   */
  knownSigners?(items: readonly { digest: Uint8Array; signature: Uint8Array }[]): Array<string | null | undefined>;
}

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
  mode: PostMode;
  block: number;
  logIndex: number;
  txHash: Hex;
  timestamp: number;
}

export type PostMode = "direct" | "batched" | AnchorDataMode;
export type TipMode = "direct" | "batched" | "voucher";

/** An anchored post: a PostRecord plus where it sits in its batch and what its author signed. */
export interface AnchoredPostRecord extends PostRecord {
  mode: AnchorDataMode;
  batchId: string;
  leafIndex: number;
  /** false: the signature is neither the author's nor a live ETH session key's; hidden from listings. */
  signatureValid: boolean;
  signer: Address | null;
  signed: { seq: string; cumulativeFee: string; signature: Hex };
  /** A replay: the id of the earlier anchored post with the same author and seq (this copy counts for nothing). */
  replayOf?: string;
}

/** An anchored batch (`ab!<batchId>`): the event, what the index made of its data, and its leaves. */
export interface BatchRecord {
  batchId: string;
  sequencer: Address;
  root: Hex;
  firstPostId: string;
  count: string;
  dataHash: Hex;
  mode: AnchorDataMode;
  status: "valid" | "invalid" | "dataUnavailable";
  /** Why the batch is invalid (null otherwise). */
  reason: string | null;
  /** Posts indexed (valid signatures) and hidden (bad signatures); 0 unless valid. */
  posts: number;
  hidden: number;
  /** Posts of this batch that re-anchor a signed post already anchored (same author and seq): hidden, counted nowhere. */
  replays?: Array<{ postId: string; replayOf: string }>;
  /** The leaf hashes in batch order (empty unless valid): proofs are rebuilt from them. */
  leaves: Hex[];
  block: number;
  logIndex: number;
  txHash: Hex;
  timestamp: number;
}

/** An ETH session key the index knows (`sk!<account>!<key>`), deleted when revoked. */
export interface SessionRecord {
  cap: string;
  expiry: string;
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
  mode: TipMode;
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

/**
 * `af!<account>`: the signed cumulativeFee of the account's latest anchored post in a listing. The
 * next anchored post's fee is its own cumulativeFee minus this (the author signs running totals).
 */
export interface AnchoredFeesRecord {
  cumulativeFee: string;
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
