/**
 * Smoke test of `npm run bench`: a run smaller than --quick against a real anvil, the real
 * indexer and API, completes every mode, writes results.json that matches its schema, report.md
 * and the charts; bad options exit with code 2. The relayer-http path: its client lanes against a
 * fake POST /v1/actions (order per account, retries, the batch form's 207 and its fallback), and a
 * small run against the npm start stack. It checks that the bench works, not how fast.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, it } from "mocha";

import { BenchUsageError, MODES, parseBenchOptions, type BenchOptions } from "../../scripts/bench/options.ts";
import { drive, keepAliveClient, type HttpAccount, type Prepared } from "../../scripts/bench/relayer-http.ts";
import { probeBatchForm } from "../../scripts/bench/relayer-run.ts";
import { runBench } from "../../scripts/bench/run.ts";
import { resultsSchema } from "../../scripts/bench/schema.ts";
import { writeRun } from "../../scripts/bench/throughput.ts";

/**
 * A stand-in for POST /v1/actions: each account's actions must come with nonces 0, 1, 2... (422
 * nonce_mismatch otherwise); the first action of `limitedAccount` is refused once with 429; arrays
 * are answered 207 (or 400 when `arrays` is false).
 */
async function fakeRelayer(options: { arrays: boolean; limitedAccount?: string }): Promise<{ url: string; server: Server; accepted: Map<string, number[]> }> {
  const next = new Map<string, number>();
  const accepted = new Map<string, number[]>();
  let limited = false;
  const one = (item: { message?: { author?: string; nonce?: string } }) => {
    const author = item.message?.author ?? "?";
    const nonce = Number(item.message?.nonce);
    if (author === options.limitedAccount && !limited) {
      limited = true;
      return { status: 429, code: "rate_limited", retryAfter: 0.05 };
    }
    if (nonce !== (next.get(author) ?? 0)) return { status: 422, code: "nonce_mismatch" };
    next.set(author, nonce + 1);
    accepted.set(author, [...(accepted.get(author) ?? []), nonce]);
    return { status: 202, id: `${author}-${nonce}` };
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as unknown;
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (Array.isArray(parsed)) {
        if (!options.arrays) return send(400, { status: 400, code: "invalid_action", detail: "not a valid signed action: (body): expected object" });
        return send(207, {
          data: parsed.map((item) => {
            const r = one(item as never);
            return r.status === 202 ? { id: r.id, status: "queued", type: "post", mode: "batched", account: "x" } : { error: { status: r.status, code: r.code, title: "t", detail: "d", ...(r.retryAfter ? { retryAfter: r.retryAfter } : {}) } };
          }),
        });
      }
      const r = one(parsed as never);
      if (r.status === 202) return send(202, { data: { id: r.id, status: "queued" } });
      res.setHeader("retry-after", "0");
      return send(r.status, { status: r.status, code: r.code, detail: "d" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, accepted };
}

/** `count` actions of `n` accounts (account i % n, nonce i / n), as prepareActions lays them out. */
function fakePrepared(n: number, count: number): Prepared {
  const accounts = Array.from({ length: n }, (_, a) => ({ address: `0x${String(a).padStart(40, "0")}` }) as unknown as HttpAccount);
  const bodies = Array.from({ length: count }, (_, i) => JSON.stringify({ type: "post", mode: "batched", message: { author: accounts[i % n]!.address, nonce: String(Math.floor(i / n)) } }));
  return { mode: "batched", count, accounts, bodies, keys: bodies.map((_, i) => `p${i}`), commit: () => {} };
}

const quiet = { log: () => {}, bar: () => ({ update: () => {}, stop: () => {} }) };

describe("npm run bench (throughput)", () => {
  describe("with a tiny --quick profile", () => {
    it("runs every mode end to end and writes results.json matching its schema, report.md, charts and the profiles of the timed windows", async function () {
      this.timeout(180_000);
      const out = await mkdtemp(path.join(tmpdir(), "pennypost-bench-test-"));
      try {
        const options = parseBenchOptions(["--quick", "--posts", "48", "--tips", "48", "--authors", "4", "--batch-sizes", "8,24", "--visibility-timeout", "30", "--profile"]) as BenchOptions;
        const run = await runBench(options, quiet);
        const files = await writeRun(run, options, out);
        const results = resultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
        const expected = MODES.flatMap((mode) => (mode === "direct" ? [`${mode}/1`] : [`${mode}/8`, `${mode}/24`]));
        assert.deepEqual(results.scenarios.map((s) => `${s.mode}/${s.batchSize}`), expected);
        for (const s of results.scenarios) {
          assert.equal(s.status, "ok", `${s.mode} x${s.batchSize}: ${s.skipReason}`);
          assert.equal(s.visibility.notVisible, 0, `${s.mode} x${s.batchSize}: ${s.visibility.note}`);
          assert.equal(s.skippedActions, 0, `${s.mode} x${s.batchSize} had skipped actions`);
          assert.equal(s.mode === "vouchers" ? s.tips : s.posts, 48);
          assert.equal(s.latencyMs.count, 48);
          assert.ok((s.mode === "vouchers" ? s.gasPerTip : s.gasPerPost)! > 0);
          // --profile: the window's samples, the hottest functions, and the raw profile on disk
          assert.ok(s.profile !== undefined && s.profile.totalMs > 0 && s.profile.hot.length > 0, `${s.mode} x${s.batchSize} has no profile`);
        }
        const profiles = files.filter((f) => f.endsWith(".cpuprofile"));
        assert.equal(profiles.length, results.scenarios.length);
        const profile = JSON.parse(await readFile(profiles[0]!, "utf8")) as { nodes: unknown[]; samples: number[] };
        assert.ok(profile.nodes.length > 0 && profile.samples.length > 0);
        const report = await readFile(path.join(out, "report.md"), "utf8");
        assert.match(report, /## Projections onto real networks/);
        assert.match(report, /## Where the limit is/);
        assert.match(report, /new-tweets-per-second-record-and-how/);
        assert.ok(files.some((f) => f.endsWith("batch-sweep.svg")));
        assert.match(await readFile(path.join(out, "gas-per-post.svg"), "utf8"), /^<svg/);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  });

  describe("relayer-http client lanes (against a stand-in for POST /v1/actions)", () => {
    for (const form of ["single", "batch"] as const) {
      it(`${form} form: every action accepted once, each account's in nonce order, a 429 retried`, async function () {
        this.timeout(30_000);
        const fake = await fakeRelayer({ arrays: true, limitedAccount: `0x${"3".padStart(40, "0")}` });
        const client = keepAliveClient(fake.url, 4);
        try {
          const prepared = fakePrepared(10, 200);
          const seen: string[] = [];
          const result = await drive(prepared, {
            client, form, connections: 4, batchMax: 16, loop: "closed", rate: undefined, windowSeconds: 20,
            onAccepted: (keys) => seen.push(...keys),
          });
          assert.equal(result.accepted, 200);
          assert.equal(new Set(seen).size, 200);
          assert.deepEqual(result.rejections, { "429 rate_limited": 1 });
          assert.equal(result.retried, 1);
          assert.equal(result.dropped, 0);
          assert.equal(result.unsent, 0);
          assert.ok(result.exhausted);
          for (const nonces of fake.accepted.values()) assert.deepEqual(nonces, Array.from({ length: 20 }, (_, k) => k));
          if (form === "batch") assert.ok(result.actionsInRequests / result.requests > 1, "the batch form carried several actions per request");
          else assert.equal(result.requests, 201);
        } finally {
          client.close();
          fake.server.close();
        }
      });
    }

    it("open loop: releases on the schedule and stops at the window's end with the backlog counted", async function () {
      this.timeout(30_000);
      const fake = await fakeRelayer({ arrays: true });
      const client = keepAliveClient(fake.url, 2);
      try {
        const result = await drive(fakePrepared(4, 10_000), {
          client, form: "single", connections: 2, batchMax: 1, loop: "open", rate: 400, windowSeconds: 1, onAccepted: () => {},
        });
        assert.ok(result.released < 10_000, "not everything was due within one second");
        assert.equal(result.accepted + result.unsent + result.dropped, result.released);
        assert.equal(result.exhausted, false);
        assert.equal(result.scheduleLag.summary().count, result.posted);
      } finally {
        client.close();
        fake.server.close();
      }
    });

    it("the batch form falls back to single when the server refuses arrays, and says why", async () => {
      const refusing = await fakeRelayer({ arrays: false });
      const taking = await fakeRelayer({ arrays: true });
      const [a, b] = [keepAliveClient(refusing.url, 1), keepAliveClient(taking.url, 1)];
      try {
        const refused = await probeBatchForm(a);
        assert.equal(refused.ok, false);
        assert.match(refused.note, /answered 400 invalid_action to a JSON array/);
        assert.deepEqual(await probeBatchForm(b), { ok: true, note: "" });
      } finally {
        a.close();
        b.close();
        refusing.server.close();
        taking.server.close();
      }
    });
  });

  describe("--path relayer-http against the npm start stack", () => {
    it("starts the stack in its own process, runs the direct baseline and the relayed modes through POST /v1/actions, and stops it", async function () {
      this.timeout(240_000);
      const out = await mkdtemp(path.join(tmpdir(), "pennypost-bench-http-test-"));
      try {
        const options = parseBenchOptions([
          "--path", "relayer-http", "--modes", "anchored-hash,batched", "--form", "batch", "--authors", "4", "--posts", "24", "--direct-posts", "8",
          "--visibility-timeout", "60", "--no-charts",
        ]) as BenchOptions;
        const run = await runBench(options, quiet);
        await writeRun(run, options, out);
        const results = resultsSchema.parse(JSON.parse(await readFile(path.join(out, "results.json"), "utf8")));
        assert.deepEqual(results.scenarios.map((s) => `${s.path}/${s.stack}/${s.mode}`), ["direct/npm-start/direct", "relayer-http/npm-start/anchored-hash", "relayer-http/npm-start/batched"]);
        assert.ok(results.environment.npmStart?.command.includes("scripts/start.ts"));
        const [direct, ...relayed] = results.scenarios;
        assert.equal(direct!.visibility.notVisible, 0, direct!.visibility.note);
        assert.equal(direct!.posts, 8);
        for (const s of relayed) {
          const h = s.http!;
          assert.equal(h.accepted, 24, `${s.mode}: ${JSON.stringify(h.rejections)} ${JSON.stringify(h.rejectionSamples)}`);
          assert.deepEqual(h.rejections, {});
          assert.equal(s.visibility.notVisible, 0, `${s.mode}: ${s.visibility.note}`);
          assert.equal(s.latencyMs.count, 24);
          // GET /v1/posts/:id answered 200: for a sample of the announced posts, or for a post of each block the stream missed
          assert.equal(h.getCheck.ok, h.getCheck.checked, `${s.mode}: GET /v1/posts/:id ${h.getCheck.ok}/${h.getCheck.checked}`);
          assert.ok(h.getCheck.checked > 0 || h.afterWindow.blocksConfirmed > 0, `${s.mode}: no post checked with GET`);
          assert.ok(h.relayer.transactions > 0);
          assert.ok(h.form === "batch" || h.formNote !== "", "a fallback to single says why");
        }
        assert.match(await readFile(path.join(out, "report.md"), "utf8"), /## The relayer over HTTP/);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  });

  describe("with bad options", () => {
    it("throws BenchUsageError naming the option", () => {
      assert.throws(() => parseBenchOptions(["--modes", "direct,fast"]), (error: unknown) => error instanceof BenchUsageError && /--modes/.test(error.message));
      assert.throws(() => parseBenchOptions(["--batch-sizes", "16,0"]), (error: unknown) => error instanceof BenchUsageError && /--batch-sizes/.test(error.message));
      assert.throws(() => parseBenchOptions(["--nope"]), BenchUsageError);
      assert.throws(() => parseBenchOptions(["--direct-posts", "0"]), (error: unknown) => error instanceof BenchUsageError && /--direct-posts must be at least 1/.test(error.message));
      // the direct baseline follows --posts up to 4,096 unless given
      assert.equal((parseBenchOptions(["--posts", "100000"]) as BenchOptions).directPosts, 4_096);
      assert.equal((parseBenchOptions(["--posts", "100"]) as BenchOptions).directPosts, 100);
      assert.equal((parseBenchOptions(["--posts", "100000", "--direct-posts", "7"]) as BenchOptions).directPosts, 7);
      // relayer-http: its options need its path; an open loop needs a rate
      assert.throws(() => parseBenchOptions(["--form", "batch"]), (error: unknown) => error instanceof BenchUsageError && /--form applies to --path relayer-http/.test(error.message));
      assert.throws(() => parseBenchOptions(["--path", "relayer-http", "--loop", "open"]), (error: unknown) => error instanceof BenchUsageError && /needs an offered rate/.test(error.message));
      assert.throws(() => parseBenchOptions(["--path", "relayer-http", "--rpc", "http://127.0.0.1:8545"]), (error: unknown) => error instanceof BenchUsageError && /--rpc applies to the in-process-sequencer path/.test(error.message));
      assert.throws(() => parseBenchOptions(["--path", "sideways"]), (error: unknown) => error instanceof BenchUsageError && /--path/.test(error.message));
      assert.throws(() => parseBenchOptions(["--path", "relayer-http", "--http-batch", "501"]), (error: unknown) => error instanceof BenchUsageError && /--http-batch must be at most 500/.test(error.message));
      const http = parseBenchOptions(["--path", "relayer-http", "--rate", "6500", "--duration", "60", "--form", "batch"]) as BenchOptions;
      assert.deepEqual(http.http, { authors: 200, contentBytes: 200, form: "batch", connections: 32, batchMax: 200, loops: ["open", "closed"] });
      assert.deepEqual((parseBenchOptions([]) as BenchOptions).paths, ["in-process-sequencer"]);
    });

    it("exits with code 2 and says what to do", () => {
      const result = spawnSync(process.execPath, ["scripts/bench/throughput.ts", "--posts", "many"], { encoding: "utf8" });
      assert.equal(result.status, 2);
      assert.match(result.stderr, /--posts must be a number/);
      assert.match(result.stderr, /--help/);
    });
  });
});
