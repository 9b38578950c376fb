/**
 * results.json's `environment`: the machine, the versions that shape the numbers, the chain and the
 * options of the run.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

import type { BenchOptions } from "./options.ts";
import type { Results } from "./schema.ts";

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export function benchEnvironment(
  chain: Results["environment"]["chain"], contract: string, options: BenchOptions,
  loadAverage: number[] = loadavg(),
): Results["environment"] {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    gitCommit = null;
  }
  const packages = Object.fromEntries(
    ["hardhat", "@nomicfoundation/edr", "@foundry-rs/anvil", "viem", "secp256k1", "hash-wasm", "@openzeppelin/merkle-tree", "level", "express", "hdr-histogram-js"].map((p) => [p, packageVersion(p)]),
  );
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cpuCount: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadAverage.map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages,
    gitCommit,
    chain,
    contract,
    options: { ...options, privateKey: options.privateKey ? "(given)" : "(development key #0)" },
  };
}
