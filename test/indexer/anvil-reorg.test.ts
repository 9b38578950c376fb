import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { startAnvil, deployPennyPost, type Anvil } from "./anvil.ts";
import { freshDump, openIndexer, removeTempDirs } from "./helpers.ts";

const FEE = 10n ** 13n;

describe("follower (anvil)", () => {
  let anvil: Anvil;
  let address: Hex;

  const postData = (text: string) => encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, text] });
  async function post(from: number, text: string) {
    const hash = await anvil.wallet(from).sendTransaction({ to: address, data: postData(text), value: FEE, account: anvil.accounts[from], chain: undefined });
    await anvil.client.waitForTransactionReceipt({ hash });
  }
  /** anvil_reorg: replaces the newest `depth` blocks with new ones holding one new post each. */
  async function reorg(depth: number, tag: string) {
    const txs = Array.from({ length: depth }, (_, i) => [
      { from: anvil.accounts[2].address, to: address, value: `0x${FEE.toString(16)}`, data: postData(`${tag} ${i}`) }, i,
    ]);
    await anvil.rpc("anvil_reorg", [depth, txs]);
  }

  before(async () => {
    anvil = await startAnvil();
    address = await deployPennyPost(anvil, FEE);
    for (let i = 0; i < 3; i++) await post(1, `base ${i}`);
  });
  after(async () => {
    await anvil.stop();
    await removeTempDirs();
  });

  for (const depth of [1, 3, 12]) {
    it(`repairs an anvil_reorg of depth ${depth}: the database equals a fresh index`, async () => {
      for (let i = 0; i < depth; i++) await post(1, `orphan ${depth}.${i}`);
      const { store, follower } = await openIndexer(anvil.client, address);
      await follower.syncOnce();
      await reorg(depth, `canonical ${depth}`);
      await follower.syncOnce();
      assert.equal(follower.status().lastReorgDepth, depth);
      assert.deepEqual(await store.dump(), await freshDump(anvil.client, address));
      await store.close();
    });
  }

  it("repairs a reorg that happened while the indexer was down", async () => {
    for (let i = 0; i < 4; i++) await post(1, `before downtime ${i}`);
    const first = await openIndexer(anvil.client, address);
    await first.follower.syncOnce();
    const dir = first.store.location;
    await first.store.close();
    await reorg(3, "while down");
    const second = await openIndexer(anvil.client, address, {}, dir);
    await second.follower.syncOnce();
    assert.equal(second.follower.status().lastReorgDepth, 3);
    assert.deepEqual(await second.store.dump(), await freshDump(anvil.client, address));
    await second.store.close();
  });

  it("survives repeated reorgs in a row", async () => {
    const { store, follower } = await openIndexer(anvil.client, address);
    for (let round = 0; round < 5; round++) {
      await post(1, `round ${round}`);
      await follower.syncOnce();
      await reorg(1 + (round % 3), `repeat ${round}`);
      await follower.syncOnce();
    }
    assert.equal(follower.status().reorgs, 5);
    assert.deepEqual(await store.dump(), await freshDump(anvil.client, address));
    await store.close();
  });

  it("repairs a reorg found only after the head jumped past the window (backfill checks the cursor first)", async () => {
    for (let i = 0; i < 3; i++) await post(1, `before jump ${i}`);
    const { store, follower } = await openIndexer(anvil.client, address, { reorgWindow: 4 });
    await follower.syncOnce();
    await reorg(2, "jumped");
    for (let i = 0; i < 10; i++) await anvil.rpc("evm_mine");
    await follower.syncOnce();
    assert.equal(follower.status().lastReorgDepth, 2);
    assert.deepEqual(await store.dump(), await freshDump(anvil.client, address, { reorgWindow: 4 }));
    await store.close();
  });

  it("repairs a reorg exactly as deep as the window (the oldest record's parentHash names the ancestor)", async () => {
    for (let i = 0; i < 4; i++) await post(1, `window ${i}`);
    const { store, follower } = await openIndexer(anvil.client, address, { reorgWindow: 4 });
    await follower.syncOnce();
    await reorg(4, "exact");
    await follower.syncOnce();
    assert.equal(follower.status().haltReason, null);
    assert.equal(follower.status().lastReorgDepth, 4);
    assert.deepEqual(await store.dump(), await freshDump(anvil.client, address, { reorgWindow: 4 }));
    await store.close();
  });

  it("halts on a reorg deeper than the window and says why", async () => {
    for (let i = 0; i < 6; i++) await post(1, `deep ${i}`);
    const { store, follower } = await openIndexer(anvil.client, address, { reorgWindow: 4 });
    await follower.syncOnce();
    const before = await store.dump();
    await reorg(6, "too deep");
    await follower.syncOnce();
    assert.match(follower.status().haltReason ?? "", /deeper than the window of 4 blocks/);
    assert.deepEqual(await store.dump(), before, "a halted indexer writes nothing");
    await store.close();
  });
});

describe("follower (a node restarted from scratch)", () => {
  after(removeTempDirs);

  it("halts instead of serving the old chain when the node's chain is replaced under the same index", async () => {
    const first = await startAnvil();
    const address = await deployPennyPost(first, FEE);
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "on the old chain"] });
    for (let i = 0; i < 5; i++) {
      await first.client.waitForTransactionReceipt({ hash: await first.wallet(1).sendTransaction({ to: address, data, value: FEE, account: first.accounts[1], chain: undefined }) });
    }
    const old = await openIndexer(first.client, address);
    await old.follower.syncOnce();
    const dir = old.store.location;
    await old.store.close();
    await first.stop();

    // Same deployer, same nonce: the new chain has the contract at the same address and a lower
    // head; its genesis differs (as after any real restart, whose genesis time is later).
    const second = await startAnvil(["--timestamp", "1700000000"]);
    try {
      assert.equal(await deployPennyPost(second, FEE), address);
      const again = await openIndexer(second.client, address, {}, dir);
      await again.follower.syncOnce();
      assert.match(again.follower.status().haltReason ?? "", /not the one this index was built from/);
      await again.store.close();
    } finally {
      await second.stop();
    }
  });
});
