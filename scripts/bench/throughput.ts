/**
 * `npm run bench -- [options]`: the throughput benchmark of the write modes (direct, batched,
 * anchored-calldata, anchored-hash, vouchers) in one run, against a chain it starts (anvil by
 * default) or any JSON-RPC node. Writes results.json (schema.ts), report.md and SVG charts into
 * --out (default bench/results/<timestamp>/). Options: options.ts, or --help. Bad options exit 2.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import cliProgress from "cli-progress";

import { chartSpecs, renderSvg } from "./charts.ts";
import { BenchUsageError, parseBenchOptions, USAGE, type BenchOptions } from "./options.ts";
import { renderReport } from "./report.ts";
import { runBench, type BenchRun, type BenchUi } from "./run.ts";
import { SOURCES } from "./sources.ts";

export function defaultOut(now = new Date()): string {
  return path.join("bench", "results", now.toISOString().replace(/[:.]/g, "-"));
}

/** Writes a run's files into `out`; returns their paths. */
export async function writeRun(run: BenchRun, options: BenchOptions, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const files = [path.join(out, "results.json"), path.join(out, "report.md")];
  await writeFile(files[0]!, `${JSON.stringify(run.results, null, 2)}\n`);
  const parameters = {
    gasPriceGwei: options.gasPriceGwei, ethUsd: options.ethUsd,
    l2GasPerSecond: options.l2MgasPerSecond !== undefined ? options.l2MgasPerSecond * 1e6 : SOURCES.l2GasPerSecond.value,
  };
  for (const { file, profile } of run.profiles) {
    files.push(path.join(out, file));
    await writeFile(files.at(-1)!, JSON.stringify(profile));
  }
  let report = renderReport(run.results, parameters);
  if (options.charts) {
    const specs = chartSpecs(run);
    report += "\n## Charts\n\n";
    for (const [name, spec] of Object.entries(specs)) {
      const file = path.join(out, `${name}.svg`);
      await writeFile(file, await renderSvg(spec));
      files.push(file);
      report += `![${name}](${name}.svg)\n\n`;
    }
  }
  await writeFile(files[1]!, report);
  return files;
}

export function terminalUi(): BenchUi & { stop(): void } {
  const interactive = process.stderr.isTTY === true;
  return {
    log: (line) => console.log(line),
    bar(label, total) {
      if (!interactive) return { update: () => {}, stop: () => {} };
      const bar = new cliProgress.SingleBar(
        { format: `${label.padEnd(26)} {bar} {value}/{total} {percentage}% {duration}s`, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
      return { update: (done) => bar.update(Math.min(done, total)), stop: () => bar.stop() };
    },
    stop: () => {},
  };
}

async function main(): Promise<void> {
  let options: BenchOptions | "help";
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  const out = options.out ?? defaultOut();
  const run = await runBench(options, terminalUi());
  const files = await writeRun(run, options, out);
  console.log(`Results: ${files.join(", ")}`);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
