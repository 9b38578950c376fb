/**
 * The schema of `results.json`, written by `npm run bench` into its results folder. Every run
 * validates what it writes against it, and test/bench/quick.test.ts checks a run's file with it.
 *
 * Units are in the field names or stated here: seconds, milliseconds (`latencyMs`), gas, bytes.
 * Rates are measured over a scenario's timed window: from the first submission to the moment the
 * last post (or tip) was visible (see `visibility`).
 */
import { z } from "zod";

import { FORMS, MODES } from "./options.ts";

const rate = z.number().nonnegative();
const percentiles = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), count: z.number().int() })
  .describe("submission -> visible, milliseconds; `count` samples");

export const processUsageSchema = z.object({
  cpuSeconds: z.number().nonnegative().describe("user + system CPU time spent during the scenario"),
  peakRssMiB: z.number().nonnegative().nullable().describe("peak resident memory of the process so far (high-water mark)"),
}).describe("one process");

/** Where a scenario's writes went (options.ts PATHS, plus the direct baseline). */
export const SCENARIO_PATHS = ["direct", "relayer-http", "in-process-sequencer"] as const;

const count = z.number().int().nonnegative();

/** What only a relayer-http scenario has: the HTTP side of POST /v1/actions. */
export const httpSchema = z.object({
  form: z.enum(FORMS).describe("single: one action per request; batch: a JSON array per request, answered 207"),
  formNote: z.string().describe("why the form is what it is (e.g. the fallback to single when the server refused arrays)"),
  connections: z.number().int().positive().describe("keep-alive connections, one client lane each; an account's actions all go through one lane, in order"),
  loop: z.enum(["open", "closed"]).describe("open: actions released at offeredRate whatever the answers; closed: the next request as soon as the lane's answer came"),
  offeredRate: z.number().positive().nullable().describe("actions/s released (open loop); null for closed loop"),
  windowSeconds: z.number().nonnegative().describe("how long actions were POSTed: first POST -> the lanes stopped (--duration, or all sent)"),
  prepared: count.describe("actions signed ahead of the window"),
  released: count.describe("actions due by the end of the window (open loop: on the schedule; closed: all prepared)"),
  posted: count.describe("actions POSTed at least once"),
  accepted: count.describe("actions answered 202 (single) or `queued` in a 207 (batch)"),
  acceptedPerSecond: z.number().nonnegative().describe("accepted / (first POST -> last acceptance)"),
  visible: count.describe("accepted actions seen on /v1/stream before the visibility timeout"),
  requests: count,
  actionsPerRequest: z.number().nonnegative().describe("mean actions per request"),
  acceptLatencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), count: z.number().int() })
    .describe("request sent -> answer, per accepted action (the request that got it accepted)"),
  scheduleLagMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), count: z.number().int() })
    .describe("open loop: action due -> its first POST (the client lanes' backlog while the server answered slower than offered)"),
  statusCounts: z.record(z.string(), count).describe("HTTP status of every answer, by status (\"transport\": no answer)"),
  rejections: z.record(z.string(), count).describe("non-2xx outcomes by `<status> <code>` (\"transport <error>\": no answer): per action, per item of a 207; a batch request refused as a whole counts once; retried ones count each time"),
  rejectionSamples: z.record(z.string(), z.string()).describe("one `detail` per rejection key, to tell e.g. the API's per-IP limit from the relayer's per-account one"),
  cascaded: count.describe("batch form: items of an account after its own rejected item in the same request (refused as a consequence; re-sent, not counted above)"),
  retried: count.describe("actions POSTed again after a retryable answer (429, 5xx, no answer)"),
  droppedAfterRejection: count.describe("actions never accepted because an earlier action of the same account got a final rejection (their nonces no longer follow)"),
  unsentAtWindowEnd: count.describe("released but not accepted when the window closed: the client's backlog"),
  exhausted: z.boolean().describe("closed loop: every prepared action was sent before --duration (the rate is a lower bound)"),
  afterWindow: z.object({
    checked: count.describe("accepted actions the stream did not announce, asked for with GET /v1/actions/:id after the window"),
    byStatus: z.record(z.string(), count).describe("their relayer records by status"),
    blocksConfirmed: count.describe("blocks of the included ones where GET /v1/posts/:id of one of their posts answered 200"),
    visibleByCursor: count.describe("of those actions, counted visible from when /status showed the indexer's cursor at their block"),
  }).describe("visibility without the stream: the server drops a stream client more than 1 MiB behind (one big anchored block is more)"),
  pendingAtStart: count.describe("actions of earlier scenarios still pending at the relayer when the window opened (sum of GET /v1/accounts/:address/relay `pending`)"),
  drainSeconds: z.number().nonnegative().describe("how long the bench waited before the window for the relayer to include earlier scenarios' actions (at most 3 x --visibility-timeout)"),
  getCheck: z.object({ checked: count, ok: count }).describe("stream-announced posts asked for again with GET /v1/posts/:id after the window: 200 with the same content"),
  relayer: z.object({
    address: z.string(),
    transactions: count.describe("the relayer's transactions mined between the window's start and the end of the drain"),
    settlementTransactions: count.describe("of which settleAnchoredFees"),
  }),
});

export const scenarioSchema = z.object({
  path: z.enum(SCENARIO_PATHS).describe("direct: one transaction per post (the baseline); relayer-http: POST /v1/actions of the npm start server; in-process-sequencer: the bench sends the batches itself (the protocol's ceiling)"),
  stack: z.enum(["bench-process", "npm-start"]).describe("bench-process: chain started by the bench, indexer and API in the bench's process; npm-start: scripts/start.ts in its own process (hardhat node, Ignition deployment, server with its relayer)"),
  mode: z.enum(MODES),
  batchSize: z.number().int().positive().describe("posts (tips for vouchers) per transaction; 1 for direct; relayer-http: the mean the relayer put in its transactions (rounded)"),
  status: z.enum(["ok", "skipped"]),
  skipReason: z.string().optional(),
  posts: z.number().int().nonnegative().describe("posts submitted in the timed window (0 for vouchers)"),
  tips: z.number().int().nonnegative().describe("tips submitted in the timed window (vouchers)"),
  transactions: z.number().int().nonnegative(),
  blocks: z.number().int().nonnegative().describe("distinct blocks that included the scenario's transactions"),
  seconds: z.number().nonnegative().describe("first submission -> last item visible"),
  postsPerSecond: rate.describe("end to end: posts / seconds"),
  tipsPerSecond: rate.describe("end to end: tips / seconds (vouchers)"),
  includedPerSecond: rate.describe("items / (first submission -> last receipt): on-chain inclusion only"),
  transactionsPerSecond: rate,
  gasPerPost: z.number().nonnegative().nullable().describe("receipts' gasUsed / posts; anchored modes include the fee settlement"),
  gasPerTip: z.number().nonnegative().nullable(),
  gasPerItemExcludingSettlement: z.number().nonnegative().nullable().describe("anchored: anchor transactions only"),
  bytesPerPost: z.number().nonnegative().nullable().describe("transaction calldata bytes / posts (per tip for vouchers)"),
  offchainDataBytesPerPost: z.number().nonnegative().nullable().describe("anchored-hash: batch data bytes per post the sequencer keeps off chain (what a DA layer would carry)"),
  calldataFloorGasPerItem: z.number().nonnegative().nullable().describe("EIP-7623 floor of the calldata (incl. 21,000 per tx) / items"),
  settlementGas: z.number().int().nonnegative().describe("settleAnchoredFees gas (anchored modes), else 0"),
  latencyMs: percentiles,
  inclusionLatencyMs: percentiles.describe("submission -> receipt seen by the bench, milliseconds"),
  visibility: z.object({
    method: z.enum(["api-stream", "api-get", "included-on-chain"]),
    note: z.string(),
    notVisible: z.number().int().nonnegative().describe("items never seen in the API before the timeout"),
  }),
  visibleRateWindows: z.object({
    windowSeconds: z.number().positive(),
    itemsPerSecond: z.array(rate).describe("items that became visible in each whole window from the first submission, per second"),
  }).describe("the end-to-end rate window by window: whether it was sustained, not only averaged"),
  indexerEventsPerSecond: rate.describe("pennypost_events_ingested_total (Prometheus /metrics) delta / seconds"),
  indexerMaxLagBlocks: z.number().int().nonnegative().nullable().describe("largest /status lag seen while the scenario ran"),
  skippedActions: z.number().int().nonnegative().describe("ActionSkipped events in the scenario's receipts (0 expected)"),
  profile: z.object({
    totalMs: z.number().nonnegative(),
    idleMs: z.number().nonnegative().describe("samples where the bench process waited (I/O, timers)"),
    hot: z.array(z.object({ function: z.string(), selfMs: z.number().nonnegative(), share: z.number().min(0).max(1).describe("of the non-idle samples") })),
  }).optional().describe("--profile: the bench process's CPU profile over the timed window, hottest functions by self time"),
  gasProfile: z.object({
    txHash: z.string(),
    items: z.number().int().positive(),
    perItem: z.record(z.string(), z.number()).describe("gas per item by what it pays for (debug_traceTransaction)"),
    executionPerItem: z.number(),
    floorPerItem: z.number(),
    freeExecutionPerItem: z.number().describe("execution under the floor costs nothing: 6 gas per calldata token"),
    withinTenPercentPerItem: z.number().describe("execution that keeps the transaction within 10% of its floor"),
  }).optional().describe("--profile, batched: one transaction of the scenario traced opcode by opcode"),
  cpu: z.object({
    bench: processUsageSchema.describe("the bench process: load generator, relayer/sequencer, indexer and HTTP API (in-process); npm-start stack: the load generator only"),
    chain: processUsageSchema.nullable().describe("the chain node (from /proc); null for --rpc"),
    server: processUsageSchema.nullable().optional().describe("npm-start stack: the server process (indexer, API and relayer)"),
  }),
  http: httpSchema.optional().describe("relayer-http only"),
});

export const resultsSchema = z.object({
  schemaVersion: z.literal(2).describe("2: scenarios carry `path` and `stack`, relayer-http ones `http`"),
  startedAt: z.string().describe("ISO 8601"),
  environment: z.object({
    cpuModel: z.string(),
    cpuCount: z.number().int().positive(),
    memoryGiB: z.number().positive(),
    loadAverage: z.array(z.number()).describe("os.loadavg() at the start: the machine is shared"),
    node: z.string(),
    platform: z.string(),
    packages: z.record(z.string(), z.string()).describe("versions of the packages that shape the numbers"),
    gitCommit: z.string().nullable(),
    chain: z.object({ backend: z.enum(["anvil", "hardhat", "external"]), url: z.string(), chainId: z.number().int(), clientVersion: z.string() }),
    contract: z.string(),
    options: z.record(z.string(), z.unknown()),
    npmStart: z.object({
      command: z.string(),
      env: z.record(z.string(), z.string()).describe("everything set for the server process beyond PATH/HOME-like basics: ports, data directories, SKIP_WEB_BUILD"),
      apiUrl: z.string(),
      chain: z.object({ url: z.string(), chainId: z.number().int(), clientVersion: z.string() }),
      contract: z.string(),
      relayer: z.string(),
      log: z.string().describe("the server's stdout and stderr"),
    }).optional().describe("--path relayer-http: the stack started the way npm start starts it"),
  }),
  presign: z.object({
    method: z.string().describe("how actions were signed ahead of the timed window"),
    signaturesPerSecond: rate,
    viemSignTypedDataPerSecond: rate.describe("the same signatures through viem's account.signTypedData, for comparison"),
  }),
  scenarios: z.array(scenarioSchema),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type Results = z.infer<typeof resultsSchema>;
export type ProcessUsage = z.infer<typeof processUsageSchema>;
export type HttpStats = z.infer<typeof httpSchema>;
