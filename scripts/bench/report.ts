/**
 * report.md from results.json: the measured tables, every mode against direct in the same run, the
 * targets, and the projections onto Ethereum L1, a large L2 and blob data availability, with every
 * external figure cited (sources.ts). Pure: results in, Markdown out.
 */
import { L1_GAS_PER_SECOND, project, type ProjectionParameters } from "./projections.ts";
import type { Results, Scenario } from "./schema.ts";
import { SOURCES } from "./sources.ts";

const n0 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
const n1 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: 1 }));
const sig = (x: number) => (x === Number.POSITIVE_INFINITY ? "∞" : x >= 100 ? n0(x) : x.toPrecision(3));
/** A scenario's name in tables and charts: the mode, and the path and stack where that is not the default. */
export function scenarioLabel(s: Scenario): string {
  if (s.path === "relayer-http") {
    const h = s.http;
    return `${s.mode} · relayer-http ${h?.form ?? ""} · ${h?.loop === "open" ? `open ${n0(h.offeredRate)}/s` : "closed loop"}`;
  }
  if (s.mode === "direct") return s.stack === "npm-start" ? "direct (npm start)" : "direct";
  return `${s.mode} ×${s.batchSize}`;
}
const label = scenarioLabel;
/** The direct baseline run on the same stack (the same chain and API). */
const directOf = (results: Results, s: Scenario) => results.scenarios.find((d) => d.status === "ok" && d.mode === "direct" && d.stack === s.stack);
const p = (x: { p50: number; p99: number }) => `${n0(x.p50)} / ${n0(x.p99)}`;
const rateOf = (s: Scenario) => (s.mode === "vouchers" ? s.tipsPerSecond : s.postsPerSecond);
const gasOf = (s: Scenario) => (s.mode === "vouchers" ? s.gasPerTip : s.gasPerPost);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** The 10-s windows after the first (which holds the pipeline's fill-up): slowest and fastest. */
function windowsNote(s: Scenario): string {
  const rates = s.visibleRateWindows.itemsPerSecond.slice(1);
  if (rates.length === 0) return "";
  return `; ${s.visibleRateWindows.windowSeconds}-s windows after the first: ${n0(Math.min(...rates))}–${n0(Math.max(...rates))} posts/s`;
}

/**
 * Where each scenario's limit is, from what the run measured: how busy the bench process (load
 * generator, sequencer, indexer and API) and the chain were, inclusion against visibility, and with
 * --profile the functions with the most self time in the window.
 */
function limits(results: Results): string[] {
  const out = [`## Where the limit is`, ""];
  out.push(`Cores busy = CPU seconds / wall seconds of the window (the machine has ${results.environment.cpuCount}). When inclusion runs well ahead of visibility, the indexer is the limit; when the bench process is near one core on its main thread or both cores together, CPU is.`, "");
  out.push(table(
    ["scenario", "bench cores busy", "server cores busy", "chain cores busy", "included items/s", "visible items/s", "hottest functions (self time, share of busy samples)"],
    results.scenarios.filter((s) => s.status === "ok").map((s) => [
      label(s), (s.cpu.bench.cpuSeconds / Math.max(s.seconds, 1e-3)).toFixed(2),
      s.cpu.server ? (s.cpu.server.cpuSeconds / Math.max(s.seconds, 1e-3)).toFixed(2) : "–",
      s.cpu.chain ? (s.cpu.chain.cpuSeconds / Math.max(s.seconds, 1e-3)).toFixed(2) : "–",
      n0(s.includedPerSecond), n0(rateOf(s)),
      s.path === "relayer-http" ? "the server runs in its own process: profile it with node --cpu-prof" : s.profile ? s.profile.hot.slice(0, 4).map((h) => `\`${h.function}\` ${n0(h.selfMs)} ms (${n0(h.share * 100)}%)`).join("; ") + ` — idle ${n0((s.profile.idleMs / Math.max(s.profile.totalMs, 1)) * 100)}%` : "run with --profile",
    ]),
  ));
  if (results.scenarios.some((s) => s.mode === "batched" && s.status === "ok" && s.gasProfile === undefined)) {
    out.push("", "Batched gas, opcode by opcode: not traced in this run (it needs `--profile` and a node that traces steps); `npm run bench -- --modes direct,batched --chain hardhat --profile` or `npx hardhat run scripts/bench/gas-breakdown.ts` breaks a batch's gas down against its floor.");
  }
  for (const s of results.scenarios) {
    const g = s.gasProfile;
    if (g === undefined) continue;
    out.push("", `Gas of one ${label(s)} transaction (${g.items} items, traced opcode by opcode): ${n0(g.executionPerItem)} gas/item of execution, where ${n0(g.freeExecutionPerItem)} is free under the EIP-7623 floor of ${n0(g.floorPerItem)}/item and ${n0(g.withinTenPercentPerItem)} would keep it within 10% of that floor.`, "");
    out.push(table(["gas per item", "what"], Object.entries(g.perItem).map(([what, gas]) => [n0(gas), what])));
  }
  return out;
}

/** A scenario's visible rate against its direct baseline's. */
function ratio(s: Scenario, direct: Scenario | undefined): string {
  if (direct === undefined || direct.postsPerSecond <= 0 || s.mode === "vouchers") return "–";
  return `${n1(s.postsPerSecond / direct.postsPerSecond)}×`;
}

/** The relayer-http scenarios: what the HTTP side saw, and the in-process ceiling of the same mode. */
function relayerSection(results: Results, scenarios: Scenario[]): string[] {
  const out = ["## The relayer over HTTP (`POST /v1/actions`)", ""];
  out.push("Accepted = answered 202 (single form) or `queued` in a 207 (batch form). Visible = announced on `/v1/stream` after the indexer committed it (GET `/v1/posts/:id` answers 200 from then on). Latencies in ms: accept = request sent → answer; visible = the action's first POST → visible. Unsent = due by the end of the window but not accepted: what the client lanes still held because the server answered slower than offered. The ceiling is the best in-process-sequencer scenario of the same mode in this run (the bench sending the batches itself).", "");
  const direct = results.scenarios.find((d) => d.status === "ok" && d.mode === "direct" && d.stack === "npm-start");
  const ceiling = (s: Scenario) => results.scenarios.filter((c) => c.status === "ok" && c.path === "in-process-sequencer" && c.mode === s.mode)
    .reduce<Scenario | undefined>((best, c) => (best === undefined || rateOf(c) > rateOf(best) ? c : best), undefined);
  out.push(table(
    ["scenario", "conns", "offered/s", "posted", "accepted", "accepted/s", "accept p50 / p99", "visible", "visible/s", "× direct (npm start)", "visible p50 / p99", "schedule lag p99", "unsent", "dropped", "requests (actions each)", "relayer txs (items each)", "gas/item", "server CPU s", "chain CPU s", "ceiling (in-process) items/s"],
    scenarios.map((s) => {
      const h = s.http!;
      const c = ceiling(s);
      return [
        label(s), String(h.connections), h.offeredRate === null ? "closed" : n0(h.offeredRate), n0(h.posted), n0(h.accepted), n0(h.acceptedPerSecond), p(h.acceptLatencyMs),
        n0(h.visible), n0(rateOf(s)), ratio(s, direct), p(s.latencyMs), h.offeredRate === null ? "–" : n0(h.scheduleLagMs.p99), n0(h.unsentAtWindowEnd), n0(h.droppedAfterRejection),
        `${n0(h.requests)} (${n1(h.actionsPerRequest)})`, `${n0(h.relayer.transactions)} (${n0(s.batchSize)})`, n0(gasOf(s)),
        s.cpu.server ? n1(s.cpu.server.cpuSeconds) : "–", s.cpu.chain ? n1(s.cpu.chain.cpuSeconds) : "–", c ? `${n0(rateOf(c))} (${label(c)})` : "not run",
      ];
    }),
  ));
  out.push("", "Answers by HTTP status, and the non-2xx outcomes per action by status and problem code:", "");
  for (const s of scenarios) {
    const h = s.http!;
    const statuses = Object.entries(h.statusCounts).map(([code, c]) => `${n0(c)}× ${code}`).join(", ") || "none";
    const rejections = Object.entries(h.rejections).map(([code, c]) => `${n0(c)}× ${code}${h.rejectionSamples[code] ? ` ("${h.rejectionSamples[code]!.slice(0, 120)}")` : ""}`).join("; ") || "none";
    out.push(`- ${label(s)}: answers ${statuses}; non-2xx ${rejections}${h.cascaded > 0 ? `; ${n0(h.cascaded)} cascaded in the same request` : ""}${h.retried > 0 ? `; ${n0(h.retried)} retried` : ""}; window ${n1(h.windowSeconds)} s, ${n0(h.prepared)} prepared, ${n0(h.released)} due${h.exhausted ? ", all of them accepted before the window ended (the closed-loop rate is a lower bound: sign more with --posts)" : ""}${h.pendingAtStart > 0 ? `; started with ${n0(h.pendingAtStart)} earlier actions still pending at the relayer (after a ${n0(h.drainSeconds)}-s wait)` : h.drainSeconds >= 1 ? `; waited ${n0(h.drainSeconds)} s for the relayer to include earlier scenarios' actions first` : ""}${h.formNote ? `; ${h.formNote}` : ""}.`);
  }
  return out;
}

export function renderReport(results: Results, parameters: ProjectionParameters): string {
  const env = results.environment;
  const ok = results.scenarios.filter((s) => s.status === "ok");
  const sequencer = ok.filter((s) => s.path !== "relayer-http");
  const direct = sequencer.find((s) => s.mode === "direct");
  const relayerHttp = ok.filter((s) => s.path === "relayer-http");
  const npmDirect = ok.find((s) => s.mode === "direct" && s.stack === "npm-start");
  const out: string[] = [];
  out.push(`# PennyPost throughput benchmark`, "");
  out.push(`Run ${results.startedAt} on ${env.cpuCount} × ${env.cpuModel}, ${env.memoryGiB} GiB, Node ${env.node}, load average at start ${env.loadAverage.join(" / ")} (the machine is shared: absolute numbers are noisy, ratios within this run are what count).`);
  out.push(`Chain: ${env.chain.backend} (${env.chain.clientVersion}), chain id ${env.chain.chainId}; commit ${env.gitCommit ?? "unknown"}.`);
  if (env.npmStart) out.push(`relayer-http: the npm start stack in its own process (\`${env.npmStart.command}\`), API ${env.npmStart.apiUrl}, chain ${env.npmStart.chain.clientVersion} at ${env.npmStart.chain.url}, relayer ${env.npmStart.relayer}; its log: ${env.npmStart.log}.`);
  out.push("");
  out.push(`How it was measured:`);
  out.push(`- ${results.presign.method}: ${n0(results.presign.signaturesPerSecond)} signatures/s (viem's signTypedData: ${n0(results.presign.viemSignTypedDataPerSecond)}/s). Signing is not in the timed window; the relayer's/sequencer's work is (encoding, Merkle tree, signing its transaction).`);
  if (sequencer.some((s) => s.stack === "bench-process")) {
    out.push(`- End to end = from the first submission of a scenario until its last item is visible through the HTTP API of the real indexer (in-process), per the visibility column. Latency = per item, submission → visible.`);
    const rate = env.options["rate"];
    out.push(typeof rate === "number"
      ? `- Offered load (in-process): ${n0(rate)} items/s (--rate): each unit was released on schedule, at most ${String(env.options["concurrency"])} transactions in flight; a mode that cannot keep up falls behind the schedule.`
      : `- Load (in-process): as fast as the sequencer can submit, at most ${String(env.options["concurrency"])} transactions in flight (closed loop): the maximum rate, with the queueing latency it brings.`);
  }
  out.push(`- Gas and calldata from the receipts and the transactions sent; anchored gas/post includes the scenario's one \`settleAnchoredFees\` call.`);
  out.push(`- Paths: **direct** = one transaction per post (the baseline); **in-process-sequencer** = the bench is its own relayer/sequencer and sends the batch transactions itself, the indexer and API in its process (the protocol's ceiling); **relayer-http** = pre-signed actions POSTed to \`POST /v1/actions\` of the server started as \`npm start\` does, in its own process with its defaults (the product's write path; its direct baseline runs on the same chain and API, 64 transactions in flight). "× direct" compares with the direct baseline of the same stack.`, "");

  out.push(`## Results`, "");
  out.push(table(
    ["scenario", "path", "items", "s", "items/s", "× direct", "gas/item", "bytes/item", "7623 floor/item", "p50 ms", "p95 ms", "p99 ms", "tx/s", "blocks", "indexer ev/s", "max lag", "CPU bench s", "CPU chain s", "visible via"],
    results.scenarios.map((s) => s.status === "skipped"
      ? [label(s), s.path, "skipped", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", s.skipReason ?? ""]
      : [
        label(s), s.path, n0(s.posts + s.tips), n1(s.seconds), n0(rateOf(s)), ratio(s, directOf(results, s)),
        n0(gasOf(s)), n1(s.offchainDataBytesPerPost !== null ? s.bytesPerPost : s.bytesPerPost), n0(s.calldataFloorGasPerItem), n1(s.latencyMs.p50), n1(s.latencyMs.p95), n1(s.latencyMs.p99),
        n1(s.transactionsPerSecond), String(s.blocks), n0(s.indexerEventsPerSecond), s.indexerMaxLagBlocks === null ? "–" : String(s.indexerMaxLagBlocks),
        n1(s.cpu.bench.cpuSeconds), s.cpu.chain ? n1(s.cpu.chain.cpuSeconds) : "–", s.visibility.method + (s.visibility.notVisible > 0 ? ` (${s.visibility.notVisible} never)` : ""),
      ]),
  ));
  out.push("", "Visibility and anomalies per scenario:", "");
  for (const s of results.scenarios) out.push(`- ${label(s)}: ${s.visibility.note}${s.skippedActions > 0 ? `; ${s.skippedActions} ActionSkipped events` : ""}`);
  out.push("");
  if (relayerHttp.length > 0) out.push(...relayerSection(results, relayerHttp), "");

  out.push(`## Targets`, "");
  out.push(`Of the protocol (in-process-sequencer against direct), and of the product's write path where relayer-http ran.`, "");
  const anchored = sequencer.filter((s) => s.mode.startsWith("anchored"));
  const bestAnchored = anchored.reduce<Scenario | undefined>((best, s) => (best === undefined || s.postsPerSecond > best.postsPerSecond ? s : best), undefined);
  const cheapest = anchored.reduce<Scenario | undefined>((best, s) => (best === undefined || (s.gasPerPost ?? Infinity) < (best.gasPerPost ?? Infinity) ? s : best), undefined);
  const batched = sequencer.filter((s) => s.mode === "batched");
  const vouchers = sequencer.filter((s) => s.mode === "vouchers").reduce<Scenario | undefined>((best, s) => (best === undefined || s.tipsPerSecond > best.tipsPerSecond ? s : best), undefined);
  const verdict = (met: boolean | undefined) => (met === undefined ? "not run" : met ? "met" : "**not met**");
  const rows: string[][] = [];
  rows.push(["anchored ≥ 6,000 posts/s end to end for ≥ 60 s", bestAnchored ? `${n0(bestAnchored.postsPerSecond)} posts/s over ${n1(bestAnchored.seconds)} s (${label(bestAnchored)}, ${bestAnchored.visibility.method})${windowsNote(bestAnchored)}` : "–", verdict(bestAnchored && bestAnchored.postsPerSecond >= 6000 && bestAnchored.seconds >= 60)]);
  rows.push(["anchored ≥ 20× direct", bestAnchored && direct ? `${n1(bestAnchored.postsPerSecond / direct.postsPerSecond)}×` : "–", verdict(bestAnchored && direct ? bestAnchored.postsPerSecond >= 20 * direct.postsPerSecond : undefined)]);
  rows.push(["≤ 100 gas/post amortized (anchored)", cheapest ? `${n1(cheapest.gasPerPost)} gas/post (${label(cheapest)})` : "–", verdict(cheapest ? (cheapest.gasPerPost ?? Infinity) <= 100 : undefined)]);
  for (const b of batched) {
    const within = b.gasPerPost !== null && b.calldataFloorGasPerItem !== null ? b.gasPerPost / b.calldataFloorGasPerItem - 1 : null;
    rows.push([`batched gas/post within 10% of the EIP-7623 floor of its bytes (×${b.batchSize})`, within === null ? "–" : `${n0(b.gasPerPost)} vs floor ${n0(b.calldataFloorGasPerItem)} (${within >= 0 ? "+" : ""}${n1(within * 100)}%)`, verdict(within === null ? undefined : within <= 0.1)]);
  }
  rows.push(["vouchers ≥ 5,000 tips/s settled", vouchers ? `${n0(vouchers.tipsPerSecond)} tips/s (${label(vouchers)})` : "–", verdict(vouchers ? vouchers.tipsPerSecond >= 5000 : undefined)]);
  if (relayerHttp.length > 0) {
    const best = relayerHttp.filter((s) => s.mode.startsWith("anchored")).reduce<Scenario | undefined>((b, s) => (b === undefined || s.postsPerSecond > b.postsPerSecond ? s : b), undefined);
    rows.push(["relayer-http: anchored ≥ 6,000 posts/s visible for ≥ 60 s through POST /v1/actions", best ? `${n0(best.postsPerSecond)} posts/s visible, ${n0(best.http?.acceptedPerSecond)} accepted/s (${label(best)})${windowsNote(best)}` : "–", verdict(best ? best.postsPerSecond >= 6000 && (best.http?.windowSeconds ?? 0) >= 60 : undefined)]);
    rows.push(["relayer-http: anchored ≥ 20× direct on the same stack", best && npmDirect ? ratio(best, npmDirect) : "–", verdict(best && npmDirect ? best.postsPerSecond >= 20 * npmDirect.postsPerSecond : undefined)]);
  }
  out.push(table(["target", "measured", "verdict"], rows), "");

  out.push(...limits(results), "");

  out.push(`## Projections onto real networks`, "");
  out.push(`Items/s each network could carry if PennyPost had all of it, from the measured gas (and bytes) per item: Ethereum L1 at ${n0(SOURCES.l1GasLimit.value)} gas per ${SOURCES.l1BlockSeconds.value} s block (${n0(L1_GAS_PER_SECOND)} gas/s); a large L2 at ${n0(parameters.l2GasPerSecond)} gas/s${parameters.l2GasPerSecond === SOURCES.l2GasPerSecond.value ? " (Base, cited below)" : " (given with --l2-mgas-per-second)"}; blob data availability at ${SOURCES.blobTarget.value} (target) / ${SOURCES.blobMax.value} (max) blobs of ${n0(SOURCES.blobBytes.value)} bytes per ${SOURCES.l1BlockSeconds.value} s for the data each item needs available (calldata bytes; for anchored-hash the batch data the sequencer keeps). Cost at ${parameters.gasPriceGwei} gwei and $${n0(parameters.ethUsd)}/ETH (assumptions, set with --gas-price-gwei and --eth-usd), excluding the protocol's posting fee. Twitter for scale: ${n0(SOURCES.twitterAverage.value)} tweets/s average, ${n0(SOURCES.twitterPeak.value)} tweets/s record peak.`, "");
  const projections = results.scenarios.flatMap((s) => {
    const projection = project(s, parameters);
    return projection === undefined ? [] : [{ s, p: projection }];
  });
  out.push(table(
    ["scenario", "gas/item", "data B/item", "L1 items/s", "L1 / Twitter avg", "L1 / Twitter peak", "L2 items/s", "blobs (target) items/s", "blobs (max) items/s", "max items per tx (2^24 gas)", "ETH/item", "$/item"],
    projections.map(({ s, p }) => [
      label(s), n0(p.gasPerItem), n1(p.dataBytesPerItem), sig(p.l1ItemsPerSecond), `${sig(p.l1VsTwitterAverage)}×`, `${sig(p.l1VsTwitterPeak)}×`,
      sig(p.l2ItemsPerSecond), sig(p.blobTargetItemsPerSecond), sig(p.blobMaxItemsPerSecond), n0(p.maxItemsPerTransaction), p.costEth.toExponential(2), `$${p.costUsd.toPrecision(3)}`,
    ]),
  ), "");

  out.push(`## Sources`, "");
  for (const source of Object.values(SOURCES)) out.push(`- ${n0(source.value)} ${source.unit}: ${source.what}. <${source.url}>`);
  out.push("", `Options: \`${JSON.stringify(env.options)}\``, "");
  return out.join("\n");
}
