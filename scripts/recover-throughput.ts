/**
 * Signer recoveries per second: lib/recover.ts on the calling thread against lib/recover-pool.ts,
 * side by side in one run (this machine's speed drifts by up to 2x within minutes, so the paths
 * alternate, round after round, and each figure is the median of its rounds). Not a test: no
 * assertion but that every path gives the synchronous answers.
 *
 *   node scripts/recover-throughput.ts [--count 100000] [--rounds 3] [--size N]
 *
 * Paths: `sync` (recoverSigner in a loop, one core); `pool recoverMany` (one call with every
 * signature); `pool 1,024-batches` (the indexer's shape: one anchored batch at a time, awaited);
 * `pool recoverOne` (an HTTP server's shape: 100 single calls per event-loop turn, micro-batched).
 */
import { availableParallelism, cpus } from "node:os";
import { parseArgs } from "node:util";

import secp256k1 from "secp256k1";

import { recoverSigner } from "../lib/recover.ts";
import { createRecoverPool, type RecoverItem } from "../lib/recover-pool.ts";

const { values } = parseArgs({ options: { count: { type: "string", default: "100000" }, rounds: { type: "string", default: "3" }, size: { type: "string" } } });
const count = Number(values.count);
const rounds = Number(values.rounds);

// Signatures from 64 keys over random digests (low s, v 27/28, as wallets sign).
const keys = Array.from({ length: 64 }, (_, i) => Buffer.from((BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, "0"), "hex"));
const items: RecoverItem[] = Array.from({ length: count }, (_, i) => {
  const digest = crypto.getRandomValues(new Uint8Array(32));
  const { signature, recid } = secp256k1.ecdsaSign(digest, keys[i % keys.length]);
  const full = new Uint8Array(65);
  full.set(signature);
  full[64] = 27 + recid;
  return { digest, signature: full };
});

const pool = createRecoverPool(values.size === undefined ? {} : { size: Number(values.size) });
await pool.recoverMany(items.slice(0, 64)); // start the workers (and load the addon in each) before timing

let expected: Array<string | null> | undefined;
function check(name: string, got: Array<string | null>): void {
  if (expected === undefined) throw new Error("no reference answers");
  if (got.length !== expected.length || got.some((s, i) => s !== expected![i])) throw new Error(`${name}: answers differ from the synchronous path`);
}

const paths: Record<string, () => Promise<void>> = {
  sync: async () => {
    const out = items.map((item) => recoverSigner(item.digest, item.signature));
    if (expected === undefined) expected = out;
    else check("sync", out);
  },
  "pool recoverMany": async () => check("pool recoverMany", await pool.recoverMany(items)),
  "pool 1,024-batches": async () => {
    const out: Array<string | null> = [];
    for (let at = 0; at < items.length; at += 1_024) out.push(...(await pool.recoverMany(items.slice(at, at + 1_024))));
    check("pool 1,024-batches", out);
  },
  "pool recoverOne": async () => {
    const pending: Promise<string | null>[] = [];
    for (let at = 0; at < items.length; at += 100) {
      for (const item of items.slice(at, at + 100)) pending.push(pool.recoverOne(item.digest, item.signature));
      await new Promise((resolve) => setImmediate(resolve)); // the next turn of the event loop
    }
    check("pool recoverOne", await Promise.all(pending));
  },
};

const rates: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(paths)) {
    const started = performance.now();
    await run();
    rates[name].push(count / ((performance.now() - started) / 1_000));
  }
}
await pool.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const syncRate = median(rates.sync);
console.log(`${count.toLocaleString("en")} signatures, ${rounds} rounds, node ${process.versions.node}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), pool size ${pool.size}`);
console.log(`${"path".padEnd(20)} ${"median/s".padStart(10)}  ${"x sync".padStart(6)}  rounds/s`);
for (const [name, xs] of Object.entries(rates)) {
  console.log(`${name.padEnd(20)} ${Math.round(median(xs)).toLocaleString("en").padStart(10)}  ${(median(xs) / syncRate).toFixed(2).padStart(6)}  ${xs.map((x) => Math.round(x).toLocaleString("en")).join(" ")}`);
}
