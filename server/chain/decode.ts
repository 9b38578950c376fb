/**
 * Logs to protocol events: pure. Unknown or malformed logs are skipped, never guessed at.
 *
 * This is the ingest hot path, so each PennyPost event has a hand-written decoder that reads its
 * fixed ABI layout straight from the hex strings (viem's generic decodeEventLog was 40% of backfill
 * time). test/indexer/decode.test.ts checks it against viem's decoder on random events.
 *
 * Posts and tips of relayed modes are Posted/Tipped logs too; their mode is read from the marker
 * event their transaction emits after them (see markRelayed).
 */
import { toEventSelector, type Log } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import type { Address, Hex, ProtocolEvent } from "../domain.ts";

type RawLog = Pick<Log, "data" | "topics" | "logIndex" | "transactionHash" | "blockNumber" | "blockHash">;
type Position = Pick<ProtocolEvent, "blockNumber" | "blockHash" | "logIndex" | "txHash" | "timestamp">;
type Decoder = (topics: readonly Hex[], words: string, position: Position) => ProtocolEvent | undefined;

const WORD = 64;
/** Word `i` of the data (hex without 0x). */
const word = (data: string, i: number): string => data.slice(i * WORD, (i + 1) * WORD);
const uint = (hexWord: string): bigint => {
  // Most words hold small numbers (ids, amounts in wei): a double parses them faster, exactly up to 2^53.
  const value = Number.parseInt(hexWord, 16);
  return value <= Number.MAX_SAFE_INTEGER ? BigInt(value) : BigInt(`0x${hexWord}`);
};
/** A word that must hold a small number (an offset or a length); -1 when it does not. */
const small = (hexWord: string): number => (hexWord.startsWith(ZEROS_52) ? Number.parseInt(hexWord.slice(52), 16) : -1);
const ZEROS_52 = "0".repeat(52);
/** An ABI address word: 12 zero bytes, then 20 bytes; anything else is malformed. */
const address = (hexWord: string | undefined): Address | undefined =>
  hexWord !== undefined && hexWord.length === WORD && hexWord.startsWith("000000000000000000000000") ? (`0x${hexWord.slice(24).toLowerCase()}` as Address) : undefined;
const topicWord = (topic: Hex | undefined): string | undefined => (topic === undefined || topic.length !== 66 ? undefined : topic.slice(2));

/** The event's fixed number of topics (signature + indexed) and data words, or it is malformed. */
function shape(topics: readonly Hex[], words: string, topicCount: number, minWords: number): boolean {
  return topics.length === topicCount && words.length % WORD === 0 && words.length >= minWords * WORD;
}

const decoders: Record<string, Decoder> = {
  Posted(topics, words, position) {
    if (!shape(topics, words, 4, 3)) return undefined;
    const author = address(topicWord(topics[2]));
    const offset = small(word(words, 1));
    const length = small(word(words, 2));
    if (author === undefined || offset !== 0x40 || length < 0 || 3 * WORD + length * 2 > words.length) return undefined;
    const content = Buffer.from(words.slice(3 * WORD, 3 * WORD + length * 2), "hex").toString("utf8");
    // The hot events spell their fields out: one object of one shape, not a copy of `position` grown field by field.
    return {
      blockNumber: position.blockNumber, blockHash: position.blockHash, logIndex: position.logIndex, txHash: position.txHash, timestamp: position.timestamp,
      kind: "Posted", postId: uint(topics[1].slice(2)), author, parentId: uint(topics[3].slice(2)), fee: uint(word(words, 0)), content,
    };
  },
  Tipped(topics, words, position) {
    if (!shape(topics, words, 4, 3)) return undefined;
    const tipper = address(topicWord(topics[2]));
    const author = address(topicWord(topics[3]));
    const asset = address(word(words, 0));
    if (tipper === undefined || author === undefined || asset === undefined) return undefined;
    return {
      blockNumber: position.blockNumber, blockHash: position.blockHash, logIndex: position.logIndex, txHash: position.txHash, timestamp: position.timestamp,
      kind: "Tipped", postId: uint(topics[1].slice(2)), tipper, author, asset, amount: uint(word(words, 1)), fee: uint(word(words, 2)),
    };
  },
  Withdrawn(topics, words, position) {
    if (!shape(topics, words, 4, 1)) return undefined;
    const [account, asset, to] = [address(topicWord(topics[1])), address(topicWord(topics[2])), address(topicWord(topics[3]))];
    if (account === undefined || asset === undefined || to === undefined) return undefined;
    return { ...position, kind: "Withdrawn", account, asset, to, amount: uint(word(words, 0)) };
  },
  FeesWithdrawn(topics, words, position) {
    if (!shape(topics, words, 3, 1)) return undefined;
    const [treasury, asset] = [address(topicWord(topics[1])), address(topicWord(topics[2]))];
    if (treasury === undefined || asset === undefined) return undefined;
    return { ...position, kind: "FeesWithdrawn", treasury, asset, amount: uint(word(words, 0)) };
  },
  PostFeeSet: (topics, words, position) => (shape(topics, words, 1, 2) ? { ...position, kind: "PostFeeSet", newFee: uint(word(words, 1)) } : undefined),
  TipFeeSet: (topics, words, position) => (shape(topics, words, 1, 2) ? { ...position, kind: "TipFeeSet", newBps: uint(word(words, 1)) } : undefined),
  TreasurySet(topics, words, position) {
    const newTreasury = address(topicWord(topics[2]));
    return shape(topics, words, 3, 0) && newTreasury !== undefined ? { ...position, kind: "TreasurySet", newTreasury } : undefined;
  },
  TokenAcceptanceSet(topics, words, position) {
    const token = address(topicWord(topics[1]));
    if (!shape(topics, words, 2, 1) || token === undefined) return undefined;
    const flag = uint(word(words, 0));
    return flag > 1n ? undefined : { ...position, kind: "TokenAcceptanceSet", token, accepted: flag === 1n };
  },
  Paused: (topics, words, position) => (shape(topics, words, 1, 1) ? { ...position, kind: "Paused" } : undefined),
  Unpaused: (topics, words, position) => (shape(topics, words, 1, 1) ? { ...position, kind: "Unpaused" } : undefined),
  ...relayedDecoders(),
};

/** A 32-byte word as 0x-hex (bytes32). */
const bytes32 = (hexWord: string): Hex => `0x${hexWord.toLowerCase()}`;
/** The addresses of topics 1..n, or undefined when one is malformed. */
function topicAddresses(topics: readonly Hex[], n: number): Address[] | undefined {
  const out: Address[] = [];
  for (let i = 1; i <= n; i++) {
    const value = address(topicWord(topics[i]));
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** IPennyPostRelayed's events (off the hot path of direct posts, but as strict). */
function relayedDecoders(): Record<string, Decoder> {
  return {
    Deposited(topics, words, position) {
      const a = shape(topics, words, 3, 1) ? topicAddresses(topics, 2) : undefined;
      return a && { ...position, kind: "Deposited", account: a[0], asset: a[1], amount: uint(word(words, 0)) };
    },
    DepositWithdrawalRequested(topics, words, position) {
      const a = shape(topics, words, 3, 2) ? topicAddresses(topics, 2) : undefined;
      return a && { ...position, kind: "DepositWithdrawalRequested", account: a[0], asset: a[1], amount: uint(word(words, 0)), unlockAt: uint(word(words, 1)) };
    },
    DepositWithdrawalCancelled(topics, words, position) {
      const a = shape(topics, words, 3, 0) ? topicAddresses(topics, 2) : undefined;
      return a && { ...position, kind: "DepositWithdrawalCancelled", account: a[0], asset: a[1] };
    },
    DepositWithdrawn(topics, words, position) {
      const a = shape(topics, words, 4, 1) ? topicAddresses(topics, 3) : undefined;
      return a && { ...position, kind: "DepositWithdrawn", account: a[0], asset: a[1], to: a[2], amount: uint(word(words, 0)) };
    },
    SessionAuthorized(topics, words, position) {
      const a = shape(topics, words, 4, 2) ? topicAddresses(topics, 3) : undefined;
      return a && { ...position, kind: "SessionAuthorized", account: a[0], key: a[1], asset: a[2], cap: uint(word(words, 0)), expiry: uint(word(words, 1)) };
    },
    SessionRevoked(topics, words, position) {
      const a = shape(topics, words, 4, 0) ? topicAddresses(topics, 3) : undefined;
      return a && { ...position, kind: "SessionRevoked", account: a[0], key: a[1], asset: a[2] };
    },
    NoncesCancelled(topics, words, position) {
      const a = shape(topics, words, 2, 1) ? topicAddresses(topics, 1) : undefined;
      return a && { ...position, kind: "NoncesCancelled", account: a[0], newNonce: uint(word(words, 0)) };
    },
    ActionSkipped(topics, words, position) {
      const a = shape(topics, words, 3, 1) ? topicAddresses(topics, 1) : undefined;
      const reason = word(words, 0);
      // bytes4: four bytes, left-aligned, the rest zero.
      if (a === undefined || !/^0{56}$/.test(reason.slice(8))) return undefined;
      return { ...position, kind: "ActionSkipped", account: a[0], nonce: uint(topics[2].slice(2)), reason: `0x${reason.slice(0, 8).toLowerCase()}` };
    },
    BatchSubmitted(topics, words, position) {
      const a = shape(topics, words, 2, 4) ? topicAddresses(topics, 1) : undefined;
      return a && {
        ...position, kind: "BatchSubmitted", relayer: a[0], posts: uint(word(words, 0)), tips: uint(word(words, 1)),
        skipped: uint(word(words, 2)), relayerFees: uint(word(words, 3)),
      };
    },
    Anchored(topics, words, position) {
      const sequencer = shape(topics, words, 3, 6) ? address(topicWord(topics[2])) : undefined;
      const offset = small(word(words, 4));
      const length = small(word(words, 5));
      // The data is padded to whole words, with zeros.
      const padded = Math.ceil(length / 32) * WORD;
      if (sequencer === undefined || offset !== 0xa0 || length < 0 || 6 * WORD + padded !== words.length) return undefined;
      if (!/^0*$/.test(words.slice(6 * WORD + length * 2))) return undefined;
      return {
        ...position, kind: "Anchored", batchId: uint(topics[1].slice(2)), sequencer, root: bytes32(word(words, 0)),
        firstPostId: uint(word(words, 1)), count: uint(word(words, 2)), dataHash: bytes32(word(words, 3)),
        data: `0x${words.slice(6 * WORD, 6 * WORD + length * 2).toLowerCase()}`,
      };
    },
    AnchoredFeesSettled(topics, words, position) {
      const a = shape(topics, words, 3, 3) ? topicAddresses(topics, 2) : undefined;
      return a && {
        ...position, kind: "AnchoredFeesSettled", author: a[0], sequencer: a[1], seq: uint(word(words, 0)),
        cumulativeFee: uint(word(words, 1)), amount: uint(word(words, 2)),
      };
    },
    VoucherSettled(topics, words, position) {
      const a = shape(topics, words, 3, 3) ? topicAddresses(topics, 2) : undefined;
      return a && {
        ...position, kind: "VoucherSettled", tipper: a[0], asset: a[1], cumulativeAmount: uint(word(words, 0)),
        tipsHash: bytes32(word(words, 1)), tips: uint(word(words, 2)),
      };
    },
    SequencerSet(topics, words, position) {
      const a = shape(topics, words, 2, 1) ? topicAddresses(topics, 1) : undefined;
      const flag = a === undefined ? 2n : uint(word(words, 0));
      return a && flag <= 1n ? { ...position, kind: "SequencerSet", account: a[0], enabled: flag === 1n } : undefined;
    },
  };
}

/** topic0 -> decoder, for every event of the ABI that the indexer understands. */
const bySelector = new Map<string, Decoder>(
  pennyPostAbi
    .filter((item) => item.type === "event" && item.name in decoders)
    .map((item) => [toEventSelector(item as never).toLowerCase(), decoders[(item as { name: string }).name]]),
);

/**
 * Decodes logs in chain order; `timestamp` is their block's. Logs repeated by a provider (same
 * block hash and log index) are kept once.
 */
export function decodeLogs(logs: readonly RawLog[], timestamp: number): ProtocolEvent[] {
  // Logs in strictly ascending chain position (what nodes send) cannot repeat one another.
  const seen = ascending(logs) ? undefined : new Map<string, Set<number>>();
  const events: ProtocolEvent[] = [];
  let ordered = true;
  let relayed = false;
  for (const log of logs) {
    if (log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) continue;
    if (seen !== undefined) {
      let indexes = seen.get(log.blockHash);
      if (indexes === undefined) seen.set(log.blockHash, (indexes = new Set()));
      if (indexes.has(log.logIndex)) continue;
      indexes.add(log.logIndex);
    }
    const selector = log.topics[0];
    // Nodes answer in lower case; the lookup only lower-cases what it does not find as is.
    const decoder = selector === undefined ? undefined : (bySelector.get(selector) ?? bySelector.get(selector.toLowerCase()));
    if (decoder === undefined) continue;
    const position = { blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.logIndex, txHash: log.transactionHash, timestamp };
    const event = decoder(log.topics as Hex[], log.data.slice(2), position);
    if (event === undefined) continue;
    if (event.kind === "BatchSubmitted" || event.kind === "VoucherSettled") relayed = true;
    const previous = events[events.length - 1];
    if (previous !== undefined && before(event, previous)) ordered = false;
    events.push(event);
  }
  const sorted = ordered ? events : events.sort((a, b) => (before(a, b) ? -1 : 1));
  if (relayed) markRelayed(sorted);
  return sorted;
}

/** Is every log after the one before it (block number, then log index), none of them pending? */
function ascending(logs: readonly RawLog[]): boolean {
  for (let i = 0; i < logs.length; i++) {
    const { blockNumber, logIndex } = logs[i];
    if (blockNumber === null || logIndex === null) return false;
    if (i === 0) continue;
    const previous = logs[i - 1];
    if (!(blockNumber > (previous.blockNumber as bigint) || (blockNumber === previous.blockNumber && logIndex > (previous.logIndex as number)))) return false;
  }
  return true;
}

/**
 * `BatchSubmitted` follows its batch's `Posted` and `Tipped` logs in the same transaction, and
 * `VoucherSettled` its voucher's `Tipped` logs: the last `posts` posts and `tips` tips before the
 * marker (in that transaction, after any earlier marker) are batched (posts credit the relayer),
 * the last `tips` tips before a `VoucherSettled` are voucher tips.
 */
function markRelayed(events: ProtocolEvent[]): void {
  for (let i = 0; i < events.length; i++) {
    const marker = events[i];
    if (marker.kind !== "BatchSubmitted" && marker.kind !== "VoucherSettled") continue;
    let posts = marker.kind === "BatchSubmitted" ? marker.posts : 0n;
    let tips = marker.tips;
    for (let j = i - 1; j >= 0 && (posts > 0n || tips > 0n); j--) {
      const event = events[j];
      if (event.txHash !== marker.txHash || event.blockHash !== marker.blockHash) break;
      if (event.kind === "BatchSubmitted" || event.kind === "VoucherSettled") break;
      if (event.kind === "Posted" && posts > 0n && marker.kind === "BatchSubmitted") {
        event.relayer = marker.relayer;
        posts--;
      } else if (event.kind === "Tipped" && tips > 0n) {
        event.mode = marker.kind === "BatchSubmitted" ? "batched" : "voucher";
        tips--;
      }
    }
  }
}

const before = (a: ProtocolEvent, b: ProtocolEvent): boolean =>
  a.blockNumber === b.blockNumber ? a.logIndex < b.logIndex : a.blockNumber < b.blockNumber;
