import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { decodeLogs } from "../../server/chain/decode.ts";

const uint256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => `0x${Buffer.from(bytes).toString("hex")}` as Hex);
const position = { blockNumber: 7n, blockHash: `0x${"ab".repeat(32)}` as Hex, logIndex: 0, transactionHash: `0x${"cd".repeat(32)}` as Hex };

/** Posted and Tipped logs with random arguments, encoded by viem as a node would return them. */
const logs = fc.oneof(
  fc.record({ postId: uint256, author: address, parentId: uint256, fee: uint256, content: fc.string({ unit: "grapheme", maxLength: 300 }) }).map((a) => ({
    topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted", args: { postId: a.postId, author: a.author, parentId: a.parentId } }) as Hex[],
    data: encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [a.fee, a.content]),
  })),
  fc.record({ postId: uint256, tipper: address, author: address, asset: address, amount: uint256, fee: uint256 }).map((a) => ({
    topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "Tipped", args: { postId: a.postId, tipper: a.tipper, author: a.author } }) as Hex[],
    data: encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "uint256" }], [a.asset, a.amount, a.fee]),
  })),
  fc.record({ account: address, asset: address, to: address, amount: uint256 }).map((a) => ({
    topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "Withdrawn", args: { account: a.account, asset: a.asset, to: a.to } }) as Hex[],
    data: encodeAbiParameters([{ type: "uint256" }], [a.amount]),
  })),
);

const normalize = (value: unknown): unknown =>
  typeof value === "string" && /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;

/** IPennyPostRelayed's events, encoded by viem from random arguments of their ABI types. */
const RELAYED_EVENTS = [
  "Deposited", "DepositWithdrawalRequested", "DepositWithdrawalCancelled", "DepositWithdrawn", "SessionAuthorized", "SessionRevoked",
  "NoncesCancelled", "ActionSkipped", "BatchSubmitted", "Anchored", "AnchoredFeesSettled", "VoucherSettled", "SequencerSet",
] as const;
const hexBytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => `0x${Buffer.from(bytes).toString("hex")}` as Hex);
const arbitraryOf = (type: string): fc.Arbitrary<unknown> => {
  switch (type) {
    case "address": return address;
    case "uint256": return uint256;
    case "bytes32": return hexBytes(32, 32);
    case "bytes4": return hexBytes(4, 4);
    case "bool": return fc.boolean();
    case "bytes": return hexBytes(0, 400);
    default: throw new Error(`no arbitrary for ${type}`);
  }
};
type AbiEvent = { type: "event"; name: string; inputs: readonly { name: string; type: string; indexed?: boolean }[] };
const relayedLogs = fc.oneof(
  ...RELAYED_EVENTS.map((eventName) => {
    const item = pennyPostAbi.find((entry) => entry.type === "event" && entry.name === eventName) as AbiEvent | undefined;
    if (item === undefined) throw new Error(`${eventName} is not in the ABI`);
    const args = Object.fromEntries(item.inputs.map((input) => [input.name, arbitraryOf(input.type)]));
    return fc.record(args).map((values) => {
      const indexed = Object.fromEntries(item.inputs.filter((i) => i.indexed).map((i) => [i.name, values[i.name]]));
      const plain = item.inputs.filter((i) => !i.indexed);
      return {
        eventName,
        topics: encodeEventTopics({ abi: pennyPostAbi, eventName, args: indexed as never }) as Hex[],
        data: plain.length === 0 ? ("0x" as Hex) : encodeAbiParameters(plain, plain.map((i) => values[i.name])),
      };
    });
  }),
);

describe("decodeLogs", () => {
  it("agrees with viem's decodeEventLog on 2,000 random Posted, Tipped and Withdrawn logs", () => {
    fc.assert(
      fc.property(logs, ({ topics, data }) => {
        const reference = decodeEventLog({ abi: pennyPostAbi, topics: topics as [Hex, ...Hex[]], data, strict: true });
        const [event] = decodeLogs([{ ...position, topics: topics as [Hex, ...Hex[]], data }], 0);
        assert.equal(event.kind, reference.eventName);
        for (const [name, value] of Object.entries(reference.args as Record<string, unknown>)) {
          assert.deepEqual(normalize((event as unknown as Record<string, unknown>)[name]), normalize(value), name);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees with viem's decodeEventLog on 3,000 random events of IPennyPostRelayed (every one of them)", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(relayedLogs, ({ eventName, topics, data }) => {
        const reference = decodeEventLog({ abi: pennyPostAbi, topics: topics as [Hex, ...Hex[]], data, strict: true });
        const [event] = decodeLogs([{ ...position, topics: topics as [Hex, ...Hex[]], data }], 0);
        assert.equal(event?.kind, eventName);
        seen.add(eventName);
        for (const [name, value] of Object.entries(reference.args as Record<string, unknown>)) {
          assert.deepEqual(normalize((event as unknown as Record<string, unknown>)[name]), normalize(value), `${eventName}.${name}`);
        }
      }),
      { numRuns: 3_000 },
    );
    assert.deepEqual([...seen].sort(), [...RELAYED_EVENTS].sort());
  });

  it("skips an Anchored log whose data is cut short or dirty in its padding", () => {
    const topics = encodeEventTopics({ abi: pennyPostAbi, eventName: "Anchored", args: { batchId: 1n, sequencer: `0x${"11".repeat(20)}` } }) as [Hex, ...Hex[]];
    const data = encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes32" }, { type: "bytes" }],
      [`0x${"22".repeat(32)}`, 5n, 2n, `0x${"33".repeat(32)}`, "0x0102030405"],
    );
    const good = { ...position, topics, data };
    assert.equal(decodeLogs([good], 0).length, 1);
    assert.equal(decodeLogs([{ ...good, data: data.slice(0, -64) as Hex }], 0).length, 0, "cut short");
    assert.equal(decodeLogs([{ ...good, data: `${data.slice(0, -2)}ff` as Hex }], 0).length, 0, "dirty padding");
  });

  it("marks the posts and tips of a submitBatch transaction batched and a voucher's tips voucher, from the marker after them", () => {
    const relayer = `0x${"77".repeat(20)}` as Hex;
    const at = (logIndex: number, tx: number) => ({ ...position, logIndex, transactionHash: `0x${tx.toString(16).padStart(64, "0")}` as Hex });
    const postLog = (logIndex: number, tx: number) => ({
      ...at(logIndex, tx),
      topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted", args: { postId: BigInt(logIndex + 1), author: relayer, parentId: 0n } }) as [Hex, ...Hex[]],
      data: encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [1n, "x"]),
    });
    const tipLog = (logIndex: number, tx: number) => ({
      ...at(logIndex, tx),
      topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "Tipped", args: { postId: 1n, tipper: relayer, author: relayer } }) as [Hex, ...Hex[]],
      data: encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "uint256" }], [relayer, 10n, 0n]),
    });
    const batchLog = (logIndex: number, tx: number, posts: bigint, tips: bigint) => ({
      ...at(logIndex, tx),
      topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "BatchSubmitted", args: { relayer } }) as [Hex, ...Hex[]],
      data: encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }], [posts, tips, 0n, posts]),
    });
    const voucherLog = (logIndex: number, tx: number, tips: bigint) => ({
      ...at(logIndex, tx),
      topics: encodeEventTopics({ abi: pennyPostAbi, eventName: "VoucherSettled", args: { tipper: relayer, asset: relayer } }) as [Hex, ...Hex[]],
      data: encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }, { type: "uint256" }], [10n, `0x${"00".repeat(32)}`, tips]),
    });
    const events = decodeLogs([
      postLog(0, 1), // direct, its own transaction
      postLog(1, 2), postLog(2, 2), tipLog(3, 2), batchLog(4, 2, 2n, 1n),
      tipLog(5, 3), voucherLog(6, 3, 1n),
      tipLog(7, 4), // direct
    ], 0);
    const modes = events.map((e) => (e.kind === "Posted" ? (e.relayer === undefined ? "direct" : "batched") : e.kind === "Tipped" ? (e.mode ?? "direct") : e.kind));
    assert.deepEqual(modes, ["direct", "batched", "batched", "batched", "BatchSubmitted", "voucher", "VoucherSettled", "direct"]);
  });

  it("skips truncated or padded-wrong logs instead of guessing", () => {
    const topics = encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted", args: { postId: 1n, author: `0x${"11".repeat(20)}`, parentId: 0n } }) as Hex[];
    const data = encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [1n, "hello"]);
    const good = { ...position, topics: topics as [Hex, ...Hex[]], data };
    assert.equal(decodeLogs([good], 0).length, 1);
    assert.equal(decodeLogs([{ ...good, data: data.slice(0, -64) as Hex }], 0).length, 0, "content cut short");
    assert.equal(decodeLogs([{ ...good, topics: topics.slice(0, 3) as [Hex, ...Hex[]] }], 0).length, 0, "missing topic");
    const dirtyAddress = `0xff${topics[2].slice(4)}` as Hex;
    assert.equal(decodeLogs([{ ...good, topics: [topics[0], topics[1], dirtyAddress, topics[3]] }], 0).length, 0, "dirty address padding");
  });
});
