/**
 * The bench's chain: an embedded node it starts (anvil or `hardhat node`, each on a free loopback
 * port) or any JSON-RPC node (--rpc); the contract deployed fresh from the compiled artifact; and
 * the node process's CPU time and peak memory read from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";

import { createPublicClient, http, type Hex, type PublicClient } from "viem";

import type { ProcessUsage } from "./schema.ts";
import { SOURCES } from "./sources.ts";

export interface ChainNode {
  backend: "anvil" | "hardhat" | "external";
  url: string;
  /** The node's own process (for /proc readings), when the bench started it. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const ANVIL_BINARY = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
const ANVIL_WRAPPER = "node_modules/.bin/anvil";
const HARDHAT = "node_modules/.bin/hardhat";
const ARTIFACT = "artifacts/contracts/PennyPost.sol/PennyPost.json";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForRpc(url: string, timeoutMs: number, exited?: () => boolean): Promise<PublicClient> {
  const client = createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.getChainId();
      return client;
    } catch (error) {
      if (exited?.()) throw new Error(`the chain node at ${url} exited during start-up`, { cause: error });
      if (Date.now() > deadline) throw new Error(`no JSON-RPC answer at ${url} after ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts the embedded node. Anvil runs the binary itself (not the npm wrapper) so that its pid is
 * the node's; `--silent` because printing every transaction costs the node CPU.
 */
export async function startChain(backend: "anvil" | "hardhat"): Promise<ChainNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  if (backend === "anvil") {
    const binary = existsSync(ANVIL_BINARY) ? ANVIL_BINARY : ANVIL_WRAPPER;
    // L1's block gas limit (60M): with anvil's default 30M, one near-cap anchor transaction fills a
    // block, automine mines one block per arriving transaction, and the last ones of a burst stay
    // pending with nothing left to trigger a block.
    child = spawn(binary, ["--host", "127.0.0.1", "--port", String(port), "--silent", "--accounts", "2", "--gas-limit", String(SOURCES.l1GasLimit.value)], { stdio: "ignore" });
  } else {
    child = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], { stdio: "ignore" });
  }
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    await waitForRpc(url, 60_000, () => exited);
  } catch (error) {
    child.kill("SIGTERM");
    throw error;
  }
  return {
    backend, url, pid: child.pid,
    stop: () => new Promise((resolve) => {
      if (exited) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

export function externalChain(url: string): ChainNode {
  return { backend: "external", url, pid: undefined, stop: async () => {} };
}

export async function readArtifact(): Promise<{ bytecode: Hex }> {
  if (!existsSync(ARTIFACT)) throw new Error(`${ARTIFACT} is missing: build the contracts first (npx hardhat build)`);
  const artifact = JSON.parse(await readFile(ARTIFACT, "utf8")) as { bytecode: Hex };
  return { bytecode: artifact.bytecode };
}

/** CPU seconds (user + system) and peak RSS of a process, from /proc (Linux); undefined elsewhere. */
export async function processUsage(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14), stime (15)
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: ticks / CLOCK_TICKS, peakRssMiB: hwm ? Math.round(Number(hwm[1]) / 1024) : null };
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every mainstream Linux build (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;

