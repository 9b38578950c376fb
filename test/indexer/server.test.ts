import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";

import { after, before, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { deployPennyPost, freePort, startAnvil, type Anvil } from "./anvil.ts";
import { until as waitFor } from "../support/wait.ts";
import { freshDump, removeTempDirs, silentLogger, tempDir } from "./helpers.ts";

const FEE = 10n ** 13n;

/**
 * A JSON-RPC proxy in front of a real node that refuses eth_getLogs over more than `maxBlocks`
 * blocks, the way hosted providers do.
 */
async function rangeLimitingProxy(target: string, maxBlocks: number): Promise<{ url: string; refused: () => number; close: () => Promise<void> }> {
  let refused = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const calls = Array.isArray(body) ? body : [body];
    const tooWide = calls.find((call) => {
      const filter = call.method === "eth_getLogs" ? call.params?.[0] : undefined;
      return filter?.fromBlock !== undefined && Number(filter.toBlock) - Number(filter.fromBlock) + 1 > maxBlocks;
    });
    if (tooWide !== undefined) {
      refused += 1;
      const error = { jsonrpc: "2.0", id: tooWide.id, error: { code: -32005, message: `query exceeds max block range ${maxBlocks}` } };
      res.setHeader("content-type", "application/json").end(JSON.stringify(Array.isArray(body) ? calls.map((c) => ({ ...error, id: c.id })) : error));
      return;
    }
    const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    res.setHeader("content-type", "application/json").end(await upstream.text());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, refused: () => refused, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("server (anvil, end to end)", function () {
  this.timeout(600_000);
  let anvil: Anvil;
  let address: Hex;

  async function post(text: string) {
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, text] });
    const hash = await anvil.wallet(1).sendTransaction({ to: address, data, value: FEE, account: anvil.accounts[1], chain: undefined });
    await anvil.client.waitForTransactionReceipt({ hash });
  }
  async function start(env: Record<string, string>): Promise<RunningServer> {
    const config = loadConfig({
      CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: address, DATA_DIR: await tempDir("server"), HTTP_PORT: "0", POLL_INTERVAL_MS: "20", ...env,
    });
    return startServer(config, silentLogger);
  }
  const until = (check: () => Promise<boolean>) => waitFor("the server's state", check);

  before(async () => {
    anvil = await startAnvil();
    address = await deployPennyPost(anvil, FEE);
  });
  after(async () => {
    await anvil.stop();
    await removeTempDirs();
  });

  it("serves a post sent to the chain through /v1/posts", async () => {
    const server = await start({});
    await post("end to end");
    await until(async () => {
      const body = (await (await fetch(`${server.url}/v1/posts?limit=1`)).json()) as { data: { content: string }[] };
      return body.data[0]?.content === "end to end";
    });
    assert.equal((await fetch(`${server.url}/ready`)).status, 200);
    await server.stop();
  });

  it("halts on a reorg deeper than the window: /ready answers 503 index_halted with the reason", async () => {
    for (let i = 0; i < 5; i++) await post(`deep ${i}`);
    const server = await start({ REORG_WINDOW: "3" });
    await until(async () => (await fetch(`${server.url}/ready`)).status === 200);
    await anvil.rpc("anvil_reorg", [5, []]);
    // Until the halt: the watch may first see the indexed block off the chain (503 index_off_chain).
    await until(async () => ((await (await fetch(`${server.url}/ready`)).json()) as { code?: string }).code === "index_halted");
    const problem = (await (await fetch(`${server.url}/ready`)).json()) as { code: string; detail: string };
    assert.equal(problem.code, "index_halted");
    assert.match(problem.detail, /deeper than the window of 3 blocks/);
    const status = (await (await fetch(`${server.url}/status`)).json()) as { haltReason: string | null };
    assert.match(status.haltReason ?? "", /deeper than the window/);
    await server.stop();
  });

  it("shrinks eth_getLogs ranges a provider refuses and still indexes everything", async () => {
    for (let i = 0; i < 12; i++) await post(`ranged ${i}`);
    const proxy = await rangeLimitingProxy(anvil.url, 4);
    const dir = await tempDir("ranged");
    const server = await start({ CHAIN_RPC_URL: proxy.url, DATA_DIR: dir, BACKFILL_CHUNK_BLOCKS: "64", REORG_WINDOW: "2" });
    const head = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
    await until(async () => ((await (await fetch(`${server.url}/status`)).json()) as { indexedBlock: number }).indexedBlock >= head);
    await server.stop();
    assert.ok(proxy.refused() > 0, "the proxy refused at least one range");
    await proxy.close();
    const { LevelStore } = await import("../../server/store/level-store.ts");
    const store = await LevelStore.open(dir);
    const dump = await store.dump();
    await store.close();
    assert.deepEqual(dump, await freshDump(anvil.client, address, { reorgWindow: 2 }));
  });

  it("relays POST /rpc on the local chain (31337) by default, on another chain only with RPC_RELAY=on, never with off", async () => {
    const rpc = async (server: RunningServer) => {
      const res = await fetch(`${server.url}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      return [res.status, ((await res.json()) as { code?: string }).code];
    };
    const statuses = async (node: Anvil, at: Hex, env: Record<string, string>) => {
      const server = await startServer(loadConfig({ CHAIN_RPC_URL: node.url, PENNYPOST_ADDRESS: at, DATA_DIR: await tempDir("relay"), HTTP_PORT: "0", RELAYER: "off", ...env }), silentLogger);
      try {
        return await rpc(server);
      } finally {
        await server.stop();
      }
    };
    assert.deepEqual(await statuses(anvil, address, {}), [200, undefined]);
    assert.deepEqual(await statuses(anvil, address, { RPC_RELAY: "off" }), [404, "not_found"]);
    const other = await startAnvil();
    try {
      const at = await deployPennyPost(other, FEE);
      await other.rpc("anvil_setChainId", [1337]); // another chain than the local one
      assert.deepEqual(await statuses(other, at, {}), [404, "not_found"]);
      assert.deepEqual(await statuses(other, at, { RPC_RELAY: "on" }), [200, undefined]);
    } finally {
      await other.stop();
    }
  });

  it("refuses to start on an invalid configuration, naming every bad field, exit code 1", () => {
    const result = spawnSync(process.execPath, ["server/main.ts"], {
      env: { ...process.env, HTTP_PORT: "http", CONFIRMATIONS: "-2", LOG_LEVEL: "chatty" }, encoding: "utf8",
    });
    assert.equal(result.status, 1);
    for (const field of ["HTTP_PORT", "CONFIRMATIONS", "LOG_LEVEL"]) assert.match(result.stderr, new RegExp(`${field}:`));
  });
});
