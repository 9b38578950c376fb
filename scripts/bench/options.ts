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
  "content-bytes": count("content-bytes", 32, 4_096).default(280),
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
}

export const USAGE = `Usage: npm run bench -- [options]

  --modes LIST            ${MODES.join(",")} (default: all)
  --posts N               posts per scenario (default 4096; --quick ${QUICK_DEFAULTS.posts})
  --tips N                tips per vouchers scenario (default 4096; --quick ${QUICK_DEFAULTS.tips})
  --direct-posts N        posts of the direct baseline (default: --posts, at most 4096)
  --authors N             signing accounts (default 64; --quick ${QUICK_DEFAULTS.authors})
  --content-bytes N       bytes per post (default 280)
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
  --help`;

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
  return {
    modes: [...new Set(o.modes ?? MODES)],
    posts,
    directPosts: o["direct-posts"] ?? Math.min(posts, 4_096),
    tips: o.tips ?? (quick ? QUICK_DEFAULTS.tips : 4_096),
    authors: o.authors ?? (quick ? QUICK_DEFAULTS.authors : 64),
    contentBytes: o["content-bytes"],
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
  };
}
