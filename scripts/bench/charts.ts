/**
 * SVG charts of a run, drawn with Vega-Lite compiled to Vega and rendered headless
 * (`renderer: "none"` + `toSVG()`: no canvas, no network).
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

import { scenarioLabel as label } from "./report.ts";
import type { BenchRun } from "./run.ts";

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function chartSpecs(run: BenchRun): Record<string, TopLevelSpec> {
  const ok = run.results.scenarios.filter((s) => s.status === "ok");
  const rows = ok.map((s) => ({
    scenario: label(s), mode: s.mode, batchSize: s.batchSize, path: s.path,
    rate: s.mode === "vouchers" ? s.tipsPerSecond : s.postsPerSecond,
    unit: s.mode === "vouchers" ? "tips/s" : "posts/s",
    gas: (s.mode === "vouchers" ? s.gasPerTip : s.gasPerPost) ?? 0,
  }));
  const base = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: 520, background: "white" } as const;
  return {
    "posts-per-second": {
      ...base, title: "End-to-end throughput (submission → visible in the API)", data: { values: rows }, mark: "bar",
      encoding: {
        y: { field: "scenario", type: "nominal", sort: null, title: null },
        x: { field: "rate", type: "quantitative", title: "items per second (tips/s for vouchers)" },
        color: { field: "mode", type: "nominal" },
      },
    },
    "gas-per-post": {
      ...base, title: "Gas per post (per tip for vouchers), log scale", data: { values: rows.filter((r) => r.gas > 0) }, mark: "bar",
      encoding: {
        y: { field: "scenario", type: "nominal", sort: null, title: null },
        x: { field: "gas", type: "quantitative", scale: { type: "log" }, title: "gas per item" },
        color: { field: "mode", type: "nominal" },
      },
    },
    latency: {
      ...base, height: 320, title: "Latency distribution (submission → visible)",
      data: { values: run.latencyCurves.flatMap((c) => c.points.map((p) => ({ scenario: c.label, percentile: p.percentile, ms: Math.max(p.ms, 0.01) }))) },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "percentile", type: "quantitative", title: "percentile" },
        y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "milliseconds (log)" },
        color: { field: "scenario", type: "nominal" },
      },
    },
    "batch-sweep": {
      ...base, height: 260, title: "Batch-size sweep", data: { values: rows.filter((r) => r.path === "in-process-sequencer") },
      hconcat: [
        {
          width: 300, mark: { type: "line", point: true },
          encoding: {
            x: { field: "batchSize", type: "quantitative", scale: { type: "log", base: 2 }, title: "batch size" },
            y: { field: "rate", type: "quantitative", title: "items per second" }, color: { field: "mode", type: "nominal" },
          },
        },
        {
          width: 300, mark: { type: "line", point: true },
          encoding: {
            x: { field: "batchSize", type: "quantitative", scale: { type: "log", base: 2 }, title: "batch size" },
            y: { field: "gas", type: "quantitative", scale: { type: "log" }, title: "gas per item (log)" }, color: { field: "mode", type: "nominal" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}
