/**
 * Command-line options of `npm run bench` (scripts/bench/throughput.ts): parsed with Node's
 * `util.parseArgs`, validated with one zod schema. A bad option throws `BenchUsageError`, whose
 * message says what to do; the entry point prints it and exits with code 2.
 */
import { parseArgs } from "node:util";

import { z } from "zod";

export const MODES = ["direct", "batched", "anchored-calldata", "anchored-hash", "vouchers"] as const;
export type Mode = (typeof MODES)[number];
export const CHAINS = ["anvil", "hardhat"] as const;
/**
 * Where a scenario's actions go. in-process-sequencer: the bench is its own relayer/sequencer and
 * sends the batch transactions itself, with the indexer and API in its process (the protocol's
 * ceiling). relayer-http: the product's write path, POST /v1/actions of a server started the way
 * `npm start` starts it, in its own process (relayer-run.ts). `direct` (one transaction per post)
 * is the baseline of either.
 */
export const PATHS = ["in-process-sequencer", "relayer-http"] as const;
export type BenchPath = (typeof PATHS)[number];
export const FORMS = ["single", "batch"] as const;
export type HttpForm = (typeof FORMS)[number];
export const LOOPS = ["open", "closed", "both"] as const;
/** Defaults of the relayer-http path. */
export const RELAYER_HTTP_DEFAULTS = { authors: 200, contentBytes: 200, connections: { single: 64, batch: 32 }, httpBatch: 200, directConcurrency: 64 } as const;

/** What `--quick` sets (each still overridable by an explicit option): finishes in well under two minutes. */
export const QUICK_DEFAULTS = { posts: 512, tips: 512, authors: 16, batchSizes: [16, 128], concurrency: 8 } as const;

export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}

const parts = (s: string) => s.split(",").map((part) => part.trim()).filter((part) => part !== "");
const count = (name: string, min: number, max: number) =>
  z.coerce.number({ error: `--${name} must be a number` }).int(`--${name} must be a whole number`)
    .min(min, `--${name} must be at least ${min}`).max(max, `--${name} must be at most ${max}`);
const positive = (name: string) => z.coerce.number({ error: `--${name} must be a number` }).positive(`--${name} must be above 0`);

const schema = z.object({
  modes: z.string().transform(parts)
    .pipe(z.array(z.enum(MODES, { error: `--modes takes a comma-separated list of ${MODES.join(", ")}` })).min(1, "--modes needs at least one mode"))
    .optional(),
  posts: count("posts", 1, 10_000_000).optional(),
  tips: count("tips", 1, 10_000_000).optional(),
  "direct-posts": count("direct-posts", 1, 10_000_000).optional(),
  authors: count("authors", 1, 100_000).optional(),
  "content-bytes": count("content-bytes", 32, 4_096).optional(),
  "batch-sizes": z.string().transform((s) => parts(s).map(Number)).pipe(z.array(
    z.number({ error: "--batch-sizes takes comma-separated whole numbers, e.g. 16,64,256" }).int("--batch-sizes takes comma-separated whole numbers, e.g. 16,64,256")
      .min(1, "--batch-sizes must be at least 1").max(1 << 20, `--batch-sizes must be at most ${1 << 20}`),
  ).min(1, "--batch-sizes needs at least one size")).optional(),
  concurrency: count("concurrency", 1, 1_024).optional(),
  duration: positive("duration").optional(),
  rate: positive("rate").optional(),
  seed: count("seed", 0, 2 ** 32 - 1).default(1),
  rpc: z.url({ error: "--rpc must be an http(s) URL of a JSON-RPC node, e.g. http://127.0.0.1:8545" }).optional(),
  chain: z.enum(CHAINS, { error: `--chain must be one of ${CHAINS.join(", ")}` }).default("anvil"),
  "private-key": z.string().regex(/^0x[0-9a-fA-F]{64}$/, "--private-key must be a 0x-prefixed 32-byte hex key").optional(),
  out: z.string().min(1).optional(),
  quick: z.boolean().default(false),
  "gas-price-gwei": positive("gas-price-gwei").default(1),
  "eth-usd": positive("eth-usd").default(3_000),
  "l2-mgas-per-second": positive("l2-mgas-per-second").optional(),
  "visibility-timeout": positive("visibility-timeout").default(60),
  charts: z.boolean().default(true),
  profile: z.boolean().default(false),
  path: z.string().transform(parts)
    .pipe(z.array(z.enum(PATHS, { error: `--path takes a comma-separated list of ${PATHS.join(", ")}` })).min(1, "--path needs at least one path"))
    .optional(),
  form: z.enum(FORMS, { error: `--form must be one of ${FORMS.join(", ")}` }).optional(),
  connections: count("connections", 1, 1_024).optional(),
  "http-batch": count("http-batch", 1, 500).optional(),
  loop: z.enum(LOOPS, { error: `--loop must be one of ${LOOPS.join(", ")}` }).optional(),
});

export interface BenchOptions {
  modes: Mode[];
  posts: number;
  tips: number;
  /** Posts of the direct baseline: one transaction each, so a long run does not need as many. */
  directPosts: number;
  authors: number;
  contentBytes: number;
  batchSizes: number[];
  concurrency: number;
  /** Seconds: a scenario stops submitting after this long (its pre-signed actions may be left over). */
  durationSeconds: number | undefined;
  /** Offered load, items/s: units are released on this schedule (open loop) instead of as fast as the concurrency allows. */
  rate: number | undefined;
  seed: number;
  rpc: string | undefined;
  chain: (typeof CHAINS)[number];
  privateKey: `0x${string}` | undefined;
  out: string | undefined;
  quick: boolean;
  gasPriceGwei: number;
  ethUsd: number;
  /** A large L2's gas throughput for the projections; undefined = the cited default (sources.ts). */
  l2MgasPerSecond: number | undefined;
  visibilityTimeoutSeconds: number;
  charts: boolean;
  /** A CPU profile of each scenario's timed window (profile.ts). */
  profile: boolean;
  /** The write paths to measure, in this order (default: in-process-sequencer). */
  paths: BenchPath[];
  /** relayer-http only (undefined when that path is not run). */
  http: {
    /** Accounts of the relayer-http path (--authors, default 200). */
    authors: number;
    /** Bytes per post of the relayer-http path (--content-bytes, default 200). */
    contentBytes: number;
    form: HttpForm;
    /** Keep-alive connections, one client lane each. */
    connections: number;
    /** Most actions per request of the batch form. */
    batchMax: number;
    /** Open loop at --rate, closed loop (as fast as the answers come), or both one after the other. */
    loops: ("open" | "closed")[];
  } | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]

  --path LIST             ${PATHS.join(",")} (default: in-process-sequencer)
                          in-process-sequencer: the bench sends the batch transactions itself (the
                          protocol's ceiling); relayer-http: pre-signed actions POSTed to
                          /v1/actions of a server started as \`npm start\` does, in its own process,
                          with its defaults, beside a direct baseline on the same chain
  --modes LIST            ${MODES.join(",")} (default: all)
  --posts N               posts per scenario (default 4096; --quick ${QUICK_DEFAULTS.posts})
  --tips N                tips per vouchers scenario (default 4096; --quick ${QUICK_DEFAULTS.tips})
  --direct-posts N        posts of the direct baseline (default: --posts, at most 4096)
  --authors N             signing accounts (default 64, relayer-http ${RELAYER_HTTP_DEFAULTS.authors}; --quick ${QUICK_DEFAULTS.authors})
  --content-bytes N       bytes per post (default 280, relayer-http ${RELAYER_HTTP_DEFAULTS.contentBytes})
  --batch-sizes LIST      batch sizes swept for batched, anchored and vouchers (default 16,64,256,1024;
                          a size whose transaction would pass 2^24 gas is skipped and reported)
  --concurrency N         transactions in flight (default 8)
  --duration S            stop submitting a scenario after S seconds
  --rate N                offer N items/s (each unit released on schedule, concurrency still caps
                          what is in flight): the latency at a given load, not only the maximum
  --seed N                seed of the generated accounts and contents (default 1)
  --chain anvil|hardhat   embedded node to start (default anvil)
  --rpc URL               use this JSON-RPC node instead (contracts are deployed fresh)
  --private-key 0x..      funded key for --rpc (default: the public development key #0)
  --out DIR               results folder (default bench/results/<timestamp>)
  --quick                 small profile, under two minutes
  --gas-price-gwei X      gas price for the cost columns (default 1)
  --eth-usd X             ETH price in dollars for the cost columns (default 3000)
  --l2-mgas-per-second X  a large L2's gas throughput (default: Base's published target, see report)
  --visibility-timeout S  give up waiting for a post to show in the API after S s (default 60)
  --no-charts             skip the SVG charts
  --profile               CPU-profile each scenario's timed window: <scenario>.cpuprofile files and
                          the hottest functions in the report (the sampling costs a few percent)
  --help

relayer-http only:
  --form single|batch     one action per request (default), or a JSON array of up to --http-batch
                          actions per request (answered 207; falls back to single, and says so,
                          when the server refuses arrays)
  --connections N         keep-alive connections, one client lane each; an account's actions all go
                          through one lane, in order (default ${RELAYER_HTTP_DEFAULTS.connections.single}, batch form ${RELAYER_HTTP_DEFAULTS.connections.batch})
  --http-batch N          most actions per request of the batch form (default ${RELAYER_HTTP_DEFAULTS.httpBatch},
                          at most 500, the server's cap)
  --loop open|closed|both open loop at --rate for --duration, closed loop (as fast as the server
                          answers), or both (default: both with --rate, else closed)`;

/** Parses argv (without node and script); throws BenchUsageError with what to do. */
export function parseBenchOptions(argv: string[]): BenchOptions | "help" {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        modes: { type: "string" }, posts: { type: "string" }, tips: { type: "string" }, "direct-posts": { type: "string" }, authors: { type: "string" },
        "content-bytes": { type: "string" }, "batch-sizes": { type: "string" }, concurrency: { type: "string" },
        duration: { type: "string" }, rate: { type: "string" }, seed: { type: "string" }, rpc: { type: "string" }, chain: { type: "string" },
        "private-key": { type: "string" }, out: { type: "string" }, quick: { type: "boolean" },
        "gas-price-gwei": { type: "string" }, "eth-usd": { type: "string" }, "l2-mgas-per-second": { type: "string" },
        "visibility-timeout": { type: "string" }, "no-charts": { type: "boolean" }, profile: { type: "boolean" }, help: { type: "boolean", short: "h" },
        path: { type: "string" }, form: { type: "string" }, connections: { type: "string" }, "http-batch": { type: "string" }, loop: { type: "string" },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help === true) return "help";
  const { "no-charts": noCharts, help: _help, ...rest } = values;
  const parsed = schema.safeParse({ ...rest, charts: noCharts !== true });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `  - ${issue.message}`).join("\n");
    throw new BenchUsageError(`Invalid options:\n${issues}\nRun npm run bench -- --help for the list.`);
  }
  const o = parsed.data;
  const quick = o.quick;
  const posts = o.posts ?? (quick ? QUICK_DEFAULTS.posts : 4_096);
  const paths = [...new Set(o.path ?? ["in-process-sequencer" as const])];
  const relayerHttp = paths.includes("relayer-http");
  const usage = (message: string) => new BenchUsageError(`${message}\nRun npm run bench -- --help for the list.`);
  if (!relayerHttp) {
    const given = (["form", "connections", "http-batch", "loop"] as const).filter((name) => o[name] !== undefined);
    if (given.length > 0) throw usage(`--${given[0]} applies to --path relayer-http only: add --path relayer-http (or drop --${given[0]})`);
  }
  if (!paths.includes("in-process-sequencer")) {
    const given = (["rpc", "private-key", "chain"] as const).find((name) => values[name] !== undefined);
    if (given !== undefined) throw usage(`--${given} applies to the in-process-sequencer path (relayer-http starts its own chain with npm start): add in-process-sequencer to --path, or drop --${given}`);
  }
  if (o.loop !== undefined && o.loop !== "closed" && o.rate === undefined) throw usage(`--loop ${o.loop} needs an offered rate: add --rate N (items/s)`);
  const form = o.form ?? "single";
  const loops: ("open" | "closed")[] = o.loop === "open" ? ["open"] : o.loop === "closed" ? ["closed"] : o.loop === "both" || o.rate !== undefined ? ["open", "closed"] : ["closed"];
  return {
    modes: [...new Set(o.modes ?? MODES)],
    posts,
    directPosts: o["direct-posts"] ?? Math.min(posts, 4_096),
    tips: o.tips ?? (quick ? QUICK_DEFAULTS.tips : 4_096),
    authors: o.authors ?? (quick ? QUICK_DEFAULTS.authors : 64),
    contentBytes: o["content-bytes"] ?? 280,
    batchSizes: [...new Set(o["batch-sizes"] ?? (quick ? [...QUICK_DEFAULTS.batchSizes] : [16, 64, 256, 1_024]))].sort((a, b) => a - b),
    concurrency: o.concurrency ?? (quick ? QUICK_DEFAULTS.concurrency : 8),
    durationSeconds: o.duration,
    rate: o.rate,
    seed: o.seed,
    rpc: o.rpc,
    chain: o.chain,
    privateKey: o["private-key"] as `0x${string}` | undefined,
    out: o.out,
    quick,
    gasPriceGwei: o["gas-price-gwei"],
    ethUsd: o["eth-usd"],
    l2MgasPerSecond: o["l2-mgas-per-second"],
    visibilityTimeoutSeconds: o["visibility-timeout"],
    charts: o.charts,
    profile: o.profile,
    paths,
    http: relayerHttp
      ? {
        authors: o.authors ?? (quick ? QUICK_DEFAULTS.authors : RELAYER_HTTP_DEFAULTS.authors),
        contentBytes: o["content-bytes"] ?? RELAYER_HTTP_DEFAULTS.contentBytes,
        form,
        connections: o.connections ?? RELAYER_HTTP_DEFAULTS.connections[form],
        batchMax: o["http-batch"] ?? RELAYER_HTTP_DEFAULTS.httpBatch,
        loops,
      }
      : undefined,
  };
}
