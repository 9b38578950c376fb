import assert from "node:assert/strict";

import { network } from "hardhat";
import { after, before, describe, it } from "mocha";
import { parseEther, type PublicClient } from "viem";

import type { PostRecord, PostStats, AccountRecord, Cursor } from "../../server/domain.ts";
import { keys } from "../../server/store/keys.ts";
import { freshDump, openIndexer, removeTempDirs } from "./helpers.ts";

const FEE = 10n ** 13n;

describe("follower (Hardhat network)", () => {
  let viem: Awaited<ReturnType<typeof network.create>>["viem"];
  let provider: Awaited<ReturnType<typeof network.create>>["provider"];
  let client: PublicClient;
  let pennyPost: Awaited<ReturnType<typeof deploy>>;
  let wallets: Awaited<ReturnType<typeof viem.getWalletClients>>;

  async function deploy() {
    const [owner] = await viem.getWalletClients();
    return viem.deployContract("PennyPost", [owner.account.address, owner.account.address, FEE, 250n]);
  }
  async function post(from: number, text: string, parent = 0n) {
    return wallets[from].writeContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "post", args: [parent, text], value: FEE });
  }
  async function tip(from: number, postId: bigint, value: bigint) {
    return wallets[from].writeContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "tip", args: [postId], value });
  }
  /** One evm_mine per block: hardhat_mine leaves reserved blocks with a zero parentHash. */
  async function mine(blocks: number) {
    for (let i = 0; i < blocks; i++) await provider.request({ method: "evm_mine", params: [] });
  }

  before(async () => {
    ({ viem, provider } = await network.create());
    client = (await viem.getPublicClient()) as unknown as PublicClient;
    wallets = await viem.getWalletClients();
    pennyPost = await deploy();
  });
  after(removeTempDirs);

  it("indexes posts, replies and tips, with the cursor at the head", async () => {
    await post(1, "first");
    await post(2, "reply", 1n);
    await tip(3, 1n, parseEther("1"));
    const { store, follower } = await openIndexer(client, pennyPost.address);
    await follower.syncOnce();
    const head = Number(await client.getBlockNumber());
    assert.equal((await store.get<Cursor>(keys.cursor))?.number, head);
    const first = await store.get<PostRecord>(keys.post(1));
    assert.equal(first?.content, "first");
    assert.equal(first?.author, wallets[1].account.address.toLowerCase());
    const stats = await store.get<PostStats>(keys.postStats(1));
    assert.deepEqual(stats, { replies: 1, tips: 1, totals: { "0x0000000000000000000000000000000000000000": parseEther("1").toString() } });
    const author = await store.get<AccountRecord>(keys.account(wallets[1].account.address));
    assert.equal(author?.owed["0x0000000000000000000000000000000000000000"], (parseEther("1") - parseEther("0.025")).toString());
    await store.close();
  });

  it("backfills in chunks and ends equal to block-by-block indexing", async () => {
    for (let i = 0; i < 5; i++) await post(1, `chunked ${i}`);
    await mine(40);
    const chunked = await freshDump(client, pennyPost.address, { reorgWindow: 4, chunkBlocks: 3 });
    const perBlock = await freshDump(client, pennyPost.address, { reorgWindow: 4, chunkBlocks: 1, maxChunkBlocks: 1 });
    assert.deepEqual(chunked, perBlock);
    // Whole chunks written in batches of one event's blocks: the same index again.
    const split = await freshDump(client, pennyPost.address, { reorgWindow: 4, chunkBlocks: 64, batchEvents: 1 });
    assert.deepEqual(split, perBlock);
  });

  it("sizes eth_getLogs ranges by the logs they return: a dense stretch in small ranges, then growing ones, the same index", async () => {
    const first = Number(await client.getBlockNumber({ cacheTime: 0 })) + 1;
    // Five blocks of six posts each (six senders: one pending transaction each), then empty ones.
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      for (let block = 0; block < 5; block++) {
        for (let i = 0; i < 6; i++) await post(1 + i, `dense ${block}.${i}`);
        await mine(1);
      }
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
    await mine(16); // deeper than the reorg window (4): all backfilled, none followed block by block
    const calls: { span: number; logs: number }[] = [];
    const counting = {
      ...client,
      getLogs: async (args: Parameters<PublicClient["getLogs"]>[0]) => {
        const logs = await client.getLogs(args);
        if (args?.fromBlock !== undefined && args.toBlock !== undefined) calls.push({ span: Number(args.toBlock) - Number(args.fromBlock) + 1, logs: logs.length });
        return logs;
      },
    } as PublicClient;
    const range = { startBlock: first, reorgWindow: 4 };
    const sized = await freshDump(counting, pennyPost.address, { ...range, chunkBlocks: 4, maxChunkBlocks: 1_000, chunkLogs: 6 });
    // 4 blocks gave 24 logs: the next range is 4 * 6 / 24 = 1 block; once empty, ranges grow 8x.
    assert.deepEqual(calls.slice(0, 4), [{ span: 4, logs: 24 }, { span: 1, logs: 6 }, { span: 1, logs: 0 }, { span: 8, logs: 0 }], JSON.stringify(calls));
    const perBlock = await freshDump(client, pennyPost.address, { ...range, chunkBlocks: 1, maxChunkBlocks: 1 });
    assert.deepEqual(sized, perBlock);
  });

  it("a provider that caps the range: after a refusal, ranges grow back no further than below it", async () => {
    await mine(60);
    const calls: { span: number; refused: boolean }[] = [];
    const capped = {
      ...client,
      getLogs: async (args: Parameters<PublicClient["getLogs"]>[0]) => {
        const span = args?.fromBlock !== undefined && args.toBlock !== undefined ? Number(args.toBlock) - Number(args.fromBlock) + 1 : 1;
        calls.push({ span, refused: span > 5 });
        if (span > 5) throw new Error("query exceeds the maximum block range of 5");
        return client.getLogs(args);
      },
    } as PublicClient;
    const dump = await freshDump(capped, pennyPost.address, { reorgWindow: 4, chunkBlocks: 4, maxChunkBlocks: 1_000, chunkLogs: 2_000 });
    const refused = calls.filter((call) => call.refused).length;
    const served = calls.length - refused;
    // Each refusal lowers the ceiling below the refused span: a handful in all, not one per growth.
    assert.ok(served >= 10, JSON.stringify(calls));
    assert.ok(refused <= 8, `${refused} refusals for ${served} ranges: ${JSON.stringify(calls)}`);
    assert.deepEqual(dump, await freshDump(client, pennyPost.address, { reorgWindow: 4, chunkBlocks: 1, maxChunkBlocks: 1 }));
  });

  it("indexes through hardhat_mine's reserved blocks, whose parentHash is zero, without getting stuck", async () => {
    const { store, follower } = await openIndexer(client, pennyPost.address, { reorgWindow: 64 });
    await follower.syncOnce();
    await provider.request({ method: "hardhat_mine", params: ["0x20"] });
    await post(1, "after reserved blocks");
    await follower.syncOnce();
    const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
    assert.equal(follower.status().haltReason, null);
    assert.equal((await store.get<Cursor>(keys.cursor))?.number, head);
    const count = await client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "postCount" });
    assert.equal((await store.get<PostRecord>(keys.post(count)))?.content, "after reserved blocks");
    await store.close();
  });

  for (const depth of [1, 3, 12]) {
    it(`repairs a reorg of depth ${depth}: the database equals a fresh index of the new chain`, async () => {
      const { store, follower } = await openIndexer(client, pennyPost.address);
      await follower.syncOnce();
      const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
      for (let i = 0; i < depth; i++) await (i % 2 === 0 ? post(1, `orphan ${i}`) : tip(2, 1n, 1000n + BigInt(i)));
      await follower.syncOnce();
      await provider.request({ method: "evm_revert", params: [snapshot] });
      for (let i = 0; i < depth + 1; i++) await post(3, `canonical ${i}`);
      await follower.syncOnce();
      assert.equal(follower.status().lastReorgDepth, depth);
      assert.deepEqual(await store.dump(), await freshDump(client, pennyPost.address));
      await store.close();
    });
  }
});
