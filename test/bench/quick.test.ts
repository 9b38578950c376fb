/**
 * Smoke test of `npm run bench`: a run smaller than --quick against a real anvil, the real
 * indexer and API, completes every mode, writes results.json that matches its schema, report.md
 * and the charts; bad options exit with code 2. It checks that the bench works, not how fast.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, it } from "mocha";

import { BenchUsageError, MODES, parseBenchOptions, type BenchOptions } from "../../scripts/bench/options.ts";
import { runBench } from "../../scripts/bench/run.ts";
import { resultsSchema } from "../../scripts/bench/schema.ts";
import { writeRun } from "../../scripts/bench/throughput.ts";

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
    });

    it("exits with code 2 and says what to do", () => {
      const result = spawnSync(process.execPath, ["scripts/bench/throughput.ts", "--posts", "many"], { encoding: "utf8" });
      assert.equal(result.status, 2);
      assert.match(result.stderr, /--posts must be a number/);
      assert.match(result.stderr, /--help/);
    });
  });
});
