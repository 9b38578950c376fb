/**
 * One scenario (a mode at a batch size): its pre-signed units go through a submitter with at most
 * `concurrency` transactions in flight; the clock runs from the first submission until the last item
 * is visible (visibility.ts) or the visibility timeout passes. Gas, bytes and blocks come from the
 * receipts; CPU from the processes; the indexer's numbers from its own /metrics and /status.
 */
import { encodeEventTopics } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { ingestedEvents, lagSampler, latencyHistogram, round3, usageMeter } from "./measure.ts";
import type { Mode } from "./options.ts";
import type { Scenario } from "./schema.ts";
import type { WindowProfile, WindowProfiler } from "./profile.ts";
import type { Submission, Submitter } from "./submitters.ts";
import type { InclusionTracker, RawReceipt } from "./tx.ts";
import { ItemBook, type VisibilityCheck } from "./visibility.ts";
import type { Unit } from "./workload.ts";

/** Width of the windows of `visibleRateWindows`: whether a rate was sustained, not only averaged. */
const WINDOW_SECONDS = 10;
const ACTION_SKIPPED = encodeEventTopics({ abi: pennyPostAbi, eventName: "ActionSkipped" })[0]!.toLowerCase();

export interface ScenarioContext {
  apiUrl: string;
  tracker: InclusionTracker;
  chainPid: number | undefined;
  concurrency: number;
  durationSeconds: number | undefined;
  /** Offered items/s (open loop); undefined: as fast as `concurrency` allows. */
  rate?: number | undefined;
  visibilityTimeoutMs: number;
  /** Where the SSE stream delivers: the scenario installs its book here. */
  setBook(book: ItemBook | undefined): void;
  onProgress?(visible: number, total: number): void;
  /** --profile: profiles each timed window. */
  profiler?: WindowProfiler | undefined;
  /** Where the chain, indexer and API run (default: bench-process). */
  stack?: Scenario["stack"];
  /** npm-start stack: the server's process, for its CPU. */
  serverPid?: number | undefined;
}

/** The path of a scenario the bench submits itself: direct, or its own sequencer. */
export const submittedPath = (mode: Mode): Scenario["path"] => (mode === "direct" ? "direct" : "in-process-sequencer");

export interface ScenarioOutcome {
  scenario: Scenario;
  latencyCurve: { percentile: number; ms: number }[];
  receipts: RawReceipt[];
  profile?: WindowProfile;
}

export function countSkipped(receipts: readonly RawReceipt[]): number {
  return receipts.reduce((n, r) => n + r.logs.filter((log) => log.topics[0]?.toLowerCase() === ACTION_SKIPPED).length, 0);
}

export function skippedScenario(
  mode: Mode, batchSize: number, reason: string, path: Scenario["path"] = submittedPath(mode), stack: Scenario["stack"] = "bench-process",
): Scenario {
  const zero = { p50: 0, p95: 0, p99: 0, max: 0, count: 0 };
  return {
    path, stack, mode, batchSize, status: "skipped", skipReason: reason, posts: 0, tips: 0, transactions: 0, blocks: 0, seconds: 0,
    postsPerSecond: 0, tipsPerSecond: 0, includedPerSecond: 0, transactionsPerSecond: 0, gasPerPost: null, gasPerTip: null,
    gasPerItemExcludingSettlement: null, bytesPerPost: null, offchainDataBytesPerPost: null, calldataFloorGasPerItem: null,
    settlementGas: 0, latencyMs: zero, inclusionLatencyMs: zero,
    visibility: { method: "api-stream", note: reason, notVisible: 0 }, visibleRateWindows: { windowSeconds: 10, itemsPerSecond: [] }, indexerEventsPerSecond: 0, indexerMaxLagBlocks: null,
    skippedActions: 0, cpu: { bench: { cpuSeconds: 0, peakRssMiB: null }, chain: null },
  };
}

export async function runScenario<P>(
  context: ScenarioContext, mode: Mode, batchSize: number, units: Unit<P>[], submitter: Submitter<P>, visibility: VisibilityCheck,
  /** Runs after the timed window with the number of units submitted (anchored fee settlement): its receipts count in gas, not in time. */
  afterWindow?: (submitted: number) => Promise<RawReceipt[]>,
): Promise<ScenarioOutcome> {
  const book = new ItemBook();
  context.setBook(book);
  const events0 = await ingestedEvents(context.apiUrl);
  const lag = lagSampler(context.apiUrl);
  const usage = await usageMeter(context.chainPid, context.serverPid);
  const receipts: RawReceipt[] = [];
  const submissions: Submission[] = [];
  const sendErrors: unknown[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const done: Promise<void>[] = [];
  const progressTimer = setInterval(() => context.onProgress?.(book.visible, book.items.size), 200);

  await context.profiler?.start();
  const started = performance.now();
  let offered = 0;
  for (const unit of units) {
    if (context.durationSeconds !== undefined && performance.now() - started > context.durationSeconds * 1000) break;
    if (context.rate !== undefined) {
      const due = started + (offered / context.rate) * 1000;
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    }
    offered += unit.keys.length;
    while (inFlight >= context.concurrency) await new Promise<void>((resolve) => (wake = resolve));
    book.submit(unit.keys, performance.now());
    const submission = await submitter.submit(unit);
    submissions.push(submission);
    inFlight++;
    const release = () => {
      inFlight--;
      wake?.();
    };
    const refused = submission.sent.then(() => new Promise<never>(() => {}), (error: unknown) => {
      if (sendErrors.length === 0) console.error(`${mode} x${batchSize}: the node refused a transaction: ${String((error as Error)?.message ?? error).split("\n").slice(0, 3).join(" ")}`);
      sendErrors.push(error);
      return undefined;
    });
    done.push(Promise.race([context.tracker.watch(submission.hash), refused]).then((included) => {
      release();
      if (included === undefined) return;
      const blockNumber = Number(included.receipt.blockNumber);
      receipts.push(included.receipt);
      book.include(unit.keys, included.seenAt);
      visibility.onIncluded(book, unit.keys, blockNumber, included.seenAt, submission.postIds);
    }));
  }
  await Promise.race([Promise.all(done), new Promise((resolve) => setTimeout(resolve, context.visibilityTimeoutMs))]);
  await book.settle(context.visibilityTimeoutMs);
  const profile = await context.profiler?.stop();
  clearInterval(progressTimer);
  context.onProgress?.(book.visible, book.items.size);
  context.setBook(undefined);

  const items = [...book.items.values()];
  // Loops, not Math.max(...spread): a long run has more items than the call stack has room for.
  let lastVisible = started;
  let lastIncluded = started;
  for (const item of items) {
    if ((item.visibleAt ?? 0) > lastVisible) lastVisible = item.visibleAt!;
    if ((item.includedAt ?? 0) > lastIncluded) lastIncluded = item.includedAt!;
  }
  const notVisible = items.filter((i) => i.visibleAt === undefined).length;
  const end = notVisible > 0 ? performance.now() : lastVisible;
  const seconds = (end - started) / 1000;
  const events1 = await ingestedEvents(context.apiUrl);
  const maxLag = lag.stop();
  const cpu = await usage.stop();
  let settlement: RawReceipt[] = [];
  let settlementError: unknown;
  try {
    settlement = afterWindow ? await afterWindow(submissions.length) : [];
  } catch (error) {
    settlementError = error; // reported with the scenario; its measurements stand
  }

  const latency = latencyHistogram();
  const inclusion = latencyHistogram();
  for (const item of items) {
    if (item.visibleAt !== undefined) latency.record(item.visibleAt - item.submittedAt);
    if (item.includedAt !== undefined) inclusion.record(item.includedAt - item.submittedAt);
  }
  const gasOf = (list: readonly RawReceipt[]) => list.reduce((sum, r) => sum + Number(BigInt(r.gasUsed)), 0);
  const gas = gasOf(receipts);
  const settlementGas = gasOf(settlement);
  const count = items.length;
  const isTips = mode === "vouchers";
  const bytes = submissions.reduce((sum, s) => sum + s.calldataBytes, 0);
  const floor = submissions.reduce((sum, s) => sum + s.floorGas, 0);
  const offchain = submissions.reduce((sum, s) => sum + (s.offchainBytes ?? 0), 0);
  const perItem = (n: number) => (count > 0 ? round3(n / count) : null);
  const notes = [visibility.note()];
  if (notVisible > 0) notes.push(`${notVisible} item(s) not visible after ${context.visibilityTimeoutMs / 1000} s`);
  if (sendErrors.length > 0) notes.push(`${sendErrors.length} transaction(s) refused by the node: ${String((sendErrors[0] as Error)?.message ?? sendErrors[0]).slice(0, 200)}`);
  if (settlementError !== undefined) notes.push(`fee settlement after the window failed: ${String((settlementError as Error)?.message ?? settlementError).slice(0, 300)}`);
  if (receipts.some((r) => r.status !== "0x1")) notes.push(`${receipts.filter((r) => r.status !== "0x1").length} transaction(s) reverted`);

  // Items that became visible in each whole window of WINDOW_SECONDS from the first submission.
  const windows = new Array<number>(Math.floor(seconds / WINDOW_SECONDS)).fill(0);
  for (const item of items) {
    const w = item.visibleAt === undefined ? -1 : Math.floor((item.visibleAt - started) / 1000 / WINDOW_SECONDS);
    if (w >= 0 && w < windows.length) windows[w]! += 1;
  }

  const scenario: Scenario = {
    path: submittedPath(mode), stack: context.stack ?? "bench-process", mode, batchSize, status: "ok",
    posts: isTips ? 0 : count, tips: isTips ? count : 0,
    transactions: receipts.length,
    blocks: new Set(receipts.map((r) => r.blockNumber)).size,
    seconds: round3(seconds),
    postsPerSecond: isTips ? 0 : round3(count / seconds),
    tipsPerSecond: isTips ? round3(count / seconds) : 0,
    includedPerSecond: round3(count / Math.max((lastIncluded - started) / 1000, 1e-3)),
    transactionsPerSecond: round3(receipts.length / seconds),
    gasPerPost: isTips ? null : perItem(gas + settlementGas),
    gasPerTip: isTips ? perItem(gas) : null,
    gasPerItemExcludingSettlement: mode.startsWith("anchored") ? perItem(gas) : null,
    bytesPerPost: perItem(bytes),
    offchainDataBytesPerPost: mode === "anchored-hash" ? perItem(offchain) : null,
    calldataFloorGasPerItem: floor > 0 ? perItem(floor) : null,
    settlementGas,
    latencyMs: latency.summary(),
    inclusionLatencyMs: inclusion.summary(),
    visibility: { method: visibility.method(), note: notes.join("; "), notVisible },
    visibleRateWindows: { windowSeconds: WINDOW_SECONDS, itemsPerSecond: windows.map((n) => round3(n / WINDOW_SECONDS)) },
    indexerEventsPerSecond: round3((events1 - events0) / seconds),
    indexerMaxLagBlocks: maxLag,
    skippedActions: countSkipped([...receipts, ...settlement]),
    ...(profile ? { profile: { totalMs: profile.totalMs, idleMs: profile.idleMs, hot: profile.hot } } : {}),
    cpu,
  };
  return { scenario, latencyCurve: latency.curve(), receipts, ...(profile ? { profile } : {}) };
}

