import assert from "node:assert/strict";
import { spawn } from "node:child_process";

import { after, before, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import type { AccountRecord } from "../../server/domain.ts";
import { keys } from "../../server/store/keys.ts";
import { LevelStore } from "../../server/store/level-store.ts";
import { deployPennyPost, startAnvil, type Anvil } from "./anvil.ts";
import { freshDump, removeTempDirs, tempDir } from "./helpers.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";

const FEE = 10n ** 13n;
const KILLS = 12;

/** The indexer as a child process (server/main.ts), exactly as deployed. */
function spawnIndexer(env: Record<string, string>) {
  return spawn(process.execPath, ["server/main.ts"], { env: { ...process.env, ...env, LOG_LEVEL: "debug" }, stdio: ["ignore", "pipe", "ignore"] });
}

describe("indexer crash safety", function () {
  this.timeout(5 * PATIENCE_MS); // each wait is bounded by PATIENCE_MS
  let anvil: Anvil;
  let address: Hex;
  let producing = true;
  let producer: Promise<void>;

  async function send(from: number, functionName: "post" | "tip", args: readonly bigint[] | readonly [bigint, string], value: bigint) {
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName, args: args as never });
    await anvil.wallet(from).sendTransaction({ to: address, data, value, account: anvil.accounts[from], chain: undefined });
  }

  before(async () => {
    anvil = await startAnvil();
    address = await deployPennyPost(anvil, FEE);
    for (let i = 0; i < 150; i++) {
      await send(1 + (i % 3), "post", [0n, `seed ${i}`], FEE);
      if (i > 0) await send(4, "tip", [BigInt(i)], 1_000n + BigInt(i));
    }
    // Keep the chain moving while the indexer is being killed.
    producer = (async () => {
      for (let i = 0; producing; i++) {
        await send(1 + (i % 3), "post", [0n, `live ${i}`], FEE);
        await send(4, "tip", [BigInt(1 + (i % 100))], 7n + BigInt(i));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
  });
  after(async () => {
    producing = false;
    await producer;
    await anvil.stop();
    await removeTempDirs();
  });

  it(`loses nothing and counts nothing twice across ${KILLS} SIGKILLs during ingest`, async () => {
    const dataDir = await tempDir("crash");
    const env = {
      CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: address, START_BLOCK: "0", DATA_DIR: dataDir, HTTP_PORT: "0",
      LOG_LEVEL: "silent", BACKFILL_CHUNK_BLOCKS: "3", BACKFILL_MAX_CHUNK_BLOCKS: "5", REORG_WINDOW: "8", POLL_INTERVAL_MS: "10",
    };
    const cursors: number[] = [];
    let midIngest = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = spawnIndexer(env);
      // Kill at a random moment after the first batch of this run has been written.
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ingested block")) resolve();
        });
        child.once("exit", () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 120)));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const probe = await LevelStore.open(dataDir);
      const cursor = await probe.get<{ number: number }>(keys.cursor);
      await probe.close();
      const head = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
      cursors.push(cursor?.number ?? -1);
      if (cursor !== undefined && cursor.number < head) midIngest += 1;
    }
    // The kills must land while there was still something to ingest, and progress must be kept.
    assert.ok(midIngest >= KILLS / 2, `only ${midIngest} of ${KILLS} kills happened mid-ingest (cursors ${cursors.join(",")})`);
    assert.ok(cursors.some((c) => c > 0), `no progress was ever committed (cursors ${cursors.join(",")})`);
    producing = false;
    await producer;

    // The last run catches up and stops gracefully (SIGTERM -> exit 0).
    const last = spawn(process.execPath, ["server/main.ts"], { env: { ...process.env, ...env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      last.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /"url":"(http:[^"]+)"/.exec(buffered);
        if (match) resolve(match[1]);
      });
      last.once("exit", (code) => reject(new Error(`indexer exited with ${code} before listening`)));
    });
    const head = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
    await until(`the indexer to reach block ${head}`, async () => {
      const status = (await fetch(`${url}/status`).then((r) => r.json())) as { indexedBlock: number | null };
      return (status.indexedBlock ?? -1) >= head;
    }, { everyMs: 50 });
    const code = await new Promise((resolve) => {
      last.once("exit", resolve);
      last.kill("SIGTERM");
    });
    assert.equal(code, 0, "graceful shutdown exits 0");

    const store = await LevelStore.open(dataDir);
    const dump = await store.dump();
    const postCount = await anvil.client.readContract({ address, abi: pennyPostAbi, functionName: "postCount" });
    assert.equal((await store.keysWithPrefix("p!")).length, Number(postCount), "every post once");
    for (const account of anvil.accounts.slice(1, 4)) {
      const owed = await anvil.client.readContract({ address, abi: pennyPostAbi, functionName: "owed", args: [account.address, "0x0000000000000000000000000000000000000000"] });
      const record = await store.get<AccountRecord>(keys.account(account.address));
      assert.equal(record?.owed["0x0000000000000000000000000000000000000000"], owed.toString(), `owed to ${account.address} matches the contract`);
    }
    await store.close();
    assert.deepEqual(dump, await freshDump(anvil.client, address, { reorgWindow: 8 }), "equal to a fresh index of the chain");
  });
});

