import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";

import { nextChunkBlocks, splitChunk } from "../../server/chain/follower.ts";
import type { Hex, IndexedBlock, ProtocolEvent } from "../../server/domain.ts";

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

/** A chunk: ascending blocks with 0..n events each, in chain order. */
const chunk = fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 30 }).map((counts) => {
  const blocks: IndexedBlock[] = counts.map((_, i) => ({ number: BigInt(100 + i), hash: hash(100 + i), parentHash: hash(99 + i), timestamp: i }));
  const events = counts.flatMap((count, i) =>
    Array.from({ length: count }, (_, logIndex) => ({ kind: "Paused", blockNumber: BigInt(100 + i), blockHash: hash(100 + i), logIndex, txHash: hash(logIndex), timestamp: i }) as ProtocolEvent),
  );
  return { blocks, events };
});

describe("splitChunk: a fetched chunk written in batches of about BACKFILL_BATCH_EVENTS", () => {
  it("keeps every block and event once, in order, cuts only between blocks and stays under the size unless one block is larger (fast-check)", () => {
    fc.assert(
      fc.property(chunk, fc.integer({ min: 1, max: 12 }), ({ blocks, events }, most) => {
        const parts = splitChunk(blocks, events, most);
        assert.deepEqual(parts.flatMap((part) => part.blocks), blocks);
        assert.deepEqual(parts.flatMap((part) => part.events), events);
        for (const part of parts) {
          assert.ok(part.blocks.length > 0);
          for (const event of part.events) assert.ok(part.blocks.some((block) => block.number === event.blockNumber));
          const perBlock = part.blocks.map((block) => part.events.filter((event) => event.blockNumber === block.number).length);
          if (part.blocks.length > 1) assert.ok(part.events.length <= most, `${part.events.length} events in ${part.blocks.length} blocks over ${most}`);
          else assert.equal(part.events.length, perBlock[0]);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it("refuses an event outside the chunk's blocks instead of dropping it", () => {
    const blocks: IndexedBlock[] = [{ number: 5n, hash: hash(5), parentHash: hash(4), timestamp: 0 }];
    const stray = { kind: "Paused", blockNumber: 6n, blockHash: hash(6), logIndex: 0, txHash: hash(1), timestamp: 0 } as ProtocolEvent;
    assert.throws(() => splitChunk(blocks, [stray, stray], 1), /outside the chunk's blocks/);
  });
});

describe("nextChunkBlocks: eth_getLogs ranges sized by the logs they return", () => {
  it("shrinks in proportion above the target, grows in proportion (at most 8x, up to the ceiling) under half of it, else keeps the range", () => {
    assert.equal(nextChunkBlocks(100, 100, 20_000, 2_000, 100_000), 10);
    assert.equal(nextChunkBlocks(100, 40, 8_000, 2_000, 100_000), 10); // the last range of a backfill can be shorter than planned
    assert.equal(nextChunkBlocks(3, 3, 1_000_000, 2_000, 100_000), 1); // never below one block
    assert.equal(nextChunkBlocks(100, 100, 999, 2_000, 100_000), 200);
    assert.equal(nextChunkBlocks(100, 100, 500, 2_000, 100_000), 400);
    assert.equal(nextChunkBlocks(100, 100, 0, 2_000, 100_000), 800);
    assert.equal(nextChunkBlocks(80_000, 80_000, 0, 2_000, 100_000), 100_000);
    assert.equal(nextChunkBlocks(100, 100, 1_000, 2_000, 100_000), 100);
    assert.equal(nextChunkBlocks(100, 100, 2_000, 2_000, 100_000), 100);
    assert.equal(nextChunkBlocks(100, 100, 0, 1, 100_000), 800); // a target of 1: empty ranges still grow
    assert.equal(nextChunkBlocks(500, 500, 2_000, 2_000, 200), 200); // a range above the ceiling comes down to it
  });
});
