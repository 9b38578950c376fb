/**
 * The schema of `results.json`, written by `npm run bench` into its results folder. Every run
 * validates what it writes against it, and test/bench/quick.test.ts checks a run's file with it.
 *
 * Units are in the field names or stated here: seconds, milliseconds (`latencyMs`), gas, bytes.
 * Rates are measured over a scenario's timed window: from the first submission to the moment the
 * last post (or tip) was visible (see `visibility`).
 */
import { z } from "zod";

import { MODES } from "./options.ts";

const rate = z.number().nonnegative();
const percentiles = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), count: z.number().int() })
  .describe("submission -> visible, milliseconds; `count` samples");

export const processUsageSchema = z.object({
  cpuSeconds: z.number().nonnegative().describe("user + system CPU time spent during the scenario"),
  peakRssMiB: z.number().nonnegative().nullable().describe("peak resident memory of the process so far (high-water mark)"),
}).describe("one process");

export const scenarioSchema = z.object({
  mode: z.enum(MODES),
  batchSize: z.number().int().positive().describe("posts (tips for vouchers) per transaction; 1 for direct"),
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
    bench: processUsageSchema.describe("the bench process: load generator, relayer/sequencer, indexer and HTTP API (in-process)"),
    chain: processUsageSchema.nullable().describe("the chain node (from /proc); null for --rpc"),
  }),
});

export const resultsSchema = z.object({
  schemaVersion: z.literal(1),
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
