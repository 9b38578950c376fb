/**
 * Every setting of the server, from environment variables: one schema, validated once at start-up,
 * frozen. An invalid field is reported with what to do, and the process exits non-zero (main.ts).
 */
import { z } from "zod";

/** Measured by `npm run bench:indexer`: 2,000-event batches ingest faster than 1,000 or 5,000-10,000. */
export const DEFAULT_BATCH_EVENTS = 2_000;
/** Records the ingestor keeps in memory between batches (see createIngestor). */
export const DEFAULT_RECORD_CACHE = 100_000;
/**
 * Logs per eth_getLogs response the backfill aims at (see nextChunkBlocks). Measured against anvil
 * with 200 events per block (`BENCH_ONLY=backfill BENCH_BACKFILL_EVENTS=100000`): ranges of
 * ~2,000 logs backfilled at 30,000-42,000 events/s, ~1,000 at 34,000, ~4,000 at 27,000, and one
 * range of all 100,000 at 5,700 (the node's cost per log grows with the response).
 */
export const DEFAULT_CHUNK_LOGS = 2_000;
/**
 * The first eth_getLogs range, in blocks: small, since the density of the chain ahead is unknown
 * (one range of 100,000 logs took anvil 13-17 s); a sparse chain's ranges then grow up to 8x per
 * request (10 -> 100,000 blocks in five requests).
 */
export const DEFAULT_FIRST_CHUNK_BLOCKS = 10;
/**
 * Actions the relayer holds not yet on chain, all accounts together (RELAYER_MAX_QUEUED): 50,000 is
 * ~20 s of the anchored modes' inclusion rate through HTTP on a 2-core machine (~2,400 posts/s),
 * with the server at ~1 GB resident.
 */
export const DEFAULT_MAX_QUEUED = 50_000;
/**
 * Gas one POST /rpc request may have executed by eth_call / eth_estimateGas, all its calls together.
 * Hardhat's node ran a looping eth_call at about 2-3 Mgas/s here (1,000,000 gas: 380-560 ms), and it
 * answers nothing else meanwhile: at 500,000 gas and RPC_MAX_IN_FLIGHT 2, a flood of such requests
 * holds the node's other callers up by about half a second at most. The page's calls need under
 * 200,000.
 */
export const DEFAULT_RPC_GAS_CAP = 500_000;
/** LevelDB's memtable, MB (see LevelStore.open). */
export const DEFAULT_WRITE_BUFFER_MB = 32;

const int = (name: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number between ${min} and ${max}` })
    .int(`${name} must be a whole number between ${min} and ${max}`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback);

const address = (name: string) =>
  z.string().regex(/^0x[0-9a-fA-F]{40}$/, `${name} must be a 0x-prefixed 20-byte hex address`).optional();

export const configSchema = z
  .object({
    CHAIN_RPC_URL: z.url({ error: "CHAIN_RPC_URL must be an http(s) or ws(s) URL, e.g. http://127.0.0.1:8545" }).default("http://127.0.0.1:8545"),
    DEPLOYMENT_FILE: z.string().min(1).default("deployments/localhost.json"),
    PENNYPOST_ADDRESS: address("PENNYPOST_ADDRESS"),
    PENNYPOST_TEST_TOKEN_ADDRESS: address("PENNYPOST_TEST_TOKEN_ADDRESS"),
    START_BLOCK: int("START_BLOCK", 0, Number.MAX_SAFE_INTEGER, 0),
    HTTP_HOST: z.string().min(1).default("127.0.0.1"),
    HTTP_PORT: int("HTTP_PORT", 0, 65_535, 8080),
    DATA_DIR: z.string().min(1).default("data/index"),
    WEB_DIR: z.string().min(1).default("dist/web"),
    CONFIRMATIONS: int("CONFIRMATIONS", 0, 1_000, 0),
    REORG_WINDOW: int("REORG_WINDOW", 1, 10_000, 64),
    FINALITY_DEPTH: int("FINALITY_DEPTH", 0, 10_000, 0),
    BACKFILL_CHUNK_BLOCKS: int("BACKFILL_CHUNK_BLOCKS", 1, 1_000_000, DEFAULT_FIRST_CHUNK_BLOCKS),
    BACKFILL_MAX_CHUNK_BLOCKS: int("BACKFILL_MAX_CHUNK_BLOCKS", 1, 10_000_000, 100_000),
    BACKFILL_CHUNK_LOGS: int("BACKFILL_CHUNK_LOGS", 1, 1_000_000, DEFAULT_CHUNK_LOGS),
    POLL_INTERVAL_MS: int("POLL_INTERVAL_MS", 10, 60_000, 200),
    BACKFILL_BATCH_EVENTS: int("BACKFILL_BATCH_EVENTS", 1, 1_000_000, DEFAULT_BATCH_EVENTS),
    INDEX_CACHE_RECORDS: int("INDEX_CACHE_RECORDS", 0, 10_000_000, DEFAULT_RECORD_CACHE),
    LEVELDB_WRITE_BUFFER_MB: int("LEVELDB_WRITE_BUFFER_MB", 1, 1_024, DEFAULT_WRITE_BUFFER_MB),
    MAX_PAGE_SIZE: int("MAX_PAGE_SIZE", 1, 1_000, 100),
    RATE_LIMIT_PER_MINUTE: int("RATE_LIMIT_PER_MINUTE", 1, 10_000_000, 600_000),
    /** A head reading older than this: the node does not answer (/ready and data routes 503 node_unavailable). */
    NODE_TIMEOUT_MS: int("NODE_TIMEOUT_MS", 100, 600_000, 10_000),
    /** POST /rpc: `local` relays only for the local development chain (31337). */
    RPC_RELAY: z.enum(["on", "off", "local"], { error: "RPC_RELAY must be on, off or local" }).default("local"),
    RPC_GAS_CAP: int("RPC_GAS_CAP", 21_000, 16_777_216, DEFAULT_RPC_GAS_CAP),
    /** Node time (ms) one client's POST /rpc requests may take per minute. */
    RPC_CLIENT_MS_PER_MINUTE: int("RPC_CLIENT_MS_PER_MINUTE", 100, 3_600_000, 15_000),
    RPC_MAX_IN_FLIGHT: int("RPC_MAX_IN_FLIGHT", 1, 64, 2),
    RPC_TIMEOUT_MS: int("RPC_TIMEOUT_MS", 100, 60_000, 5_000),
    /** Host names (besides loopback ones) the node-facing and state-changing routes answer to, comma-separated. */
    ALLOWED_HOSTS: z.string().default("").transform((list) => list.split(",").map((host) => host.trim().toLowerCase()).filter((host) => host !== "")),
    RELAYER: z.enum(["on", "off"], { error: "RELAYER must be on or off" }).default("on"),
    RELAYER_PRIVATE_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "RELAYER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex private key").optional(),
    /** Default: DATA_DIR with "-relayer" appended (its own LevelDB, never wiped by a re-index). */
    RELAYER_DATA_DIR: z.string().min(1).optional(),
    /** Most batched items (or vouchers) per transaction; the gas of their items (gasAtRisk) and EIP-7825's cap bound it further. */
    BATCH_MAX_ACTIONS: int("BATCH_MAX_ACTIONS", 1, 2_000, 1_000),
    /** Anchored posts per anchoring transaction (its gas barely grows with the count in hash mode). */
    ANCHOR_MAX_POSTS: int("ANCHOR_MAX_POSTS", 1, 65_536, 2_048),
    BATCH_INTERVAL_MS: int("BATCH_INTERVAL_MS", 10, 60_000, 200),
    RELAYER_BUMP_AFTER_MS: int("RELAYER_BUMP_AFTER_MS", 1_000, 3_600_000, 15_000),
    RELAYER_RATE_PER_MINUTE: int("RELAYER_RATE_PER_MINUTE", 1, 1_000_000, 600),
    RELAYER_MAX_PENDING: int("RELAYER_MAX_PENDING", 1, 100_000, 256),
    RELAYER_MAX_QUEUED: int("RELAYER_MAX_QUEUED", 1, 10_000_000, DEFAULT_MAX_QUEUED),
    RELAYER_MAX_IN_FLIGHT: int("RELAYER_MAX_IN_FLIGHT", 1, 64, 4),
    RELAYER_ACCOUNT_GAS_AT_RISK: int("RELAYER_ACCOUNT_GAS_AT_RISK", 0, 16_777_216, 26_000),
    RELAYER_MIN_DEADLINE_SECONDS: int("RELAYER_MIN_DEADLINE_SECONDS", 0, 86_400, 60),
    RELAYER_POLL_MS: int("RELAYER_POLL_MS", 10, 60_000, 50),
    RELAYER_CONFIRMATIONS: int("RELAYER_CONFIRMATIONS", 1, 1_000, 1),
    RELAYER_THROTTLE_SECONDS: int("RELAYER_THROTTLE_SECONDS", 0, 30 * 86_400, 3_600),
    /** Anchored posts' fees wait at most this long for a settlement while the relayer has other work (well under the 1-hour withdrawal delay). */
    RELAYER_FEE_SETTLE_SECONDS: int("RELAYER_FEE_SETTLE_SECONDS", 0, 1_800, 30),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    }).default("info"),
  })
  .refine((c) => c.BACKFILL_CHUNK_BLOCKS <= c.BACKFILL_MAX_CHUNK_BLOCKS, {
    path: ["BACKFILL_CHUNK_BLOCKS"],
    message: "BACKFILL_CHUNK_BLOCKS must not exceed BACKFILL_MAX_CHUNK_BLOCKS",
  });

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}\nSee README "Configuration".`);
    this.issues = issues;
  }
}

/** Validates `env` once; every invalid field is reported, not just the first. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? "config")}: ${issue.message}`));
  }
  return Object.freeze(parsed.data);
}
