/**
 * Indexer benchmark (npm run bench:indexer): how fast the indexer ingests, and how fast the API
 * answers while it ingests. Three measurements, side by side in one run:
 *
 *  A. ingest pipeline: ABI-encoded logs (as eth_getLogs returns them, made before the clock
 *     starts) -> decode -> project -> one LevelDB batch per 20-block range, no RPC: the indexer's
 *     own ceiling. After an untimed warm-up, each run is paired with LevelDB alone writing the
 *     same batches, the ceiling of the store at that moment (the machine's speed drifts);
 *  B. backfill from a real node: anvil with PennyPost and N events, indexed from scratch over
 *     JSON-RPC (eth_getLogs chunks + headers);
 *  C. feed API under load while ingesting: autocannon (its own process) at a fixed 2,000
 *     requests/s on GET /v1/posts against the server process, while a producer posts every ~20 ms
 *     and the chain makes a block every 250 ms; after a 3-second warm-up at the same rate, three
 *     10-second windows, each reported, and the median one. C runs before B, with 20,000 events
 *     on the chain (with 100,000, and the server's start-up backfill of them, its event loop
 *     stalled up to 25-30 ms against 12-16, p99 14-20 ms against 13-15).
 *
 * Options (env): BENCH_ONLY=pipeline (A only), backfill (B only) or api (C only), BENCH_PIPELINE_EVENTS (200000), BENCH_PIPELINE_RUNS (5), BENCH_BACKFILL_EVENTS (100000),
 * BENCH_API_RATE (2000), BENCH_API_SECONDS (10), BENCH_API_WINDOWS (3: measured windows of that length, one after the other), BENCH_API_CONNECTIONS (20), BENCH_API_BLOCK_MS (250; 0 = a block per post), BENCH_API_INDEX_EVENTS (20000: events on the chain before C), BENCH_OUT (bench/results/indexer-<time>).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";

import type autocannon from "autocannon";
import { artifacts } from "hardhat";
import { pino } from "pino";
import { encodeEventTopics, encodeFunctionData, type Hex, type Log } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { createFollower } from "../../server/chain/follower.ts";
import { decodeLogs } from "../../server/chain/decode.ts";
import { loadConfig } from "../../server/config.ts";
import { createIngestor } from "../../server/ingest/apply.ts";
import type { IndexedBlock, ProtocolEvent } from "../../server/domain.ts";
import { LevelStore } from "../../server/store/level-store.ts";
import { deployPennyPost, startAnvil, type Anvil } from "../../test/indexer/anvil.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PIPELINE_EVENTS = env("BENCH_PIPELINE_EVENTS", 200_000);
const PIPELINE_RUNS = env("BENCH_PIPELINE_RUNS", 5);
const BACKFILL_EVENTS = env("BENCH_BACKFILL_EVENTS", 100_000);
const API_RATE = env("BENCH_API_RATE", 2_000);
const API_SECONDS = env("BENCH_API_SECONDS", 10);
const API_CONNECTIONS = env("BENCH_API_CONNECTIONS", 20);
const API_BLOCK_MS = env("BENCH_API_BLOCK_MS", 250);
const API_INDEX_EVENTS = env("BENCH_API_INDEX_EVENTS", 20_000);
const API_WINDOWS = env("BENCH_API_WINDOWS", 3);
const OUT = process.env.BENCH_OUT ?? path.join("bench", "results", `indexer-${new Date().toISOString().replace(/[:.]/g, "-")}`);
const FEE = 10n ** 13n;
const LOGS_PER_BLOCK = 100;
const BLOCKS_PER_BATCH = 20;
const logger = pino({ level: "silent" });
const DEFAULTS = loadConfig({});

/** The middle item of `items` ordered by `by` (the upper one of an even count). */
const median = <T>(items: readonly T[], by: (item: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)];

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const author = (i: number): Hex => `0x${(0xa000 + (i % 1000)).toString(16).padStart(40, "0")}`;

const word = (value: bigint | number): string => value.toString(16).padStart(64, "0");
const TOPIC_POSTED = encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted" })[0] as Hex;
const TOPIC_TIPPED = encodeEventTopics({ abi: pennyPostAbi, eventName: "Tipped" })[0] as Hex;

/**
 * The logs of blocks [first, first + count): what an RPC client holds after parsing eth_getLogs
 * (hex strings), built with plain string operations so that the measurement is the indexer's
 * work, not a log encoder's. Half posts (140-280 bytes), half tips on recent posts, 1,000 authors.
 */
function syntheticBlocks(first: number, count: number): { blocks: IndexedBlock[]; logs: Log[][] } {
  const blocks: IndexedBlock[] = [];
  const logs: Log[][] = [];
  for (let b = first; b < first + count; b++) {
    blocks.push({ number: BigInt(b), hash: hash(b), parentHash: hash(b - 1), timestamp: 1_700_000_000 + b * 2 });
    const blockLogs: Log[] = [];
    for (let logIndex = 0; logIndex < LOGS_PER_BLOCK; logIndex++) {
      const i = (b - 1) * LOGS_PER_BLOCK + logIndex;
      const postId = Math.floor(i / 2) + 1;
      let topics: Hex[];
      let data: string;
      if (i % 2 === 0) {
        const content = Buffer.from("p".repeat(140 + (i % 141))).toString("hex");
        topics = [TOPIC_POSTED, `0x${word(postId)}`, `0x${"0".repeat(24)}${author(i).slice(2)}`, `0x${word(0)}`];
        data = word(FEE) + word(0x40) + word(content.length / 2) + content.padEnd(Math.ceil(content.length / 64) * 64, "0");
      } else {
        const target = Math.max(1, postId - (i % 50));
        topics = [TOPIC_TIPPED, `0x${word(target)}`, `0x${"0".repeat(24)}${author(i + 7).slice(2)}`, `0x${"0".repeat(24)}${author(target * 2).slice(2)}`];
        data = word(0) + word(1_000_000 + i) + word(25_000);
      }
      // Strings made by concatenation are V8 ropes that the indexer's first slice would flatten:
      // a cost no real input has. A JSON round trip gives the flat strings a client's JSON.parse does.
      const flat = JSON.parse(JSON.stringify({ topics, data: `0x${data}`, blockHash: hash(b), transactionHash: hash(1_000_000 + i) })) as Pick<Log, "topics" | "data" | "blockHash" | "transactionHash">;
      blockLogs.push({
        address: "0x5fbdb2315678afecb367f032d93f642f64180aa3", topics: flat.topics, data: flat.data, blockNumber: BigInt(b), blockHash: flat.blockHash,
        logIndex, transactionHash: flat.transactionHash, transactionIndex: 0, removed: false,
      } as Log);
    }
    logs.push(blockLogs);
  }
  return { blocks, logs };
}

/** The batches a pipeline run wrote: keys and values as stored (JSON), and deleted keys. */
interface WrittenBatch {
  puts: string[]; // key, value, key, value, ...
  dels: string[];
}

/**
 * Records what `store` is given to write, batch by batch (the values serialized as the store
 * serializes them), while passing everything through: for replaying the same writes without the
 * indexer (benchStoreAlone). Serializing twice slows the recorded run, which is not timed.
 */
function recordWrites(store: LevelStore, into: WrittenBatch[]): void {
  const open = store.openBatch.bind(store);
  store.openBatch = () => {
    const batch = open();
    const written: WrittenBatch = { puts: [], dels: [] };
    return {
      putText(key, json) {
        written.puts.push(key, json);
        batch.putText(key, json);
      },
      commit(values, deleted, ops) {
        for (const [key, value] of values) {
          if (value === deleted) written.dels.push(key);
          else written.puts.push(key, JSON.stringify(value));
        }
        const rest = [...ops];
        for (const op of rest) {
          if (op.type === "put") written.puts.push(op.key, JSON.stringify(op.value));
          else written.dels.push(op.key);
        }
        into.push(written);
        return batch.commit(values, deleted, rest);
      },
      discard: () => batch.discard(),
    };
  };
}

async function benchPipeline(ranges: ReturnType<typeof syntheticBlocks>[], totalBlocks: number, record?: WrittenBatch[]) {
  const dir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-"));
  const store = await LevelStore.open(dir);
  if (record !== undefined) recordWrites(store, record);
  const ingestor = createIngestor(store, 64);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let events = 0;
  for (const { blocks, logs } of ranges) {
    const decoded: ProtocolEvent[] = blocks.flatMap((block, i) => decodeLogs(logs[i], block.timestamp));
    events += (await ingestor.submit(blocks, decoded, totalBlocks))?.events.length ?? 0;
  }
  await ingestor.flush();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { events, seconds, eventsPerSecond: Math.round(events / seconds), cpuSeconds: (used.user + used.system) / 1e6, batchEvents: LOGS_PER_BLOCK * BLOCKS_PER_BATCH };
}

/**
 * LevelDB alone: the puts and deletions of each batch a pipeline run wrote (its records already
 * serialized; a batch's deletions after its puts), written the way the ingestor writes them (one
 * batch filled while the previous one is written), into a fresh store with the same settings.
 * The ceiling of A on this machine at this moment.
 */
async function benchStoreAlone(batches: readonly WrittenBatch[]) {
  const dir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-"));
  const store = await LevelStore.open(dir);
  const none = new Map<string, unknown>();
  const deleted = Symbol("deleted");
  const started = performance.now();
  let previous: Promise<void> | undefined;
  for (const { puts, dels } of batches) {
    const batch = store.openBatch();
    for (let i = 0; i < puts.length; i += 2) batch.putText(puts[i], puts[i + 1]);
    await previous;
    previous = batch.commit(none, deleted, dels.map((key) => ({ type: "del" as const, key })));
  }
  await previous;
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { seconds };
}

async function deployBulk(anvil: Anvil): Promise<Hex> {
  const artifact = await artifacts.readArtifact("BulkPoster");
  const tx = await anvil.wallet(0).deployContract({ abi: artifact.abi, bytecode: artifact.bytecode as Hex, account: anvil.accounts[0], chain: undefined });
  return (await anvil.client.waitForTransactionReceipt({ hash: tx })).contractAddress as Hex;
}

async function fillChain(anvil: Anvil, pennyPost: Hex, bulk: Hex, events: number) {
  const { abi } = await artifacts.readArtifact("BulkPoster");
  const perTx = 200; // 200 posts stay well under the 2^24 gas cap of one transaction
  const send = async (data: Hex, value: bigint) => {
    const hash = await anvil.wallet(0).sendTransaction({ to: bulk, data, value, account: anvil.accounts[0], chain: undefined, gas: 16_000_000n });
    const receipt = await anvil.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`load transaction ${hash} reverted`);
  };
  for (let done = 0; done < events; done += 2 * perTx) {
    await send(encodeFunctionData({ abi, functionName: "postMany", args: [pennyPost, BigInt(perTx), FEE, "b".repeat(200)] }), FEE * BigInt(perTx));
    await send(encodeFunctionData({ abi, functionName: "tipMany", args: [pennyPost, BigInt(done / 2 + 1), BigInt(perTx), 1_000n] }), 1_000n * BigInt(perTx));
  }
}

async function benchBackfill(anvil: Anvil, pennyPost: Hex) {
  const dir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-"));
  const store = await LevelStore.open(dir);
  const follower = createFollower({
    client: anvil.client, store, logger,
    config: {
      address: pennyPost, startBlock: 0, confirmations: 0, reorgWindow: 64, pollIntervalMs: 50,
      // The server's defaults (server/config.ts) for the ranges and batches.
      chunkBlocks: DEFAULTS.BACKFILL_CHUNK_BLOCKS, maxChunkBlocks: DEFAULTS.BACKFILL_MAX_CHUNK_BLOCKS, chunkLogs: DEFAULTS.BACKFILL_CHUNK_LOGS, batchEvents: DEFAULTS.BACKFILL_BATCH_EVENTS,
    },
  });
  const started = performance.now();
  await follower.syncOnce();
  const seconds = (performance.now() - started) / 1000;
  const totals = await store.get<{ events: number }>("meta!totals");
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const events = totals?.events ?? 0;
  return { events, seconds, eventsPerSecond: Math.round(events / seconds) };
}

async function runAutocannon(url: string, seconds: number): Promise<autocannon.Result> {
  const child = spawn(process.execPath, ["node_modules/autocannon/autocannon.js", "--json", "-c", String(API_CONNECTIONS), "-R", String(API_RATE), "-d", String(seconds), url], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out) as autocannon.Result;
}

async function benchApi(anvil: Anvil, pennyPost: Hex) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-api-"));
  // The server runs with this process's Node flags (package.json gives both the indexer's), and BENCH_SERVER_NODE_ARGS.
  const nodeArgs = [...process.execArgv, ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])];
  const server = spawn(process.execPath, [...nodeArgs, "server/main.ts"], {
    env: { ...process.env, CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: pennyPost, START_BLOCK: "0", DATA_DIR: dataDir, HTTP_PORT: "0", LOG_LEVEL: "info", RATE_LIMIT_PER_MINUTE: "10000000" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => server.once("exit", resolve));
  let miner: NodeJS.Timeout | undefined;
  try {
    const url = await new Promise<string>((resolve) => {
      let text = "";
      const read = (chunk: Buffer) => {
        text += chunk.toString();
        const match = /"url":"(http:[^"]+)"/.exec(text);
        if (match === null) return;
        resolve(match[1]);
        server.stdout.off("data", read);
        server.stdout.resume(); // keep draining the server's log
      };
      server.stdout.on("data", read);
    });
    while (!(await fetch(`${url}/ready`)).ok) await new Promise((resolve) => setTimeout(resolve, 100));
    // The chain makes a block every API_BLOCK_MS (250: the fastest production chains, such as
    // Arbitrum) holding the posts sent meanwhile; 0: anvil's automine, one block per post (~50
    // blocks/s, which costs anvil most of a core on a 2-core machine).
    await anvil.rpc("evm_setAutomine", [API_BLOCK_MS === 0]);
    if (API_BLOCK_MS !== 0) miner = setInterval(() => void anvil.rpc("evm_mine", []).catch(() => {}), API_BLOCK_MS);
    let producing = true;
    let produced = 0;
    const producer = (async () => {
      // One RPC per post: anvil signs for its unlocked dev account. (viem's sendTransaction with a
      // local account costs five RPCs and a JavaScript signature per post: load-generator CPU taken
      // from the server on a 2-core machine.)
      const tx = {
        from: anvil.accounts[1].address, to: pennyPost, value: `0x${FEE.toString(16)}`, gas: "0x100000",
        data: encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "live post while the API is under load"] }),
      };
      while (producing) {
        await anvil.rpc("eth_sendTransaction", [tx]);
        produced += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // autocannon in its own process, so the load generator's event loop is not this one's; a
    // 3-second warm-up at the same rate first (JIT, connection pools), then the measured window.
    await runAutocannon(`${url}/v1/posts?limit=20`, 3);
    // prom-client samples the loop with a 10-ms timer and reports the intervals it measured: the
    // lateness is what exceeds those 10 ms. Reading /metrics resets the histogram: what is read
    // after a window is that window's (not the start-up backfill's, the warm-up's or another window's).
    const readLateness = async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const late = (name: string) => Math.max(0, Math.round((Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(metrics)?.[1] ?? Number.NaN) - 0.01) * 1e4) / 10);
      return { p50: late("nodejs_eventloop_lag_p50_seconds"), p99: late("nodejs_eventloop_lag_p99_seconds"), max: late("nodejs_eventloop_lag_max_seconds") };
    };
    await readLateness();
    const windows = [];
    for (let i = 0; i < API_WINDOWS; i++) {
      const postsBefore = produced;
      const result = await runAutocannon(`${url}/v1/posts?limit=20`, API_SECONDS);
      windows.push({
        requests: result.requests.total, requestsPerSecond: Math.round(result.requests.average),
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        non2xx: result.non2xx, errors: result.errors, postsIngested: produced - postsBefore, serverEventLoopLatenessMs: await readLateness(),
      });
    }
    producing = false;
    await producer;
    clearInterval(miner);
    await anvil.rpc("evm_setAutomine", [true]);
    return { targetRate: API_RATE, seconds: API_SECONDS, blockMs: API_BLOCK_MS, ...median(windows, (w) => w.latencyMs.p99), windows };
  } finally {
    // Also when the run fails half-way: no server or miner outlives the bench.
    clearInterval(miner);
    server.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ONLY = process.env.BENCH_ONLY;
const PARTS = ["pipeline", "backfill", "api"] as const;
if (ONLY !== undefined && !PARTS.includes(ONLY as (typeof PARTS)[number])) throw new Error(`BENCH_ONLY must be one of ${PARTS.join(", ")}, not "${ONLY}"`);
const runs = (part: (typeof PARTS)[number]) => ONLY === undefined || ONLY === part;
/**
 * A: a warm-up run first (the JIT's, not timed as A, recording what it writes), then PIPELINE_RUNS
 * pairs, each on fresh databases: the pipeline, then LevelDB alone writing the same batches. The
 * machine's speed drifts (by 2x within minutes on this project's 2-core VM), so each run's ratio to
 * its pair is the steadier figure; the reported run is the median one.
 */
async function benchPipelineRuns() {
  const totalBlocks = Math.ceil(PIPELINE_EVENTS / LOGS_PER_BLOCK);
  // The input is made before the clock starts: it is what eth_getLogs would have delivered, and
  // making it is the load generator's work, not the indexer's.
  const ranges: ReturnType<typeof syntheticBlocks>[] = [];
  for (let first = 1; first <= totalBlocks; first += BLOCKS_PER_BATCH) ranges.push(syntheticBlocks(first, Math.min(BLOCKS_PER_BATCH, totalBlocks - first + 1)));
  const written: WrittenBatch[] = [];
  await benchPipeline(ranges, totalBlocks, written);
  const records = written.reduce((sum, batch) => sum + batch.puts.length / 2, 0);
  const megabytes = written.reduce((sum, batch) => sum + batch.puts.reduce((bytes, text) => bytes + Buffer.byteLength(text), 0), 0) / 1e6;
  const runs = [];
  for (let i = 0; i < PIPELINE_RUNS; i++) {
    const run = await benchPipeline(ranges, totalBlocks);
    const alone = await benchStoreAlone(written);
    const storeAlone = { seconds: alone.seconds, recordsPerSecond: Math.round(records / alone.seconds), eventsPerSecond: Math.round(run.events / alone.seconds) };
    const ofStoreAlone = Math.round((100 * alone.seconds) / run.seconds) / 100;
    console.log(
      `A. ingest pipeline, run ${i + 1}/${PIPELINE_RUNS}: ${run.events} events in ${run.seconds.toFixed(2)} s = ${run.eventsPerSecond} events/s (${run.cpuSeconds.toFixed(1)} CPU-s); ` +
        `LevelDB alone, the same ${records} records: ${alone.seconds.toFixed(2)} s = ${storeAlone.recordsPerSecond} records/s (${storeAlone.eventsPerSecond} events/s); ingest at ${ofStoreAlone} of it`,
    );
    runs.push({ ...run, storeAlone, ofStoreAlone });
  }
  const middle = median(runs, (run) => run.eventsPerSecond);
  const medianOfStoreAlone = median(runs, (run) => run.ofStoreAlone).ofStoreAlone;
  console.log(
    `A. ingest pipeline: median ${middle.eventsPerSecond} events/s of ${runs.length} runs (${runs.map((run) => run.eventsPerSecond).join(", ")}); ` +
      `${records} records (${(records / middle.events).toFixed(2)} per event, ${megabytes.toFixed(0)} MB); ingest at ${medianOfStoreAlone} (median) of LevelDB alone`,
  );
  return { ...middle, records, megabytes, medianOfStoreAlone, runs };
}

/**
 * A in a process of its own (this script with BENCH_ONLY=pipeline and the same Node flags): its
 * hundreds of MB of garbage would otherwise be collected in this process during C, on the cores
 * the server is measured on (C's p99 went from ~16 to 23-35 ms when A ran in this process).
 */
async function benchPipelineInChild(): Promise<Awaited<ReturnType<typeof benchPipelineRuns>>> {
  const dir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-a-"));
  const file = path.join(dir, "pipeline.json");
  try {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]], { env: { ...process.env, BENCH_ONLY: "pipeline", BENCH_PIPELINE_RESULT: file }, stdio: "inherit" });
    const code = await new Promise((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`the ingest pipeline benchmark (A) exited with ${String(code)}`);
    return JSON.parse(await readFile(file, "utf8")) as Awaited<ReturnType<typeof benchPipelineRuns>>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (ONLY === "pipeline") {
  const result = await benchPipelineRuns();
  if (process.env.BENCH_PIPELINE_RESULT !== undefined) await writeFile(process.env.BENCH_PIPELINE_RESULT, JSON.stringify(result));
  process.exit(0);
}
const pipeline = runs("pipeline") ? await benchPipelineInChild() : undefined;
const anvil = await startAnvil();
try {
  const pennyPost = await deployPennyPost(anvil, FEE);
  const bulk = await deployBulk(anvil);
  // C first, on a chain of API_INDEX_EVENTS; then the chain is filled up to BACKFILL_EVENTS for B.
  const apiEvents = Math.min(API_INDEX_EVENTS, BACKFILL_EVENTS);
  await fillChain(anvil, pennyPost, bulk, apiEvents);
  const api = runs("api") ? await benchApi(anvil, pennyPost) : undefined;
  const backfill = runs("backfill") ? (await fillChain(anvil, pennyPost, bulk, BACKFILL_EVENTS - apiEvents), await benchBackfill(anvil, pennyPost)) : undefined;
  if (backfill !== undefined) console.log(`B. backfill from anvil: ${backfill.events} events in ${backfill.seconds.toFixed(2)} s = ${backfill.eventsPerSecond} events/s`);
  if (api !== undefined) {
    for (const [i, w] of api.windows.entries()) {
      console.log(`C. GET /v1/posts at ${api.targetRate}/s while ingesting, window ${i + 1}/${api.windows.length} (${api.seconds} s): ${w.requestsPerSecond} req/s, p50 ${w.latencyMs.p50} ms, p99 ${w.latencyMs.p99} ms, max ${w.latencyMs.max} ms, non-2xx ${w.non2xx}, errors ${w.errors}; ${w.postsIngested} posts ingested meanwhile in ${api.blockMs === 0 ? "a block each" : `${api.blockMs}-ms blocks`}; the server's event loop late by p99 ${w.serverEventLoopLatenessMs.p99} ms, max ${w.serverEventLoopLatenessMs.max} ms`);
    }
    console.log(`C. GET /v1/posts at ${api.targetRate}/s while ingesting: median window p99 ${api.latencyMs.p99} ms (${api.windows.map((w) => w.latencyMs.p99).join(", ")}), p50 ${api.latencyMs.p50} ms, non-2xx ${api.windows.reduce((n, w) => n + w.non2xx, 0)}, errors ${api.windows.reduce((n, w) => n + w.errors, 0)}`);
  }
  const environment = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, nodeFlags: process.execArgv };
  await mkdir(OUT, { recursive: true });
  await writeFile(path.join(OUT, "indexer.json"), `${JSON.stringify({ environment, pipeline, backfill, api }, null, 2)}\n`);
  console.log(`Results: ${path.join(OUT, "indexer.json")}`);
} finally {
  await anvil.stop();
}
