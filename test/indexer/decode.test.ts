import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/abi.ts";
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
  typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : value;

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
