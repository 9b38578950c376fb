import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";

import { after, before, describe, it } from "mocha";
import { pino } from "pino";
import { Registry } from "prom-client";

import { createApp } from "../../server/api/app.ts";
import { createEventHub } from "../../server/api/hub.ts";
import { initialStatus } from "../../server/api/status.ts";
import type { LevelStore } from "../../server/store/level-store.ts";
import { getJson, problemCode, rawRequest, startApi, testConfig, type Harness } from "./helpers.ts";

describe("errors", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  it("answers an unknown route with a 404 not_found problem", async () => {
    for (const path of ["/nope", "/v1", "/v1/posts/1/likes", "/v2/posts"]) {
      const res = await getJson(`${api.url}${path}`);
      assert.equal(res.status, 404);
      assert.equal(problemCode(res), "not_found");
    }
  });

  it("answers a request target that parses to no path (\"/\\#x\" reads as \"//#x\") with the same 404 problem, not Express's HTML page", async () => {
    for (const path of ["/\\#@!", "/\\#", "/\\\\#x"]) {
      const res = await rawRequest(api.url, "GET", path);
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, path);
      assert.equal(JSON.parse(res.text).code, "not_found", path);
    }
  });

  it("answers another method with 405 method_not_allowed and Allow", async () => {
    const res = await getJson(`${api.url}/v1/posts`, { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(problemCode(res), "method_not_allowed");
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });

  it("answers OPTIONS with 204 and Allow", async () => {
    const res = await fetch(`${api.url}/v1/posts/1`, { method: "OPTIONS" });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await fetch(`${api.url}/v1/posts`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  });

  it("answers a body over 16 kB with 413 payload_too_large", async () => {
    const body = JSON.stringify({ content: "x".repeat(17 * 1024) });
    const res = await getJson(`${api.url}/v1/posts`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(res.status, 413);
    assert.equal(problemCode(res), "payload_too_large");
  });

  it("answers an oversized body on a GET route with 413 too", async () => {
    const res = await rawRequest(api.url, "GET", "/v1/posts", "[" + "1,".repeat(10_000) + "1]", { "content-type": "application/json" });
    assert.equal(res.status, 413, res.text);
    assert.equal(JSON.parse(res.text).code, "payload_too_large");
  });

  it("answers malformed JSON with 400 malformed_body", async () => {
    const res = await getJson(`${api.url}/v1/posts`, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    assert.equal(res.status, 400);
    assert.equal(problemCode(res), "malformed_body");
  });

  it("answers an unsupported charset with 415 unsupported_media_type", async () => {
    const res = await getJson(`${api.url}/v1/posts`, { method: "POST", headers: { "content-type": "application/json; charset=klingon" }, body: "{}" });
    assert.equal(res.status, 415);
    assert.equal(problemCode(res), "unsupported_media_type");
  });

  it("answers bad percent-encoding in the path with 400 invalid_parameter", async () => {
    for (const path of ["/v1/posts/%E0%A4%A", "/v1/posts/%", "/v1/authors/%ZZ/posts", "/v1/posts/1%/tips"]) {
      const res = await rawRequest(api.url, "GET", path);
      assert.equal(res.status, 400, path);
      assert.equal(JSON.parse(res.text).code, "invalid_parameter");
    }
  });

  it("sets helmet's security headers, a request id, and no X-Powered-By", async () => {
    const res = await getJson(`${api.url}/v1/posts/999`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.ok(res.headers.get("content-security-policy"));
    assert.equal(res.headers.get("x-powered-by"), null);
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(res.body.instance, `urn:uuid:${res.headers.get("x-request-id")}`);
    assert.equal(res.body.type, "urn:pennypost:problem:not_found");
  });

  it("sends a Content-Security-Policy that lets the page load nothing from another host and no inline style or script", async () => {
    const res = await fetch(`${api.url}/`);
    await res.text();
    const policy = res.headers.get("content-security-policy") ?? "";
    const directives = new Map(policy.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== "").map(([name, ...sources]) => [name, sources]));
    for (const [name, sources] of directives) {
      for (const source of sources) {
        assert.ok(["'self'", "'none'", "data:"].includes(source), `${name} allows ${source}`);
      }
    }
    for (const name of ["default-src", "script-src", "style-src", "font-src", "img-src", "connect-src"]) assert.ok(directives.has(name), name);
    assert.deepEqual(directives.get("style-src"), ["'self'"]);
  });
});

describe("errors: unexpected failures", () => {
  it("answers 500 internal with no internals, and logs the error", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const fail = () => { throw new Error("secret detail at /var/db"); };
    const store = { get: fail, getMany: fail, snapshot: fail } as unknown as LevelStore;
    const app = createApp({
      store, status: initialStatus, events: createEventHub(), registry: new Registry(), logger: pino({ level: "error" }, sink), config: testConfig(),
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await getJson(`${url}/v1/posts`);
      assert.equal(res.status, 500);
      assert.equal(problemCode(res), "internal");
      assert.doesNotMatch(JSON.stringify(res.body), /secret|\/var\/db|at /);
      const logged = lines.map((line) => JSON.parse(line));
      assert.equal(logged.length, 1);
      assert.equal(logged[0].msg, "unhandled error");
      assert.equal(logged[0].err.message, "secret detail at /var/db");
      assert.equal(logged[0].route, "/v1/posts");
    } finally {
      server.close();
    }
  });
});

describe("rate limiting", () => {
  let api: Harness;
  before(async () => {
    api = await startApi({ rateLimitPerMinute: 3 });
  });
  after(() => api.close());

  it("answers 429 rate_limited with RateLimit headers and Retry-After past the limit", async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await getJson(`${api.url}/v1/posts`);
      assert.equal(ok.status, 200);
      assert.ok(ok.headers.get("ratelimit"));
    }
    const res = await getJson(`${api.url}/v1/posts`);
    assert.equal(res.status, 429);
    assert.equal(problemCode(res), "rate_limited");
    assert.match(res.headers.get("retry-after") ?? "", /^[1-9][0-9]*$/);
    assert.match(res.headers.get("ratelimit") ?? "", /r=0/);
    assert.match(res.headers.get("ratelimit-policy") ?? "", /q=3/);
  });

  it("does not limit the ops endpoints", async () => {
    for (let i = 0; i < 5; i++) assert.equal((await getJson(`${api.url}/health`)).status, 200);
  });
});
