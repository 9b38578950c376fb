/**
 * `npm start`: the whole local stack on the embedded default.
 *
 *  0. checks that its ports are free (CHAIN_PORT, default 8545; HTTP_PORT, default 8080);
 *  1. a local chain (Hardhat's EDR behind `hardhat node`) with JSON-RPC on 127.0.0.1:8545,
 *     unless CHAIN_RPC_URL names a node to follow instead;
 *  2. the contracts it deploys (PennyPost and the test token, not the test contracts), compiled once
 *     and cached in artifacts/, then deployed with Ignition (deployments/<network>.json);
 *  3. the web page, built with Vite into dist/web (skipped with SKIP_WEB_BUILD=1);
 *  4. the indexer, the HTTP API and the page (server/main.ts) on 127.0.0.1:8080;
 *  5. prints where everything is; Ctrl-C stops it all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { createServer } from "node:net";

import { createPublicClient, formatEther, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { deploymentPath, readDeployment } from "../lib/deployment.ts";
import { runFromEnvironment, type RunningServer } from "../server/main.ts";

const CHAIN_HOST = "127.0.0.1";
/** CHAIN_PORT moves the local chain off 8545 (the benchmark picks a free one); the deploy follows it (hardhat.config.ts). */
const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
/** The API and page: server/config.ts reads the same variables (HTTP_HOST, HTTP_PORT). */
const HTTP_HOST = process.env.HTTP_HOST ?? "127.0.0.1";
const HTTP_PORT = Number(process.env.HTTP_PORT ?? 8080);
/** The only contracts npm start deploys (ignition/modules/PennyPostLocal.ts); the test contracts build with npm test. */
const DEPLOYED_SOURCES = ["contracts/PennyPost.sol", "contracts/tokens/PennyTestToken.sol"];
/** Hardhat's and anvil's well-known development mnemonic: these keys are public, test use only. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const LOG_DIR = "data";
/** The hardhat binary itself (not npx), so that stopping it stops the chain. */
const HARDHAT = "node_modules/.bin/hardhat";
const VITE = "node_modules/.bin/vite";

const children: ChildProcess[] = [];
let server: RunningServer | undefined;
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  const serverStopped = server?.stop() ?? Promise.resolve();
  serverStopped.finally(() => {
    for (const child of children) child.kill("SIGTERM");
  });
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
process.on("exit", () => {
  for (const child of children) child.kill("SIGTERM");
});

async function main(): Promise<void> {
  await mkdir(LOG_DIR, { recursive: true });
  const external = process.env.CHAIN_RPC_URL;
  const rpcUrl = external ?? `http://${CHAIN_HOST}:${CHAIN_PORT}`;
  let networkName = process.env.PENNYPOST_NETWORK ?? "localhost";

  if (!Number.isInteger(HTTP_PORT) || HTTP_PORT < 0 || HTTP_PORT > 65_535) throw new StartError(`HTTP_PORT must be a port number (1-65535), not ${process.env.HTTP_PORT}`);
  if (external === undefined) {
    if (!Number.isInteger(CHAIN_PORT) || CHAIN_PORT < 1 || CHAIN_PORT > 65_535) throw new StartError(`CHAIN_PORT must be a port number (1-65535), not ${process.env.CHAIN_PORT}`);
    await requireFreePort(CHAIN_HOST, CHAIN_PORT, "CHAIN_PORT", "the local chain's JSON-RPC");
  }
  if (HTTP_PORT !== 0) await requireFreePort(HTTP_HOST, HTTP_PORT, "HTTP_PORT", "the API and web page");

  if (external === undefined) {
    // The node logs every JSON-RPC call: it writes them to the file itself (its own descriptor),
    // instead of through pipes this process copies on the main thread it shares with the server
    // (~5% of that thread at 1,000 relayed actions/s).
    const log = openSync(`${LOG_DIR}/chain.log`, "w");
    const chain = spawn(HARDHAT, ["node", "--hostname", CHAIN_HOST, "--port", String(CHAIN_PORT)], { stdio: ["ignore", log, log] });
    closeSync(log);
    children.push(chain);
    chain.on("exit", (code) => {
      if (!stopping) {
        console.error(`The local chain stopped (exit ${code}); see ${LOG_DIR}/chain.log (CHAIN_PORT moves it off port ${CHAIN_PORT}).`);
        stop(1);
      }
    });
    // Compiles while the chain starts: only the deployed contracts, cached in artifacts/ after the first run.
    await step("Compiling the contracts (the first run only: about a minute, longer on a busy machine)", () =>
      run(HARDHAT, ["build", "--no-tests", "--quiet", ...DEPLOYED_SOURCES]));
    await step(`Starting the local chain on ${rpcUrl}`, () => waitForRpc(rpcUrl, 60_000));
    networkName = "localhost";
    await step("Deploying the contracts", () => run(HARDHAT, ["run", "--no-compile", "scripts/deploy.ts", "--network", networkName], { quiet: true }));
  }

  if (process.env.SKIP_WEB_BUILD !== "1") {
    await step("Building the web page", () => run(VITE, ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"]));
  }

  const deploymentFile = process.env.DEPLOYMENT_FILE ?? deploymentPath(networkName);
  const deployment = await readDeployment(deploymentFile);
  const dataDir = process.env.DATA_DIR ?? `${LOG_DIR}/index-${networkName}`;
  // A chain started here is new: an index of the previous one would not match it.
  const relayerDir = process.env.RELAYER_DATA_DIR ?? `${LOG_DIR}/relayer-${networkName}`;
  if (external === undefined) {
    await rm(dataDir, { recursive: true, force: true });
    await rm(relayerDir, { recursive: true, force: true });
  }
  console.log("Starting the indexer, the API and the relayer...");
  server = await runFromEnvironment({
    ...process.env, CHAIN_RPC_URL: rpcUrl, DEPLOYMENT_FILE: deploymentFile, DATA_DIR: dataDir, RELAYER_DATA_DIR: relayerDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  });
  if (server === undefined) {
    stop(1);
    return;
  }
  const client = createPublicClient({ transport: http(rpcUrl) });
  const [postFee, tipFeeBps] = await Promise.all([
    client.readContract({ address: deployment.contracts.PennyPost as `0x${string}`, abi: FEE_ABI, functionName: "postFee" }),
    client.readContract({ address: deployment.contracts.PennyPost as `0x${string}`, abi: FEE_ABI, functionName: "tipFeeBps" }),
  ]);

  const lines = [
    "",
    "PennyPost is running.",
    `  JSON-RPC     ${rpcUrl}  (chain id ${deployment.chainId})`,
    `  PennyPost    ${deployment.contracts.PennyPost}  (post fee ${formatEther(postFee)} ETH, tip fee ${Number(tipFeeBps) / 100}%)`,
  ];
  if (deployment.contracts.PennyTestToken) {
    lines.push(`  Test token   ${deployment.contracts.PennyTestToken}  (PPTEST, no value, minted to the test accounts)`);
  }
  lines.push(`  Deployment   ${deploymentFile}`);
  lines.push(`  API          ${server.url}/v1/posts   (OpenAPI: ${server.url}/openapi.json, status: ${server.url}/status)`);
  lines.push(`  Web page     ${server.url}/`);
  lines.push(`  Index        ${dataDir}`);
  lines.push(`  Relayer      ${server.url}/v1/actions  (signed posts and tips; queue in ${relayerDir}${external === undefined ? "; local relayer and sequencer: test account #9" : ""})`);
  // On another network the CLI signs with that network's account (PENNYPOST_DEPLOYER_KEY for custom).
  const where = external === undefined ? "--network localhost --from 1" : `--network ${networkName}${process.env.DEPLOYMENT_FILE === undefined ? "" : ` --deployment ${deploymentFile}`}`;
  const api = server.url === "http://127.0.0.1:8080" ? "" : ` --api ${server.url}`;
  lines.push(`               try: ./pennypost deposit --amount 0.01 ${where}`);
  lines.push(`                    ./pennypost post --text "hi" --via anchored-calldata ${where}${api}`);
  if (external === undefined) {
    lines.push("", "  Test accounts (well-known keys of the development mnemonic: local use only, never on a real network):");
    for (let i = 0; i < 3; i++) {
      const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i });
      const key = account.getHdKey().privateKey;
      lines.push(`   #${i} ${account.address}  key 0x${Buffer.from(key ?? []).toString("hex")}`);
    }
    lines.push(`  Chain log    ${LOG_DIR}/chain.log`);
  }
  lines.push("", "Press Ctrl-C to stop.");
  console.log(lines.join("\n"));
}

const FEE_ABI = [
  { type: "function", name: "postFee", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
  { type: "function", name: "tipFeeBps", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
] as const;

/** A failure the user can fix: printed as one line, without a stack. */
class StartError extends Error {}

/** Fails with one line naming the variable that moves the port, before anything is started. */
async function requireFreePort(host: string, port: number, variable: string, what: string): Promise<void> {
  const problem = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
  if (problem === undefined) return;
  const other = port + 1;
  if (problem.code === "EADDRINUSE") {
    throw new StartError(`Port ${port} on ${host} (${what}) is already in use: stop what uses it, or choose another port with ${variable}, e.g. ${variable}=${other} ./pennypost start`);
  }
  throw new StartError(`Cannot listen on ${host}:${port} (${what}): ${problem.code ?? problem.message}; choose another port with ${variable}, e.g. ${variable}=${other} ./pennypost start`);
}

/** Prints what it is waiting for, then every 10 s that it still is, then how long it took. */
async function step<T>(label: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`${label}...`);
  const ticker = setInterval(() => console.log(`  ...still ${label.charAt(0).toLowerCase()}${label.slice(1).replace(/ \(.*\)$/, "")} (${Math.round((Date.now() - started) / 1000)} s)`), 10_000);
  try {
    const result = await body();
    const seconds = (Date.now() - started) / 1000;
    if (seconds >= 2) console.log(`  done in ${seconds.toFixed(0)} s`);
    return result;
  } finally {
    clearInterval(ticker);
  }
}

async function waitForRpc(url: string, timeoutMs: number): Promise<void> {
  const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.getChainId();
      return;
    } catch (error) {
      if (Date.now() > deadline || stopping) throw new Error(`No JSON-RPC answer at ${url} after ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Runs a child to completion; `quiet` keeps its output unless it fails. */
function run(command: string, args: string[], options: { quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => {
      if (code === 0) return resolve();
      if (options.quiet) process.stderr.write(output);
      reject(new StartError(`${command} ${args.join(" ")} exited with ${code}; see its output above`));
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof StartError ? error.message : error);
  stop(1);
});
