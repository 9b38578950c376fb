/**
 * Logs to protocol events: pure. Unknown or malformed logs are skipped, never guessed at.
 *
 * This is the ingest hot path, so each PennyPost event has a hand-written decoder that reads its
 * fixed ABI layout straight from the hex strings (viem's generic decodeEventLog was 40% of backfill
 * time). test/indexer/decode.test.ts checks it against viem's decoder on random events.
 */
import { toEventSelector, type Log } from "viem";

import { pennyPostAbi } from "../../lib/abi.ts";
import type { Address, Hex, ProtocolEvent } from "../domain.ts";

type RawLog = Pick<Log, "data" | "topics" | "logIndex" | "transactionHash" | "blockNumber" | "blockHash">;
type Position = Pick<ProtocolEvent, "blockNumber" | "blockHash" | "logIndex" | "txHash" | "timestamp">;
type Decoder = (topics: readonly Hex[], words: string, position: Position) => ProtocolEvent | undefined;

const WORD = 64;
/** Word `i` of the data (hex without 0x). */
const word = (data: string, i: number): string => data.slice(i * WORD, (i + 1) * WORD);
const uint = (hexWord: string): bigint => BigInt(`0x${hexWord}`);
/** A word that must hold a small number (an offset or a length); -1 when it does not. */
const small = (hexWord: string): number => (/^0{52}/.test(hexWord) ? Number.parseInt(hexWord.slice(52), 16) : -1);
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
    return {
      ...position, kind: "Posted", postId: uint(topics[1].slice(2)), author, parentId: uint(topics[3].slice(2)), fee: uint(word(words, 0)), content,
    };
  },
  Tipped(topics, words, position) {
    if (!shape(topics, words, 4, 3)) return undefined;
    const tipper = address(topicWord(topics[2]));
    const author = address(topicWord(topics[3]));
    const asset = address(word(words, 0));
    if (tipper === undefined || author === undefined || asset === undefined) return undefined;
    return { ...position, kind: "Tipped", postId: uint(topics[1].slice(2)), tipper, author, asset, amount: uint(word(words, 1)), fee: uint(word(words, 2)) };
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
};

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
  const seen = new Map<string, Set<number>>();
  const events: ProtocolEvent[] = [];
  let ordered = true;
  for (const log of logs) {
    if (log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) continue;
    let indexes = seen.get(log.blockHash);
    if (indexes === undefined) seen.set(log.blockHash, (indexes = new Set()));
    if (indexes.has(log.logIndex)) continue;
    indexes.add(log.logIndex);
    const selector = log.topics[0];
    // Nodes answer in lower case; the lookup only lower-cases what it does not find as is.
    const decoder = selector === undefined ? undefined : (bySelector.get(selector) ?? bySelector.get(selector.toLowerCase()));
    if (decoder === undefined) continue;
    const position = { blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.logIndex, txHash: log.transactionHash, timestamp };
    const event = decoder(log.topics as Hex[], log.data.slice(2), position);
    if (event === undefined) continue;
    const previous = events[events.length - 1];
    if (previous !== undefined && before(event, previous)) ordered = false;
    events.push(event);
  }
  return ordered ? events : events.sort((a, b) => (before(a, b) ? -1 : 1));
}

const before = (a: ProtocolEvent, b: ProtocolEvent): boolean =>
  a.blockNumber === b.blockNumber ? a.logIndex < b.logIndex : a.blockNumber < b.blockNumber;
