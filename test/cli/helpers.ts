/**
 * The CLI under test as users run it: `hardhat pennypost ...` child processes against a real anvil
 * with the contracts deployed by the PennyPostLocal Ignition module, and the real server for the
 * commands that read the API.
 *
 * The children use the `custom` network of hardhat.config.ts, whose URL and key are configuration
 * variables (PENNYPOST_RPC_URL, PENNYPOST_DEPLOYER_KEY): each child gets anvil's free-port URL and
 * the key of the test account it acts as. The deployment file is a temporary one (--deployment),
 * so nothing is written under deployments/.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

import { network } from "hardhat";
import type { Abi, Address, Hex, TransactionReceipt } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { writeDeployment } from "../../lib/deployment.ts";
import PennyPostLocalModule from "../../ignition/modules/PennyPostLocal.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { startAnvil, type Anvil } from "../indexer/anvil.ts";
import { silentLogger, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";

const HARDHAT = "node_modules/.bin/hardhat";
const MNEMONIC = "test test test test test test test test test test test junk";

export interface CliChain {
  anvil: Anvil;
  pennyPost: Address;
  testToken: Address;
  deploymentFile: string;
  /** The private key and the address of anvil's test account `i` (0 to 9; 0 owns PennyPost). */
  key: (i: number) => Hex;
  address: (i: number) => Address;
  stop: () => Promise<void>;
}

/** anvil on a free port, PennyPostLocal deployed by Ignition, a temporary deployment file. */
export async function startCliChain(): Promise<CliChain> {
  const anvil = await startAnvil();
  const connection = await network.create({ network: "anvil", override: { url: anvil.url } });
  // A journal of its own, removed at the end: the chain-31337 journal belongs to `npm start`.
  const deploymentId = `cli-test-${process.pid}-${Date.now()}`;
  const { pennyPost, testToken } = await connection.ignition.deploy(PennyPostLocalModule, { deploymentId });
  await connection.close();
  await rm(path.join("ignition", "deployments", deploymentId), { recursive: true, force: true });
  const deploymentFile = path.join(await tempDir("cli"), "anvil.json");
  await writeDeployment(
    {
      network: "custom", chainId: await anvil.client.getChainId(), startBlock: 0,
      contracts: { PennyPost: pennyPost.address, PennyTestToken: testToken.address }, deployedAt: new Date().toISOString(),
    },
    deploymentFile,
  );
  return {
    anvil,
    pennyPost: pennyPost.address,
    testToken: testToken.address,
    deploymentFile,
    key: (i) => `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey ?? []).toString("hex")}`,
    address: (i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }).address,
    stop: () => anvil.stop(),
  };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The signing account: anvil's test account index, or a private key. Default 0. */
  as?: number | Hex;
  /** Environment variables for the child, after those set from the chain; undefined removes one. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs `hardhat pennypost <args>` as a child process, as users do. With a chain, the command runs
 * on network `custom` (anvil's URL, the key of `options.as`) with the temporary deployment file;
 * without one (feed, show), exactly as given.
 */
export function pennypost(chain: CliChain | undefined, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const chainArgs = chain === undefined ? [] : ["--network", "custom", "--deployment", chain.deploymentFile];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  if (chain !== undefined) {
    const as = options.as ?? 0;
    Object.assign(env, { PENNYPOST_RPC_URL: chain.anvil.url, PENNYPOST_DEPLOYER_KEY: typeof as === "number" ? chain.key(as) : as });
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve) => {
    execFile(HARDHAT, ["pennypost", ...args, ...chainArgs], { env, encoding: "utf8", timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ status, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) });
    });
  });
}

/** A failed command: exit code 1, nothing on stdout, one line on stderr matching `message`. */
export function assertFails(result: CliResult, message: RegExp): void {
  assert.equal(result.status, 1, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0], /^Error: /);
  assert.match(lines[0], message);
}

/** The value of a `label  value` line of a command's output. */
export function field(stdout: string, label: string): string {
  const line = stdout.split("\n").find((l) => l.startsWith(`${label} `));
  if (line === undefined) throw new Error(`no "${label}" line in:\n${stdout}`);
  return line.slice(label.length).trim();
}

/** Sends a contract call from anvil's test account `i` (not through the CLI) and waits for it. */
export async function writeAs(
  chain: CliChain,
  i: number,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
): Promise<TransactionReceipt> {
  const hash: Hex = await chain.anvil.wallet(i).writeContract({ ...call, account: chain.anvil.accounts[i], chain: undefined } as never);
  const receipt = await chain.anvil.client.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success", `${call.functionName} from account ${i}`);
  return receipt;
}

/** The real indexer and API (server/main.ts) following the chain, on a free port. */
export async function startApi(chain: CliChain): Promise<RunningServer> {
  const config = loadConfig({
    CHAIN_RPC_URL: chain.anvil.url, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: await tempDir("cli-index"),
    HTTP_PORT: "0", POLL_INTERVAL_MS: "20",
  });
  return startServer(config, silentLogger);
}

/** Waits until the API has indexed the chain's head block. */
export async function untilIndexed(chain: CliChain, api: RunningServer): Promise<void> {
  const head = Number(await chain.anvil.client.getBlockNumber({ cacheTime: 0 }));
  await until(`the API to index block ${head}`, async () => {
    const status = (await (await fetch(`${api.url}/status`)).json()) as { indexedBlock: number | null };
    return (status.indexedBlock ?? -1) >= head;
  });
}
