/**
 * The index never serves what the chain no longer holds (issue 15): the real server (startServer)
 * following a real anvil, driven the way a new user would break it: the chain replaced under the
 * running server, reorgs deeper than the window, a rollback below the indexed block, a node that
 * stops answering. Each waits for the state it checks (a busy machine is slow), then checks that
 * every answer from then on is the 503 of that state, never 200 with data the node does not hold.
 *
 * The scenarios that already held are in anvil-reorg.test.ts (reorgs of depth 1, 3 and 12, a reorg
 * while down, repeated reorgs) and crash.test.ts (kill -9 during ingest and during a repair).
 * RELIABILITY_TRIES (default 2) repeats the chain replacement; RELIABILITY_REPORT=1 prints the
 * detection times.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";

import { after, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";
import { deployPennyPost, freePort, startAnvil, type Anvil } from "./anvil.ts";
import { removeTempDirs, silentLogger, tempDir } from "./helpers.ts";

const FEE = 10n ** 13n;
const POLL_MS = 100;
const DEFAULT_POLL_MS = 200;
const TRIES = Number(process.env.RELIABILITY_TRIES ?? "2");
const report = (line: string) => {
  if (process.env.RELIABILITY_REPORT === "1") console.log(`      ${line}`);
};

interface Answer {
  status: number;
  code?: string;
  body: { data?: unknown; block?: { number: number; hash: Hex }; code?: string; [key: string]: unknown };
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url);
  const body = (await response.json()) as Answer["body"];
  return { status: response.status, code: body.code, body };
}

/** An open /v1/stream: what it has sent so far, and a promise that resolves when the server ends it. */
async function openStream(url: string): Promise<{ text: () => string; closed: () => boolean }> {
  const response = await fetch(`${url}/v1/stream`);
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let closed = false;
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  })().catch(() => undefined).finally(() => (closed = true));
  return { text: () => text, closed: () => closed };
}

async function post(anvil: Anvil, address: Hex, text: string): Promise<void> {
  const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, text] });
  const hash = await anvil.wallet(1).sendTransaction({ to: address, data, value: FEE, account: anvil.accounts[1], chain: undefined });
  await anvil.client.waitForTransactionReceipt({ hash });
}

async function start(rpcUrl: string, address: Hex, env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({
    CHAIN_RPC_URL: rpcUrl, PENNYPOST_ADDRESS: address, DATA_DIR: await tempDir("reliability"), HTTP_PORT: "0", POLL_INTERVAL_MS: String(POLL_MS),
    NODE_TIMEOUT_MS: "1000", RELAYER: "off", LOG_LEVEL: "silent", ...env,
  });
  return startServer(config, silentLogger);
}

/** Waits until the server is ready and has indexed the node's head. */
async function untilCaughtUp(server: RunningServer, anvil: Anvil): Promise<void> {
  const head = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
  await until(`the server to index block ${head}`, async () => {
    const status = (await get(`${server.url}/status`)).body as { indexedBlock: number | null };
    return (status.indexedBlock ?? -1) >= head && (await fetch(`${server.url}/ready`)).status === 200;
  });
}

/** The data routes a reader uses, each asked once. */
const DATA_ROUTES = ["/v1/posts", "/v1/posts/1", "/v1/config", "/v1/authors/0x70997970c51812dc3a010c7d01b50e0d17dc79c8/posts", "/v1/leaderboards/posts"];

/** Every data route, `rounds` times over about `rounds` poll intervals: each answer must be 503 `code`. */
async function assertRefusedThroughout(server: RunningServer, code: string, rounds = 10): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const route of [...DATA_ROUTES, "/ready"]) {
      const answer = await get(`${server.url}${route}`);
      assert.deepEqual([route, answer.status, answer.code], [route, 503, code]);
    }
    const stream = await fetch(`${server.url}/v1/stream`);
    assert.equal(stream.status, 503);
    await stream.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Asks /v1/posts every 10 ms while `watching.on`: when it first answered 503 `code`
 * (performance.now()), when each 200 before came, and the statuses of any non-503 answer after.
 */
function watchRefusal(server: RunningServer, code: string, watching: { on: boolean }) {
  const result = { refusedAt: undefined as number | undefined, servedBefore: [] as number[], servedAfter: [] as string[], done: Promise.resolve() };
  result.done = (async () => {
    while (watching.on) {
      const answer = await get(`${server.url}/v1/posts`).catch(() => undefined);
      const at = performance.now();
      if (answer !== undefined) {
        if (result.refusedAt === undefined) {
          if (answer.status === 503 && answer.code === code) result.refusedAt = at;
          else if (answer.status === 200) result.servedBefore.push(at);
        } else if (answer.status !== 503) result.servedAfter.push(`${answer.status} ${answer.code ?? ""}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return result;
}

/** When a JSON-RPC node at `url` first answers (performance.now()), asked every 5 ms. */
async function firstAnswer(url: string, watching: { on: boolean }): Promise<number> {
  while (watching.on) {
    const answered = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) })
      .then((r) => r.ok, () => false);
    if (answered) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the node never answered");
}

/** Asks /v1/posts until it answers 503 `code`; returns how long that took. */
async function untilRefused(server: RunningServer, code: string, since = performance.now()): Promise<number> {
  await until(`/v1/posts to answer 503 ${code}`, async () => {
    const answer = await get(`${server.url}/v1/posts`);
    return answer.status === 503 && answer.code === code;
  }, { everyMs: 10 });
  return performance.now() - since;
}

describe("reliability: the index never serves what the chain no longer holds (real server, anvil)", function () {
  // Each wait below is bounded (PATIENCE_MS) and says what it waited for; the test's own bound is above them all.
  this.timeout(10 * PATIENCE_MS);
  after(removeTempDirs);

  describe("when the chain is replaced under a running server (node restarted from scratch, contract redeployed at the same address)", () => {
    for (let attempt = 1; attempt <= TRIES; attempt++) {
      it(`stops serving the old chain's data at the default poll interval: every data route and /ready answer 503 chain_replaced (try ${attempt} of ${TRIES})`, async () => {
        const port = await freePort();
        const first = await startAnvil([], port);
        const address = await deployPennyPost(first, FEE);
        for (let i = 0; i < 5; i++) await post(first, address, `old chain ${i}`);
        // The defaults of POLL_INTERVAL_MS and NODE_TIMEOUT_MS (server/config.ts): the "with the default settings".
        const server = await start(first.url, address, { POLL_INTERVAL_MS: String(DEFAULT_POLL_MS), NODE_TIMEOUT_MS: "10000" });
        let second: Anvil | undefined;
        const watching = { on: true };
        try {
          await untilCaughtUp(server, first);
          await first.stop();
          // From here, the API is asked every 10 ms and the new node every 5 ms: how long after the
          // new node first answers does the API stop serving the old chain, and does it ever again?
          const api = watchRefusal(server, "chain_replaced", watching);
          const nodeAnswered = firstAnswer(`http://127.0.0.1:${port}`, watching);
          // Another genesis (as after any real restart), the same deployer and nonce: the same address.
          second = await startAnvil(["--timestamp", String(1_700_000_000 + attempt)], port);
          assert.equal(await deployPennyPost(second, FEE), address);
          for (let i = 0; i < 3; i++) await post(second, address, `new chain ${i}`);
          const refusedAt = await until("/v1/posts to answer 503 chain_replaced", () => api.refusedAt);
          await assertRefusedThroughout(server, "chain_replaced");
          const answeredAt = await nodeAnswered;
          const ms = refusedAt - answeredAt;
          const served = api.servedBefore.filter((at) => at > answeredAt).length;
          report(`chain replaced: data routes refused ${Math.round(ms)} ms after the new node first answered (${(ms / DEFAULT_POLL_MS).toFixed(2)} poll intervals of ${DEFAULT_POLL_MS} ms); ${served} answers of 200 in between`);
          // /status keeps reading the node after the halt: the new chain's head, not a frozen one.
          const head = Number(await second.client.getBlockNumber({ cacheTime: 0 }));
          const status = await until("/status to show the new chain's head", async () => {
            const body = (await get(`${server.url}/status`)).body as { chainHead: number; indexedBlock: number; lag: number; ready: boolean; unavailable: { code: string } | null };
            return body.chainHead === head ? body : undefined;
          });
          assert.equal(status.ready, false);
          assert.equal(status.unavailable?.code, "chain_replaced");
          assert.equal(status.lag, head - status.indexedBlock);
          watching.on = false;
          await api.done;
          assert.deepEqual(api.servedAfter, [], "no answer of 200 once the replacement was seen");
        } finally {
          watching.on = false;
          await server.stop();
          await second?.stop();
        }
      });
    }
  });

  describe("when a reorg is deeper than REORG_WINDOW (4)", () => {
    for (const depth of [5, 8]) {
      it(`of ${depth} blocks: data routes answer 503 index_halted, not the orphaned posts, an open stream is told and closed, and /status keeps following the head`, async () => {
        const anvil = await startAnvil();
        const address = await deployPennyPost(anvil, FEE);
        for (let i = 0; i < 10; i++) await post(anvil, address, `deep ${depth}.${i}`);
        const server = await start(anvil.url, address, { REORG_WINDOW: "4" });
        try {
          await untilCaughtUp(server, anvil);
          const stream = await openStream(server.url);
          const reorgedAt = performance.now();
          await anvil.rpc("anvil_reorg", [depth, []]);
          const ms = await untilRefused(server, "index_halted", reorgedAt);
          report(`reorg of ${depth} > window 4: data routes refused ${Math.round(ms)} ms after anvil_reorg`);
          await assertRefusedThroughout(server, "index_halted");
          // The stream opened before the halt announces why and ends (it does not stay open on data that is off the chain).
          await until("the stream opened before the halt to be closed", () => stream.closed());
          assert.match(stream.text(), /event: unavailable\ndata: \{"code":"index_halted","reason":"[^"]*deeper than the window of 4 blocks/);
          for (let i = 0; i < 3; i++) await anvil.rpc("evm_mine");
          const head = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
          const status = await until("/status to follow the head after the halt", async () => {
            const body = (await get(`${server.url}/status`)).body as { chainHead: number; indexedBlock: number; lag: number; haltReason: string | null };
            return body.chainHead === head ? body : undefined;
          });
          assert.match(status.haltReason ?? "", /deeper than the window of 4 blocks/);
          assert.equal(status.lag, head - status.indexedBlock);
          assert.ok(status.lag > 0);
        } finally {
          await server.stop();
          await anvil.stop();
        }
      });
    }
  });

  describe("when the node rolls back below the indexed block (anvil_rollback)", () => {
    it("answers 503 index_ahead_of_chain with a negative lag while the node is behind, then serves the new chain once it grows past", async () => {
      const anvil = await startAnvil();
      const address = await deployPennyPost(anvil, FEE);
      for (let i = 0; i < 6; i++) await post(anvil, address, `before rollback ${i}`);
      const server = await start(anvil.url, address);
      try {
        await untilCaughtUp(server, anvil);
        const indexed = Number(await anvil.client.getBlockNumber({ cacheTime: 0 }));
        const rolledAt = performance.now();
        await anvil.rpc("anvil_rollback", [4]);
        const ms = await untilRefused(server, "index_ahead_of_chain", rolledAt);
        report(`rollback of 4: data routes refused ${Math.round(ms)} ms after anvil_rollback`);
        await assertRefusedThroughout(server, "index_ahead_of_chain");
        const status = (await get(`${server.url}/status`)).body as { chainHead: number; indexedBlock: number; lag: number; ready: boolean };
        assert.deepEqual([status.indexedBlock, status.chainHead, status.lag, status.ready], [indexed, indexed - 4, -4, false]);

        for (let i = 0; i < 6; i++) await post(anvil, address, `after rollback ${i}`);
        await untilCaughtUp(server, anvil);
        const feed = await until("the feed to be served again", async () => {
          const answer = await get(`${server.url}/v1/posts?limit=100`);
          return answer.status === 200 ? answer.body : undefined;
        });
        const onChain = await anvil.client.getBlock({ blockNumber: BigInt(feed.block?.number ?? 0) });
        assert.equal(feed.block?.hash, onChain.hash, "the block the answer states is the node's");
        const texts = (feed.data as { content: string }[]).map((p) => p.content);
        assert.deepEqual(texts.filter((t) => t.startsWith("before rollback")).sort(), ["before rollback 0", "before rollback 1"]);
        assert.equal(texts.filter((t) => t.startsWith("after rollback")).length, 6);
      } finally {
        await server.stop();
        await anvil.stop();
      }
    });
  });

  describe("when the node stops answering (requests accepted, never answered)", () => {
    it("answers 503 node_unavailable on /ready and every data route within NODE_TIMEOUT_MS, and serves again when it answers", async () => {
      const anvil = await startAnvil();
      const address = await deployPennyPost(anvil, FEE);
      await post(anvil, address, "before the freeze");
      const proxy = await freezableProxy(anvil.url);
      const server = await start(proxy.url, address);
      try {
        await untilCaughtUp(server, anvil);
        const frozenAt = performance.now();
        proxy.freeze();
        const ms = await until("/ready to answer 503 node_unavailable", async () => {
          const answer = await get(`${server.url}/ready`);
          return answer.code === "node_unavailable" ? performance.now() - frozenAt : undefined;
        }, { everyMs: 10 });
        report(`node frozen: /ready 503 node_unavailable after ${Math.round(ms)} ms (NODE_TIMEOUT_MS 1000)`);
        await assertRefusedThroughout(server, "node_unavailable");
        proxy.thaw();
        await until("/ready to answer 200 again", async () => (await fetch(`${server.url}/ready`)).status === 200);
        assert.equal((await get(`${server.url}/v1/posts`)).status, 200);
      } finally {
        proxy.thaw();
        await server.stop();
        await proxy.close();
        await anvil.stop();
      }
    });
  });
});

/** A JSON-RPC proxy that, frozen, holds every request unanswered until thawed (a hung node). */
async function freezableProxy(target: string): Promise<{ url: string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  let frozen = false;
  let held: (() => void)[] = [];
  const forward = async (body: string, res: ServerResponse) => {
    try {
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.setHeader("content-type", "application/json").end(await upstream.text());
    } catch {
      res.destroy();
    }
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (frozen) held.push(() => void forward(body, res));
    else await forward(body, res);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      const release = held;
      held = [];
      for (const go of release) go();
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
