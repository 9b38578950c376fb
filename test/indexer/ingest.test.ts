import assert from "node:assert/strict";

import { after, describe, it } from "mocha";
import { encodeAbiParameters, encodeEventTopics } from "viem";

import { pennyPostAbi } from "../../lib/abi.ts";
import { decodeLogs } from "../../server/chain/decode.ts";
import type { Hex, IndexedBlock, ProtocolEvent } from "../../server/domain.ts";
import { ingestBlocks, readCursor, revertTo } from "../../server/ingest/apply.ts";
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
});
