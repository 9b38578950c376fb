/**
 * Measurement helpers: latency histograms (HdrHistogram), the indexer's numbers read through its
 * own HTTP surfaces (/metrics, /status), and CPU time / peak memory per process.
 */
import * as hdr from "hdr-histogram-js";

import { processUsage } from "./chain.ts";
import type { ProcessUsage } from "./schema.ts";

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

/** Percentiles drawn in the latency chart. */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100] as const;

/** A latency histogram in microseconds (1 us .. 1 h, 3 significant digits), reported in ms. */
export function latencyHistogram() {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    record(milliseconds: number) {
      histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000)));
    },
    summary(): LatencySummary {
      const count = histogram.totalCount;
      if (count === 0) return { p50: 0, p95: 0, p99: 0, max: 0, count: 0 };
      return {
        p50: ms(histogram.getValueAtPercentile(50)), p95: ms(histogram.getValueAtPercentile(95)),
        p99: ms(histogram.getValueAtPercentile(99)), max: ms(histogram.maxValue), count,
      };
    },
    curve(): { percentile: number; ms: number }[] {
      if (histogram.totalCount === 0) return [];
      return CURVE_PERCENTILES.map((p) => ({ percentile: p, ms: ms(histogram.getValueAtPercentile(p)) }));
    },
  };
}

/** Total of `pennypost_events_ingested_total` over its labels, from the API's Prometheus /metrics. */
export async function ingestedEvents(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^pennypost_events_ingested_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)) total += Number(match[1]);
  return total;
}

/** Samples /status every `everyMs` and keeps the largest lag (chain head - indexed block). */
export function lagSampler(apiUrl: string, everyMs = 250) {
  let max: number | null = null;
  const timer = setInterval(() => {
    fetch(`${apiUrl}/status`).then((r) => r.json() as Promise<{ lag: number | null }>).then((status) => {
      if (status.lag !== null) max = Math.max(max ?? 0, status.lag);
    }, () => {});
  }, everyMs);
  timer.unref();
  return {
    stop(): number | null {
      clearInterval(timer);
      return max;
    },
  };
}

/**
 * CPU of this process, of the chain node (when the bench started it) and of a server process
 * (the npm-start stack) over an interval.
 */
export async function usageMeter(chainPid: number | undefined, serverPid?: number) {
  const cpu0 = process.cpuUsage();
  const chain0 = chainPid === undefined ? undefined : await processUsage(chainPid);
  const server0 = serverPid === undefined ? undefined : await processUsage(serverPid);
  const delta = (before: ProcessUsage | undefined, after: ProcessUsage | undefined): ProcessUsage | null =>
    before && after ? { cpuSeconds: round3(after.cpuSeconds - before.cpuSeconds), peakRssMiB: after.peakRssMiB } : null;
  return {
    async stop(): Promise<{ bench: ProcessUsage; chain: ProcessUsage | null; server?: ProcessUsage | null }> {
      const cpu = process.cpuUsage(cpu0);
      const chain1 = chainPid === undefined ? undefined : await processUsage(chainPid);
      const server1 = serverPid === undefined ? undefined : await processUsage(serverPid);
      return {
        bench: { cpuSeconds: round3((cpu.user + cpu.system) / 1e6), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) },
        chain: delta(chain0, chain1),
        ...(serverPid === undefined ? {} : { server: delta(server0, server1) }),
      };
    },
  };
}

export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
