import assert from "node:assert/strict";

import { after, describe, it } from "mocha";
import { encodeAbiParameters, encodeEventTopics } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { decodeLogs } from "../../server/chain/decode.ts";
import type { Hex, IndexedBlock, ProtocolEvent } from "../../server/domain.ts";
import { createIngestor, ingestBlocks, readCursor, revertTo } from "../../server/ingest/apply.ts";
import { keys, MAX_UINT256 } from "../../server/store/keys.ts";
import { LevelStore } from "../../server/store/level-store.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

const AUTHOR = "0x00000000000000000000000000000000000000a1" as Hex;
const TIPPER = "0x00000000000000000000000000000000000000b2" as Hex;
const ETH = "0x0000000000000000000000000000000000000000" as Hex;

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const block = (n: number): IndexedBlock => ({ number: BigInt(n), hash: hash(n), parentHash: hash(n - 1), timestamp: 1_700_000_000 + n });
const at = (n: number, logIndex: number) => ({ blockNumber: BigInt(n), blockHash: hash(n), logIndex, txHash: hash(1000 + n), timestamp: 1_700_000_000 + n });
const posted = (n: number, logIndex: number, postId: bigint): ProtocolEvent => ({
  ...at(n, logIndex), kind: "Posted", postId, author: AUTHOR, parentId: 0n, fee: 10n, content: `post ${postId}`,
});
const tipped = (n: number, logIndex: number, postId: bigint, amount: bigint, fee: bigint): ProtocolEvent => ({
  ...at(n, logIndex), kind: "Tipped", postId, tipper: TIPPER, author: AUTHOR, asset: ETH, amount, fee,
});

async function openStore() {
  return LevelStore.open(await tempDir("ingest"));
}

describe("ingest", () => {
  after(removeTempDirs);

  it("treats the same block delivered twice as a no-op", async () => {
    const store = await openStore();
    await ingestBlocks(store, [block(1)], [posted(1, 0, 1n), tipped(1, 1, 1n, 100n, 2n)], 8);
    const once = await store.dump();
    const again = await ingestBlocks(store, [block(1)], [posted(1, 0, 1n), tipped(1, 1, 1n, 100n, 2n)], 8);
    assert.equal(again, undefined);
    assert.deepEqual(await store.dump(), once);
    await store.close();
  });

  it("keeps a log repeated by the provider once", () => {
    const topics = encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted", args: { postId: 1n, author: AUTHOR, parentId: 0n } });
    const data = encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [10n, "hello"]);
    const log = { data, topics: topics as [Hex, ...Hex[]], logIndex: 0, transactionHash: hash(9), blockNumber: 1n, blockHash: hash(1) };
    const events = decodeLogs([log, log, { ...log, logIndex: 1 }], 0);
    assert.deepEqual(events.map((e) => [e.kind, e.logIndex]), [["Posted", 0], ["Posted", 1]]);
  });

  it("carries the largest uint256 amounts exactly", async () => {
    const store = await openStore();
    const fee = MAX_UINT256 / 40n; // 2.5%
    await ingestBlocks(store, [block(1)], [posted(1, 0, 1n), tipped(1, 1, 1n, MAX_UINT256, fee)], 8);
    const stats = await store.get<{ totals: Record<string, string> }>(keys.postStats(1));
    assert.equal(stats?.totals[ETH], MAX_UINT256.toString());
    const account = await store.get<{ owed: Record<string, string> }>(keys.account(AUTHOR));
    assert.equal(account?.owed[ETH], (MAX_UINT256 - fee).toString());
    const board = await store.get<{ entries: [string, string][] }>(keys.topPosts(ETH));
    assert.deepEqual(board?.entries, [["1", MAX_UINT256.toString()]]);
    await store.close();
  });

  it("writes each range with its cursor in one batch and undoes it exactly", async () => {
    const store = await openStore();
    await ingestBlocks(store, [block(1)], [posted(1, 0, 1n)], 8);
    const before = await store.dump();
    await ingestBlocks(store, [block(2), block(3)], [tipped(2, 0, 1n, 50n, 1n), posted(3, 0, 2n), tipped(3, 1, 1n, 70n, 1n)], 8);
    assert.deepEqual(await readCursor(store), { number: 3, hash: hash(3) });
    assert.equal(await revertTo(store, { number: 1, hash: hash(1) }), 2);
    assert.deepEqual(await store.dump(), before);
    await store.close();
  });

  it("prunes hashes and undo records that leave the window", async () => {
    const store = await openStore();
    for (let n = 1; n <= 10; n++) await ingestBlocks(store, [block(n)], [posted(n, 0, BigInt(n))], 3);
    assert.deepEqual(await store.keysWithPrefix("b!"), [keys.block(8), keys.block(9), keys.block(10)]);
    assert.deepEqual(await store.keysWithPrefix("u!"), [keys.undo(8), keys.undo(9), keys.undo(10)]);
    await store.close();
  });

  describe("the ingestor's record cache", () => {
    const AUTHORS = Array.from({ length: 5 }, (_, i) => `0x${(0xc0 + i).toString(16).padStart(40, "0")}` as Hex);
    /** Block n: a post by one of five authors, a reply, and tips of older posts by other authors. */
    function blockEvents(n: number): ProtocolEvent[] {
      const author = AUTHORS[n % AUTHORS.length];
      const events: ProtocolEvent[] = [{ ...at(n, 0), kind: "Posted", postId: BigInt(2 * n - 1), author, parentId: 0n, fee: 10n, content: `p${n}` }];
      events.push({ ...at(n, 1), kind: "Posted", postId: BigInt(2 * n), author: AUTHORS[(n + 2) % 5], parentId: BigInt(Math.max(1, n - 3)), fee: 10n, content: `r${n}` });
      for (let k = 0; k < 3; k++) {
        const postId = BigInt(Math.max(1, 2 * n - 1 - 3 * k));
        events.push({ ...at(n, 2 + k), kind: "Tipped", postId, tipper: AUTHORS[(n + k + 1) % 5], author: AUTHORS[Number(postId) % 5], asset: ETH, amount: BigInt(100 + n * 7 + k), fee: 2n });
      }
      return events;
    }
    /** Ranges of 1-4 blocks, each submitted through one ingestor (pipelined), up to block `last`. */
    async function ingestAll(store: LevelStore, cacheRecords: number, first: number, last: number, chainHead: number) {
      const ingestor = createIngestor(store, 6, cacheRecords);
      for (let n = first; n <= last; ) {
        const end = Math.min(last, n + (n % 4));
        const blocks = Array.from({ length: end - n + 1 }, (_, i) => block(n + i));
        await ingestor.submit(blocks, blocks.flatMap((b) => blockEvents(Number(b.number))), chainHead);
        n = end + 1;
      }
      await ingestor.flush();
      return ingestor;
    }

    it("a cache of one record and one of a hundred thousand give the same index, through a revert too", async () => {
      const [tiny, large, fresh] = await Promise.all([openStore(), openStore(), openStore()]);
      for (const [store, size] of [[tiny, 1], [large, 100_000]] as const) {
        const ingestor = await ingestAll(store, size, 1, 30, 30);
        assert.equal(await ingestor.revert({ number: 27, hash: hash(27) }), 3);
        // The same ingestor goes on after the revert: its cache must not remember the undone blocks.
        for (let n = 28; n <= 32; n++) await (await ingestor.submit([block(n)], blockEvents(n), 32))?.written;
      }
      await ingestAll(fresh, 100_000, 1, 32, 32);
      const expected = await fresh.dump();
      assert.deepEqual(await tiny.dump(), expected);
      assert.deepEqual(await large.dump(), expected);
      await Promise.all([tiny.close(), large.close(), fresh.close()]);
    });

    it("a projection that fails writes nothing, and the next range starts from what the store holds", async () => {
      const store = await openStore();
      const ingestor = await ingestAll(store, 100_000, 1, 5, 5);
      const before = await store.dump();
      const unresolved: ProtocolEvent = {
        ...at(6, 1), kind: "Anchored", batchId: 1n, sequencer: AUTHORS[0], root: hash(1), firstPostId: 100n, count: 1n, dataHash: hash(2), data: "0x",
      };
      await assert.rejects(ingestor.submit([block(6)], [...blockEvents(6), unresolved], 6), /unresolved/);
      assert.deepEqual(await store.dump(), before);
      await (await ingestor.submit([block(6)], blockEvents(6), 6))?.written;
      const fresh = await openStore();
      await ingestAll(fresh, 100_000, 1, 6, 6);
      assert.deepEqual(await store.dump(), await fresh.dump());
      await Promise.all([store.close(), fresh.close()]);
    });
  });
});
