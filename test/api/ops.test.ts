import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";

import { Config, Problem, Status, envelope } from "../../server/api/models.ts";
import { ALICE, TOKEN, getJson, problemCode, startApi, type Harness } from "./helpers.ts";

describe("operations and config", () => {
  let api: Harness;
  before(async () => {
    api = await startApi({ contracts: { PennyPost: "0x5fbdb2315678afecb367f032d93f642f64180aa3", PennyTestToken: TOKEN } });
  });
  after(() => api.close());

  describe("GET /health", () => {
    it("answers 200 ok even when not ready", async () => {
      api.status.ready = false;
      const res = await getJson(`${api.url}/health`);
      api.status.ready = true;
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: "ok" });
    });

    it("ignores a probe's query string", async () => {
      const res = await getJson(`${api.url}/health?nocache=123`);
      assert.equal(res.status, 200);
    });
  });

  describe("GET /ready", () => {
    it("answers 200 when the follower is ready", async () => {
      const res = await getJson(`${api.url}/ready`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: "ready" });
    });

    it("answers 503 not_ready while catching up", async () => {
      api.status.ready = false;
      const res = await getJson(`${api.url}/ready`);
      api.status.ready = true;
      assert.equal(res.status, 503);
      assert.equal(problemCode(res), "not_ready");
      assert.match(res.body.detail, /catching up/);
    });

    it("answers 503 not_ready with the halt reason after a deep reorg", async () => {
      Object.assign(api.status, { ready: false, haltReason: "reorg deeper than the window (80 > 64)" });
      const res = await getJson(`${api.url}/ready`);
      Object.assign(api.status, { ready: true, haltReason: null });
      assert.equal(res.status, 503);
      assert.equal(problemCode(res), "not_ready");
      assert.match(res.body.detail, /80 > 64/);
    });
  });

  describe("when the indexed data cannot be vouched for (status.unavailable)", () => {
    const codes = ["index_halted", "chain_replaced", "node_unavailable", "index_ahead_of_chain", "index_off_chain"] as const;
    // A harness of its own: the posts mined here would move the other tests' blocks.
    let api: Harness;
    before(async () => {
      api = await startApi();
      await api.chain.mine(api.chain.post(ALICE, "served before"));
    });
    after(() => api.close());
    for (const code of codes) {
      it(`answers 503 ${code} with the reason on /ready and every data route, and 200 on /health and /status`, async () => {
        Object.assign(api.status, { ready: false, unavailable: { code, reason: `because ${code}` } });
        try {
          for (const route of ["/ready", "/v1/posts", "/v1/posts/1", "/v1/posts/1/tips", "/v1/config", `/v1/authors/${ALICE}`, "/v1/leaderboards/posts", "/v1/stream"]) {
            const res = await getJson(`${api.url}${route}`);
            assert.deepEqual([route, res.status, problemCode(res), res.body.detail], [route, 503, code, `because ${code}`]);
            const transient = code !== "index_halted" && code !== "chain_replaced";
            if (route !== "/ready") assert.equal(res.headers.get("retry-after"), transient ? "1" : null, route);
          }
          assert.equal((await getJson(`${api.url}/health`)).status, 200);
          assert.equal((await getJson(`${api.url}/status`)).body.unavailable.code, code);
        } finally {
          Object.assign(api.status, { ready: true, unavailable: null });
        }
        assert.equal((await getJson(`${api.url}/v1/posts`)).status, 200);
      });
    }
  });

  describe("GET /status", () => {
    it("returns the follower's status as given", async () => {
      Object.assign(api.status, { chainHead: 12, indexedBlock: 10, indexedHash: "0xab", lag: 2, reorgs: 1, lastReorgDepth: 3 });
      const res = await getJson(`${api.url}/status`);
      assert.equal(res.status, 200);
      Status.parse(res.body);
      assert.deepEqual(res.body, api.status);
    });
  });

  describe("GET /metrics", () => {
    it("serves Prometheus text with request counts and durations by route template", async () => {
      await getJson(`${api.url}/v1/posts/12345`);
      const res = await fetch(`${api.url}/metrics`);
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
      assert.match(text, /pennypost_http_requests_total\{method="GET",route="\/v1\/posts\/:id",status="404"\} 1/);
      assert.match(text, /pennypost_http_request_duration_seconds_bucket\{le="[0-9.]+",method="GET",route="\/v1\/posts\/:id",status="404"\}/);
      assert.doesNotMatch(text, /12345/);
    });
  });

  describe("GET /openapi.json", () => {
    it("is an OpenAPI 3.1 document describing every route and the problem schema", async () => {
      const res = await getJson(`${api.url}/openapi.json`);
      assert.equal(res.status, 200);
      assert.equal(res.body.openapi, "3.1.0");
      assert.deepEqual(Object.keys(res.body.paths).sort(), [
        "/health", "/metrics", "/openapi.json", "/ready", "/rpc", "/status", "/v1/authors/{address}", "/v1/authors/{address}/posts",
        "/v1/batches/{batchId}", "/v1/config", "/v1/leaderboards/authors", "/v1/leaderboards/posts", "/v1/posts", "/v1/posts/{id}",
        "/v1/posts/{id}/proof", "/v1/posts/{id}/replies", "/v1/posts/{id}/tips", "/v1/stream",
      ]);
      const problem = res.body.components.schemas.Problem;
      assert.deepEqual(problem.required.sort(), ["code", "detail", "status", "title", "type"]);
      assert.ok(problem.properties.code.enum.includes("rate_limited"));
      for (const code of ["post_not_found", "not_anchored", "batch_not_found"]) assert.ok(problem.properties.code.enum.includes(code), code);
      assert.deepEqual(Object.keys(res.body.paths["/v1/posts/{id}/proof"].get.responses).filter((s) => s.startsWith("4")).sort(), ["400", "404", "405", "409", "429"]);
      assert.equal(res.body.components.parameters.Limit.schema.maximum, 100);
      // Every $ref resolves inside the document.
      const refs = JSON.stringify(res.body).match(/"\$ref":"[^"]+"/g) ?? [];
      for (const ref of refs) {
        const path = ref.slice(8, -1).replace(/^#\//, "").split("/");
        assert.notEqual(path.reduce((node: any, part) => node?.[part], res.body), undefined, ref);
      }
    });
  });

  describe("GET /v1/config", () => {
    it("returns the chain, contracts and the protocol settings from the admin events", async () => {
      const { chain } = api;
      await chain.mine(
        { kind: "PostFeeSet", newFee: 10n ** 15n },
        { kind: "TipFeeSet", newBps: 250n },
        { kind: "TreasurySet", newTreasury: ALICE },
        { kind: "TokenAcceptanceSet", token: TOKEN, accepted: true },
        { kind: "Paused" },
        chain.post(ALICE, "paid", 0n, 10n ** 15n),
      );
      const res = await getJson(`${api.url}/v1/config`);
      assert.equal(res.status, 200);
      envelope(Config, false).parse(res.body);
      assert.deepEqual(res.body.data, {
        chainId: 31337,
        contracts: { PennyPost: "0x5fbdb2315678afecb367f032d93f642f64180aa3", PennyTestToken: TOKEN },
        postFee: "1000000000000000",
        tipFeeBps: 250,
        treasury: ALICE,
        acceptedTokens: [TOKEN],
        paused: true,
        feesOwed: { "0x0000000000000000000000000000000000000000": "1000000000000000" },
        finalityDepth: 2,
        maxPageSize: 100,
      });
      assert.equal(res.body.block.number, 1);
    });

    it("rejects query parameters", async () => {
      const res = await getJson(`${api.url}/v1/config?x=1`);
      assert.equal(res.status, 400);
      Problem.parse(res.body);
      assert.equal(problemCode(res), "invalid_parameter");
    });
  });
});
