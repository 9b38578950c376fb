/**
 * The stack of `npm start`, for the relayer-http path: `node scripts/setup.mjs`, then
 * `node --max-semi-space-size=64 scripts/start.ts` in its own process (a hardhat node, the
 * contracts deployed with Ignition, the indexer, API and relayer), with the server's defaults.
 * The only variables set are free loopback ports (CHAIN_PORT, HTTP_PORT), SKIP_WEB_BUILD=1 and
 * data directories of the bench's own (so that a developer's `npm start` data is not wiped);
 * everything else in the environment is left out, so no tuning variable of the caller's shell
 * reaches the server.
 *
 * The server runs in a process group of its own: stop() sends SIGINT (start.ts stops the server,
 * then the chain), and SIGKILLs the group if it has not exited within the timeout. It is also
 * killed when the bench process exits, and on SIGINT/SIGTERM of the bench.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";

import { readDeployment, type Deployment } from "../../lib/deployment.ts";
import { freePort } from "./chain.ts";

/** What start.ts is given beyond the basics below (reported in results.json). */
const PASSED_THROUGH = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TERM", "USER", "SHELL", "NODE_EXTRA_CA_CERTS"];
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 20_000;
const READY = "PennyPost is running.";

export interface NpmStack {
  apiUrl: string;
  chainUrl: string;
  /** The start.ts process: the server (indexer, API, relayer) runs in it. */
  pid: number;
  /** The hardhat node, a child of start.ts. */
  chainPid: number | undefined;
  deployment: Deployment;
  command: string;
  env: Record<string, string>;
  log: string;
  stop(): Promise<void>;
}

/** Children of a process, from /proc (Linux). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const text = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
      out.push(...text.split(" ").filter((s) => s.trim() !== "").map(Number));
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

async function findChainPid(pid: number): Promise<number | undefined> {
  for (const child of await childrenOf(pid)) {
    const cmdline = await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes("hardhat") && cmdline.includes("node")) return child;
  }
  return undefined;
}

/**
 * Starts the stack and resolves once start.ts printed that it runs and GET /ready answers 200.
 * `dataDir` holds the index and the relayer's queue (removed by stop()); `logFile` gets the
 * server's output (kept).
 */
export async function startNpmStack(options: { dataDir: string; logFile: string; log(line: string): void; cpuProfileDir?: string }): Promise<NpmStack> {
  const setup = spawnSync(process.execPath, ["scripts/setup.mjs"], { stdio: "inherit" });
  if (setup.status !== 0) throw new Error(`node scripts/setup.mjs exited with ${setup.status}`);

  const chainPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === chainPort) httpPort = await freePort();
  const env: Record<string, string> = {
    SKIP_WEB_BUILD: "1", CHAIN_PORT: String(chainPort), HTTP_PORT: String(httpPort),
    DATA_DIR: `${options.dataDir}/index`, RELAYER_DATA_DIR: `${options.dataDir}/relayer`,
  };
  const basics = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
  // --profile: V8 writes the server's CPU profile (its whole life) when start.ts exits on SIGINT.
  const profiling = options.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`];
  const args = ["--max-semi-space-size=64", ...profiling, "scripts/start.ts"];
  const command = `node scripts/setup.mjs && ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")} node ${args.join(" ")}`;
  options.log(`Starting the npm start stack: ${command}`);
  const child = spawn(process.execPath, args, { env: { ...basics, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start scripts/start.ts");

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => child.once("exit", (code, signal) => {
    exited = { code, signal };
    resolve();
  }));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  // Whatever happens to the bench, the server and its chain do not outlive it.
  const onExit = () => killGroup("SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    options.log(`${signal}: stopping the npm start stack`);
    void stop().finally(() => process.exit(130));
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      if (exited === undefined) {
        killGroup("SIGINT");
        const timer = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
        await Promise.race([exitedPromise, timer]);
        if (exited === undefined) {
          options.log(`the npm start stack did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT: SIGKILL`);
          killGroup("SIGKILL");
          await Promise.race([exitedPromise, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
        }
      }
      killGroup("SIGKILL"); // anything of the group still there (the chain, if start.ts was killed)
      await rm(options.dataDir, { recursive: true, force: true }).catch(() => {});
      process.removeListener("exit", onExit);
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      await Promise.race([logDone, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
    })();
    return stopping;
  }

  const logStream = createWriteStream(options.logFile);
  const logDone = new Promise<void>((resolve) => logStream.once("close", () => resolve()));
  let banner = "";
  let tail: string[] = [];
  const ready = new Promise<void>((resolve) => {
    const watch = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = [...tail, ...text.split("\n")].slice(-30);
      if (banner.length < 20_000) banner += text;
      if (banner.includes(READY)) resolve();
    };
    child.stdout.on("data", watch);
    child.stderr.on("data", (chunk: Buffer) => (tail = [...tail, ...chunk.toString("utf8").split("\n")].slice(-30)));
  });
  child.stdout.pipe(logStream, { end: false });
  child.stderr.pipe(logStream, { end: false });
  void exitedPromise.then(() => logStream.end());

  try {
    const deadline = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), START_TIMEOUT_MS).unref());
    const outcome = await Promise.race([ready.then(() => "ready" as const), exitedPromise.then(() => "exited" as const), deadline]);
    if (outcome !== "ready") {
      throw new Error(`scripts/start.ts ${outcome === "exited" ? `exited (${exited?.code ?? exited?.signal})` : `did not print "${READY}" within ${START_TIMEOUT_MS / 1000} s`}; its last lines:\n${tail.join("\n")}\n(all of it in ${options.logFile})`);
    }
    const apiUrl = `http://127.0.0.1:${httpPort}`;
    const chainUrl = `http://127.0.0.1:${chainPort}`;
    // The banner names the contract start.ts deployed; the deployment file must agree (another
    // `npm start` in the same directory could have rewritten it meanwhile).
    const deployment = await readDeployment("deployments/localhost.json");
    const announced = /PennyPost\s+(0x[0-9a-fA-F]{40})/.exec(banner)?.[1];
    if (announced !== undefined && announced.toLowerCase() !== deployment.contracts.PennyPost.toLowerCase()) {
      throw new Error(`start.ts deployed PennyPost at ${announced}, but deployments/localhost.json says ${deployment.contracts.PennyPost}: is another npm start running in this directory?`);
    }
    for (let i = 0; ; i++) {
      const ok = await fetch(`${apiUrl}/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i >= 600 || exited !== undefined) throw new Error(`the server at ${apiUrl} did not become ready within 60 s (see ${options.logFile})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { apiUrl, chainUrl, pid, chainPid: await findChainPid(pid), deployment, command, env, log: options.logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
