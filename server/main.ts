/**
 * Composition root of the indexer + API: the one place that reads the environment, opens the
 * database, connects to the chain, listens and handles signals.
 *
 *   node server/main.ts            (settings from the environment: see server/config.ts, README)
 *
 * `startServer` is also used by `npm start` (scripts/start.ts) and by the tests.
 */
import { existsSync } from "node:fs";
import type { Server } from "node:http";

import { pino, type Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createPublicClient, getAddress, http, type Hex, type PublicClient } from "viem";

import { readDeployment } from "../lib/deployment.ts";
import { createApp } from "./api/app.ts";
import { createEventHub, publishIngested } from "./api/hub.ts";
import { indexerStatus, type IndexerStatus } from "./api/status.ts";
import { createFollower, type Follower } from "./chain/follower.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import type { Address, AnchorDataSource } from "./domain.ts";
import { NonRetryableError } from "./errors.ts";
import { createIndexerMetrics } from "./metrics.ts";
import { Relayer } from "./relayer/relayer.ts";
import { LevelStore } from "./store/level-store.ts";
import { checkSchema } from "./store/schema.ts";

export interface RunningServer {
  url: string;
  follower: Follower;
  /** Stops fetching, finishes the batch in flight, closes the HTTP server and the database. */
  stop(): Promise<void>;
}

async function resolveContracts(config: Config): Promise<{ chainId: number | undefined; startBlock: number; contracts: { PennyPost: Address; PennyTestToken?: Address } }> {
  const lower = (pennyPost: string, testToken: string | undefined) => ({
    PennyPost: pennyPost.toLowerCase() as Address,
    ...(testToken ? { PennyTestToken: testToken.toLowerCase() as Address } : {}),
  });
  if (config.PENNYPOST_ADDRESS !== undefined) {
    return { chainId: undefined, startBlock: config.START_BLOCK, contracts: lower(config.PENNYPOST_ADDRESS, config.PENNYPOST_TEST_TOKEN_ADDRESS) };
  }
  const deployment = await readDeployment(config.DEPLOYMENT_FILE);
  return {
    chainId: deployment.chainId,
    startBlock: deployment.startBlock,
    contracts: lower(deployment.contracts.PennyPost, deployment.contracts.PennyTestToken),
  };
}

/** `anchorData`: where hash-mode anchored batches' data comes from (the relayer's store); none: they are dataUnavailable. */
export async function startServer(config: Config, logger: Logger, options: { anchorData?: AnchorDataSource } = {}): Promise<RunningServer> {
  const { chainId: expectedChainId, startBlock, contracts } = await resolveContracts(config);
  const client = createPublicClient({ transport: http(config.CHAIN_RPC_URL, { batch: { batchSize: 200 }, retryCount: 2 }) }) as PublicClient;
  const chainId = await client.getChainId().catch((error: unknown) => {
    throw new NonRetryableError(`No JSON-RPC node answers at ${config.CHAIN_RPC_URL}: start one (npm start does) or set CHAIN_RPC_URL`, { cause: error });
  });
  if (expectedChainId !== undefined && expectedChainId !== chainId) {
    throw new NonRetryableError(`${config.DEPLOYMENT_FILE} is for chain ${expectedChainId}, but ${config.CHAIN_RPC_URL} is chain ${chainId}`);
  }

  const store = await LevelStore.open(config.DATA_DIR, { writeBufferMB: config.LEVELDB_WRITE_BUFFER_MB });
  await checkSchema(store).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const relayer = await openRelayer(config, logger, chainId, getAddress(contracts.PennyPost));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const hub = createEventHub((error) => logger.warn({ err: error }, "stream listener failed"));
  let follower: Follower | undefined;
  let published: Promise<unknown> = Promise.resolve();
  const metrics = createIndexerMetrics(registry, () => follower);
  follower = createFollower({
    client, store, logger, anchorData: options.anchorData ?? relayer,
    // The watch's own client: a node that does not answer within NODE_TIMEOUT_MS is seen as such.
    watchClient: createPublicClient({ transport: http(config.CHAIN_RPC_URL, { batch: true, retryCount: 0, timeout: config.NODE_TIMEOUT_MS }) }) as PublicClient,
    config: {
      address: contracts.PennyPost, startBlock, confirmations: config.CONFIRMATIONS, reorgWindow: config.REORG_WINDOW,
      chunkBlocks: config.BACKFILL_CHUNK_BLOCKS, maxChunkBlocks: config.BACKFILL_MAX_CHUNK_BLOCKS, chunkLogs: config.BACKFILL_CHUNK_LOGS, pollIntervalMs: config.POLL_INTERVAL_MS,
      cacheRecords: config.INDEX_CACHE_RECORDS, batchEvents: config.BACKFILL_BATCH_EVENTS,
    },
    hooks: {
      onCommit(events) {
        metrics.countEvents(events);
        // Chained, so the stream keeps chain order even when reads finish out of order.
        published = published
          .then(() => publishIngested(hub, store, events))
          .catch((error: unknown) => logger.warn({ err: error }, "stream publish failed"));
      },
    },
  });

  let everCaughtUp = false;
  const status = (): IndexerStatus => {
    const s = (follower as Follower).status();
    everCaughtUp ||= s.caughtUp;
    return indexerStatus(s, { nodeTimeoutMs: config.NODE_TIMEOUT_MS, finalityDepth: config.FINALITY_DEPTH, everCaughtUp });
  };
  // Nothing is served before the node has been read once: the index may be of another chain.
  await follower.checkChain().catch(async (error: unknown) => {
    await relayer?.stop();
    await store.close();
    throw new NonRetryableError(`No JSON-RPC node answers at ${config.CHAIN_RPC_URL}`, { cause: error });
  });
  const relayRpc = config.RPC_RELAY === "on" || (config.RPC_RELAY === "local" && chainId === LOCAL_CHAIN_ID);

  const app = createApp({
    store, status, events: hub, registry, logger, ...(relayer === undefined ? {} : { relayer }),
    config: {
      chainId, contracts, maxPageSize: config.MAX_PAGE_SIZE, rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE, finalityDepth: config.FINALITY_DEPTH,
      ...(relayRpc ? { rpcUrl: config.CHAIN_RPC_URL } : {}),
      rpcLimits: { gasCap: config.RPC_GAS_CAP, maxInFlight: config.RPC_MAX_IN_FLIGHT, timeoutMs: config.RPC_TIMEOUT_MS, clientMsPerMinute: config.RPC_CLIENT_MS_PER_MINUTE },
      allowedHosts: config.ALLOWED_HOSTS, ...(existsSync(config.WEB_DIR) ? { webDir: config.WEB_DIR } : {}),
    },
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.HTTP_PORT, config.HTTP_HOST, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as { port: number };
  const url = `http://${config.HTTP_HOST}:${port}`;
  const loop = follower.start().catch((error: unknown) => logger.error({ err: error }, "follower crashed"));
  relayer?.start();
  logger.info({ url, chainId, rpc: config.CHAIN_RPC_URL, rpcRelay: relayRpc, contract: contracts.PennyPost, dataDir: config.DATA_DIR }, "server listening");
  if (!existsSync(config.WEB_DIR)) logger.warn({ webDir: config.WEB_DIR }, "web page not built (npm run build:web); serving the API only");

  let stopped: Promise<void> | undefined;
  return {
    url,
    follower,
    stop() {
      stopped ??= (async () => {
        await relayer?.stop();
        await (follower as Follower).stop();
        await loop;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.close();
        logger.info("server stopped");
      })();
      return stopped;
    },
  };
}

/** Hardhat's and anvil's development account #9 (a public key, local chains only): the local relayer. */
const LOCAL_RELAYER_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
const LOCAL_CHAIN_ID = 31337;

/**
 * The relayer behind POST /v1/actions, unless RELAYER=off. Its key is RELAYER_PRIVATE_KEY; on the
 * local chain (31337) it defaults to development account #9, which PennyPostLocal makes a sequencer.
 */
async function openRelayer(config: Config, logger: Logger, chainId: number, address: Address): Promise<Relayer | undefined> {
  if (config.RELAYER === "off") return undefined;
  const privateKey = (config.RELAYER_PRIVATE_KEY ?? (chainId === LOCAL_CHAIN_ID ? LOCAL_RELAYER_KEY : undefined)) as Hex | undefined;
  if (privateKey === undefined) {
    logger.warn("no RELAYER_PRIVATE_KEY on this chain: POST /v1/actions answers 503 relayer_disabled");
    return undefined;
  }
  const relayer = new Relayer(
    {
      address, chainId, privateKey, dataDir: config.RELAYER_DATA_DIR ?? `${config.DATA_DIR}-relayer`, batchMaxActions: config.BATCH_MAX_ACTIONS, anchorMaxPosts: config.ANCHOR_MAX_POSTS, batchIntervalMs: config.BATCH_INTERVAL_MS,
      bumpAfterMs: config.RELAYER_BUMP_AFTER_MS, ratePerMinute: config.RELAYER_RATE_PER_MINUTE, maxPending: config.RELAYER_MAX_PENDING, maxQueued: config.RELAYER_MAX_QUEUED,
      maxInFlight: config.RELAYER_MAX_IN_FLIGHT, accountGasAtRisk: config.RELAYER_ACCOUNT_GAS_AT_RISK, minDeadlineSeconds: config.RELAYER_MIN_DEADLINE_SECONDS,
      confirmations: config.RELAYER_CONFIRMATIONS, pollMs: config.RELAYER_POLL_MS, watchDepth: config.REORG_WINDOW, throttleSeconds: config.RELAYER_THROTTLE_SECONDS,
      feeSettleSeconds: config.RELAYER_FEE_SETTLE_SECONDS,
    },
    // Its own client: a node that does not answer fails an accept within seconds (503), not after retries.
    createPublicClient({ transport: http(config.CHAIN_RPC_URL, { batch: { batchSize: 500, wait: 1 }, retryCount: 0, timeout: 5_000 }) }) as PublicClient,
    logger.child({ component: "relayer" }),
  );
  await relayer.open();
  logger.info({ relayer: relayer.address }, "relayer ready");
  return relayer;
}

/** Runs the server until SIGTERM/SIGINT; exits non-zero on a configuration or start-up error. */
export async function runFromEnvironment(env: Record<string, string | undefined> = process.env): Promise<RunningServer | undefined> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
    return undefined;
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { service: "pennypost" } });
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, "start-up failed");
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
    return undefined;
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    running.stop().then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return running;
}

if (import.meta.main) await runFromEnvironment();
