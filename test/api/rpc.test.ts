import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";

import { after, before, describe, it } from "mocha";

import { DEFAULT_RPC_GAS_CAP } from "../../server/config.ts";
import { RELAYED_METHODS } from "../../server/api/routes/rpc.ts";
import { freePort, startAnvil, type Anvil } from "../indexer/anvil.ts";
import { problemCode, rawRequest, startApi, type Harness } from "./helpers.ts";

/** Init code that loops until its gas runs out (JUMPDEST PUSH1 0 JUMP): eth_call runs it when `to` is absent. */
const LOOP = "0x5b600056";

/**
 * A JSON-RPC proxy in front of anvil that records what the relay forwards, how many requests are at
 * the node at once, and can hold each request `delayMs` before forwarding it.
 */
async function recordingProxy(target: string) {
  const seen: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let delayMs = 0;
  const server: Server = createServer(async (req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    seen.push(JSON.parse(body));
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.setHeader("content-type", "application/json").end(await upstream.text());
    } catch {
      res.destroy();
    } finally {
      inFlight -= 1;
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    maxInFlight: () => maxInFlight,
    delay: (ms: number) => {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const call = (method: string, params: unknown[] = [], id = 1) => ({ jsonrpc: "2.0", id, method, params });

async function post(url: string, body: unknown) {
  const response = await fetch(`${url}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

describe("POST /rpc", () => {
  let anvil: Anvil;
  let api: Harness;
  before(async () => {
    anvil = await startAnvil();
    api = await startApi({ rpcUrl: anvil.url });
  });
  after(async () => {
    await api.close();
    await anvil.stop();
  });

  it("relays a read to the chain and returns the node's answer", async () => {
    const res = await post(api.url, call("eth_chainId"));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { jsonrpc: "2.0", id: 1, result: "0x7a69" });
  });

  it("relays a batch", async () => {
    const res = await post(api.url, [call("eth_chainId", [], 1), call("eth_blockNumber", [], 2)]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((r: { id: number }) => r.id).sort(), [1, 2]);
  });

  for (const method of ["eth_sendTransaction", "eth_sign", "personal_sign", "anvil_setBalance", "evm_mine", "debug_traceTransaction", "admin_peers"]) {
    it(`refuses ${method} with 403 rpc_method_not_relayed, also inside a batch`, async () => {
      assert.equal(RELAYED_METHODS.has(method), false);
      const alone = await post(api.url, call(method));
      assert.equal(alone.status, 403);
      assert.equal(problemCode(alone), "rpc_method_not_relayed");
      const batch = await post(api.url, [call("eth_chainId"), call(method, [], 2)]);
      assert.equal(batch.status, 403);
    });
  }

  it("rejects an empty batch and a batch of more than 20 with 400 bad_request", async () => {
    assert.equal(problemCode(await post(api.url, [])), "bad_request");
    assert.equal(problemCode(await post(api.url, Array.from({ length: 21 }, (_, i) => call("eth_chainId", [], i)))), "bad_request");
  });

  it("answers 503 chain_unavailable when the node does not answer", async () => {
    const orphan = await startApi({ rpcUrl: "http://127.0.0.1:9" });
    const res = await post(orphan.url, call("eth_chainId"));
    await orphan.close();
    assert.equal(res.status, 503);
    assert.equal(problemCode(res), "chain_unavailable");
  });

  describe("what one request may make the node execute", () => {
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    let relay: Harness;
    before(async () => {
      proxy = await recordingProxy(anvil.url);
      relay = await startApi({ rpcUrl: proxy.url });
    });
    after(async () => {
      await relay.close();
      await proxy.close();
    });

    it(`gives eth_call and eth_estimateGas without gas the cap (${DEFAULT_RPC_GAS_CAP}), shared by the calls of a batch`, async () => {
      proxy.seen.length = 0;
      const alone = await post(relay.url, call("eth_call", [{ data: LOOP }, "latest"]));
      assert.equal(alone.status, 200);
      assert.ok(alone.body.error !== undefined, "the looping call ran out of gas");
      const batch = await post(relay.url, [call("eth_estimateGas", [{ data: LOOP }], 1), call("eth_call", [{ data: LOOP, gas: "0x5208" }, "latest"], 2), call("eth_blockNumber", [], 3)]);
      assert.equal(batch.status, 200);
      const [first, second] = proxy.seen as { params: { gas: string }[] }[] | { params: { gas: string }[] }[][];
      assert.equal(Number((first as { params: { gas: string }[] }).params[0].gas), DEFAULT_RPC_GAS_CAP);
      const gases = (second as { method: string; params: { gas?: string }[] }[]).map((c) => (c.params[0]?.gas === undefined ? undefined : Number(c.params[0].gas)));
      assert.deepEqual(gases, [DEFAULT_RPC_GAS_CAP - 21_000, 21_000, undefined]);
    });

    it("refuses explicit gas above the cap, alone or summed over a batch, with 400 rpc_gas_above_cap, before asking the node", async () => {
      proxy.seen.length = 0;
      const alone = await post(relay.url, call("eth_call", [{ data: LOOP, gas: "0x1000000" }, "latest"]));
      assert.deepEqual([alone.status, problemCode(alone)], [400, "rpc_gas_above_cap"]);
      const half = `0x${Math.ceil(DEFAULT_RPC_GAS_CAP / 2 + 1).toString(16)}`;
      const summed = await post(relay.url, [call("eth_call", [{ data: LOOP, gas: half }, "latest"], 1), call("eth_estimateGas", [{ data: LOOP, gas: half }], 2)]);
      assert.deepEqual([summed.status, problemCode(summed)], [400, "rpc_gas_above_cap"]);
      assert.equal(proxy.seen.length, 0);
    });

    it("refuses state overrides and malformed gas with 400 bad_request", async () => {
      const overrides = await post(relay.url, call("eth_call", [{ data: LOOP }, "latest", { "0x0000000000000000000000000000000000000001": { code: LOOP } }]));
      assert.deepEqual([overrides.status, problemCode(overrides)], [400, "bad_request"]);
      const badGas = await post(relay.url, call("eth_call", [{ data: LOOP, gas: 1e9 }, "latest"]));
      assert.deepEqual([badGas.status, problemCode(badGas)], [400, "bad_request"]);
    });
  });

  describe("limits on the node's time", () => {
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    after(() => proxy.close());
    before(async () => {
      proxy = await recordingProxy(anvil.url);
    });

    it("sends at most maxInFlight requests to the node at once; the others wait their turn", async () => {
      const relay = await startApi({ rpcUrl: proxy.url, rpcLimits: { maxInFlight: 2, timeoutMs: 60_000 } });
      proxy.delay(50);
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(relay.url, call("eth_blockNumber", [], i))));
      proxy.delay(0);
      await relay.close();
      assert.deepEqual(answers.map((a) => a.status), Array(12).fill(200));
      assert.equal(proxy.maxInFlight(), 2);
    });

    it("answers 503 rpc_busy with Retry-After when the line of waiting requests is full", async () => {
      const relay = await startApi({ rpcUrl: proxy.url, rpcLimits: { maxInFlight: 1, maxWaiting: 1, timeoutMs: 60_000 } });
      proxy.delay(300);
      const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => post(relay.url, call("eth_blockNumber", [], i))));
      proxy.delay(0);
      await relay.close();
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 503]);
      const busy = answers.find((a) => a.status === 503) as (typeof answers)[number];
      assert.deepEqual([problemCode(busy), busy.headers.get("retry-after")], ["rpc_busy", "1"]);
    });

    it("answers 503 chain_unavailable when the node does not answer within the request's time budget", async () => {
      const relay = await startApi({ rpcUrl: proxy.url, rpcLimits: { timeoutMs: 200 } });
      proxy.delay(2_000);
      const answer = await post(relay.url, call("eth_blockNumber"));
      proxy.delay(0);
      await relay.close();
      assert.deepEqual([answer.status, problemCode(answer)], [503, "chain_unavailable"]);
    });

    it("answers 429 rate_limited with Retry-After once a client has used its node time for the minute", async () => {
      const relay = await startApi({ rpcUrl: proxy.url, rpcLimits: { clientMsPerMinute: 100 } });
      proxy.delay(60);
      const first = await post(relay.url, call("eth_blockNumber"));
      const second = await post(relay.url, call("eth_blockNumber"));
      const third = await post(relay.url, call("eth_blockNumber"));
      proxy.delay(0);
      await relay.close();
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.deepEqual([third.status, problemCode(third)], [429, "rate_limited"]);
      assert.ok(Number(third.headers.get("retry-after")) >= 1);
    });
  });

  describe("Host check (DNS rebinding)", () => {
    const rpcBody = JSON.stringify(call("eth_chainId"));
    const headers = (host: string) => ({ host, "content-type": "application/json" });

    for (const host of ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example"]) {
      it(`refuses POST /rpc and POST /v1/actions with Host ${JSON.stringify(host)}: 403 host_not_allowed`, async () => {
        for (const path of ["/rpc", "/v1/actions"]) {
          const res = await rawRequest(api.url, "POST", path, rpcBody, headers(host));
          assert.equal(res.status, 403, `${path}: ${res.text}`);
          assert.equal(JSON.parse(res.text).code, "host_not_allowed");
        }
      });
    }

    for (const host of ["localhost", "localhost:8080", "app.localhost", "127.0.0.1:9", "[::1]:8080", "10.1.2.3"]) {
      it(`answers Host ${host} (loopback name or IP literal)`, async () => {
        const res = await rawRequest(api.url, "POST", "/rpc", rpcBody, headers(host));
        assert.equal(res.status, 200, res.text);
      });
    }

    it("answers a name listed in allowedHosts (ALLOWED_HOSTS)", async () => {
      const listed = await startApi({ rpcUrl: anvil.url, allowedHosts: ["pennypost.example"] });
      const res = await rawRequest(listed.url, "POST", "/rpc", rpcBody, headers("PennyPost.example:443"));
      const other = await rawRequest(listed.url, "POST", "/rpc", rpcBody, headers("other.example"));
      await listed.close();
      assert.deepEqual([res.status, other.status], [200, 403]);
    });

    it("leaves read-only data routes to any Host (they reach neither the node nor the relayer)", async () => {
      const res = await rawRequest(api.url, "GET", "/v1/posts", undefined, { host: "evil.example" });
      assert.equal(res.status, 200);
    });
  });

  it("answers 404 not_found when the server relays no JSON-RPC", async () => {
    const bare = await startApi();
    const res = await post(bare.url, call("eth_chainId"));
    await bare.close();
    assert.equal(res.status, 404);
    assert.equal(problemCode(res), "not_found");
  });
});
