/**
 * What every `pennypost` command starts from: the network connection and the deployment on it
 * (deployments/<network>.json), the account that signs (`--from`), the HTTP API (`--api`), and
 * the one place where a failure becomes a one-line message and a non-zero exit.
 */
import { existsSync } from "node:fs";
import { styleText } from "node:util";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { Result } from "hardhat/types/utils";
import { errorResult, successfulResult } from "hardhat/utils/result";
import type { PublicClient, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { BaseError, getAddress, type Address } from "viem";

import { deploymentPath, readDeployment, type Deployment } from "../lib/deployment.ts";
import { CliError, explainError } from "./errors.ts";
import { assetBook, explainContext, type AssetBook, type CommandPlace } from "./format.ts";

/** The test token's symbol and decimals (contracts/tokens/PennyTestToken.sol). */
export const TEST_TOKEN = { symbol: "PPTEST", decimals: 18 } as const;

/** State a command builds up that the error message may need (how to name amounts). */
export interface Session {
  book: AssetBook;
  /** The ERC-20 the command moves, for ERC-6093 errors, which do not name their token. */
  token?: Address;
  /** The account that signs, once known. */
  account?: Address;
  /** --network, --from and --deployment, once known: suggested commands repeat them. */
  place: CommandPlace;
  cleanup: Array<() => Promise<void>>;
}

/**
 * Runs a command. Every failure is printed as one line on stderr and returned as a failed Result,
 * which makes Hardhat exit with code 1 without a stack trace: a failure the user can act on (bad
 * argument, missing deployment, contract revert, API down) says what to do; anything else (a
 * library's error this CLI does not know) gets its one-line summary and the way to see the rest,
 * `--show-stack-traces`, with which it is rethrown for Hardhat to print with its stack.
 */
export async function runCommand(body: (session: Session) => Promise<void>): Promise<Result<undefined, string>> {
  const session: Session = { book: assetBook(), place: {}, cleanup: [] };
  try {
    await body(session);
    return successfulResult();
  } catch (error) {
    const explained = explainError(error, { ...explainContext(session.book, session.token, session.place), account: session.account });
    if (explained === undefined && process.argv.includes("--show-stack-traces")) throw error;
    const message = explained ?? (isHardhatError(error) ? firstLine(error.message) : unexpected(error));
    console.error(`${styleText(["red", "bold"], "Error:", { stream: process.stderr })} ${message}`);
    return errorResult(message);
  } finally {
    for (const close of session.cleanup.reverse()) await close().catch(() => undefined);
  }
}

const firstLine = (text: string) => text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "unknown error";

/**
 * Hardhat's own errors (HHE7, a missing configuration variable; HHE for bad arguments) are written
 * for users: their first line is shown as it is. Recognised as Hardhat's HardhatError.isHardhatError
 * does (hardhat-errors is not a dependency of this project).
 */
function isHardhatError(error: unknown): error is Error {
  return error instanceof Error && (error as { _isHardhatError?: unknown })._isHardhatError === true;
}

/** One line for an error no message of this CLI covers: viem's short message, or the first line. */
function unexpected(error: unknown): string {
  const summary = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return `${firstLine(summary).replace(/[.:]$/, "")} (an error this command does not explain; run it again with --show-stack-traces for the details)`;
}

export interface ChainOptions {
  from: number;
  deployment?: string;
}

export interface Chain {
  networkName: string;
  deployment: Deployment;
  deploymentFile: string;
  publicClient: PublicClient;
  wallet: WalletClient;
  account: Address;
  pennyPost: Address;
  testToken?: Address;
}

/** Connects to `--network`, checks the deployment file against it, picks the `--from` account. */
export async function openChain(hre: HardhatRuntimeEnvironment, session: Session, options: ChainOptions): Promise<Chain> {
  const connection: NetworkConnection = await hre.network.create();
  session.cleanup.push(() => connection.close());
  const { networkName, networkConfig } = connection;
  if (networkConfig.type === "edr-simulated") {
    throw new CliError(
      `network "${networkName}" is Hardhat's in-process chain, which starts empty for every command: ` +
        "add --network localhost (the node npm start runs) or another network from hardhat.config.ts",
    );
  }
  const deploymentFile = options.deployment ?? deploymentPath(networkName);
  session.place = { network: networkName, from: options.from, deployment: options.deployment };
  if (options.deployment !== undefined && !existsSync(deploymentFile)) {
    throw new CliError(`--deployment ${deploymentFile}: there is no such file; check the path (deployments/ holds one file per network)`);
  }
  if (!existsSync(deploymentFile)) {
    const deploy = networkName === "localhost" ? "`./pennypost start` does it for localhost" : `deploy with \`./pennypost deploy --network ${networkName}\``;
    throw new CliError(`no deployment file at ${deploymentFile}: PennyPost is not deployed on network "${networkName}" yet; ${deploy}, or give the file with --deployment`);
  }
  let deployment: Deployment;
  try {
    deployment = await readDeployment(deploymentFile);
  } catch (error) {
    // One line: zod's report of an invalid file spans several.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
    throw new CliError(reason.includes(deploymentFile) ? reason : `${deploymentFile}: ${reason}`);
  }
  // A missing configuration variable (PENNYPOST_RPC_URL) throws here, and Hardhat says which one.
  const url = await networkConfig.url.get();
  let publicClient: PublicClient;
  let chainId: number;
  try {
    publicClient = await connection.viem.getPublicClient();
    chainId = await publicClient.getChainId();
  } catch {
    const start = networkName === "localhost" ? "start it with `./pennypost start`" : "start it or fix the network's URL";
    throw new CliError(`no JSON-RPC node answers at ${url} (network "${networkName}"); ${start}, or choose another --network`);
  }
  if (chainId !== deployment.chainId) {
    throw new CliError(`${deploymentFile} is for chain ${deployment.chainId}, but network "${networkName}" is chain ${chainId}; choose the matching --network or deploy: \`./pennypost deploy --network ${networkName}\``);
  }
  const pennyPost = deployment.contracts.PennyPost as Address;
  const code = await publicClient.getCode({ address: pennyPost });
  if (code === undefined || code === "0x") {
    throw new CliError(
      `no contract at ${pennyPost} on network "${networkName}" (a local node starts empty each time, so ${deploymentFile} may be from an earlier run); ` +
        (networkName === "localhost" ? "start the stack again with `./pennypost start`, which deploys" : `deploy again: \`./pennypost deploy --network ${networkName}\``),
    );
  }
  const wallets = await connection.viem.getWalletClients();
  if (wallets.length === 0) throw new CliError(`network "${networkName}" has no accounts to send from; configure accounts for it in hardhat.config.ts`);
  if (!Number.isSafeInteger(options.from) || options.from < 0 || options.from >= wallets.length) {
    throw new CliError(`--from ${options.from} is not an account of network "${networkName}": it has ${wallets.length} (--from 0 to ${wallets.length - 1})`);
  }
  const wallet = wallets[options.from];
  const account = getAddress(wallet.account.address);
  session.account = account;
  const testToken = deployment.contracts.PennyTestToken as Address | undefined;
  if (testToken !== undefined) session.book.set(testToken.toLowerCase(), TEST_TOKEN);
  return { networkName, deployment, deploymentFile, publicClient, wallet, account, pennyPost, testToken };
}

/** The indexer's HTTP API (server/api). */
export interface Api {
  url: string;
  /** `data` of a 2xx answer; undefined for a 404; a CliError for anything else. */
  get: <T>(path: string) => Promise<{ data: T; page?: { next: string | null } } | undefined>;
}

export function openApi(url: string): Api {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new CliError(`--api must be the API's URL, such as http://127.0.0.1:8080, not "${url}"`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new CliError(`--api must be an http(s) URL, not "${url}"`);
  const root = base.href.replace(/\/$/, "");
  return {
    url: root,
    async get<T>(path: string) {
      let response: Response;
      try {
        response = await fetch(`${root}${path}`, { signal: AbortSignal.timeout(10_000), headers: { accept: "application/json" } });
      } catch {
        throw new CliError(`the PennyPost API does not answer at ${root}; start it with \`./pennypost start\`, or give its address with --api <url>`);
      }
      const body = (await response.json().catch(() => undefined)) as { data?: T; page?: { next: string | null }; detail?: string; code?: string } | undefined;
      // A post of a hash-mode batch whose data the index lacks exists on chain: say so, not "no post".
      if (response.status === 404 && body?.code === "data_unavailable") throw new CliError(`the index at ${root} cannot serve ${path}: ${body.detail ?? "its anchored batch's data is unavailable"}`);
      if (response.status === 404) return undefined;
      if (!response.ok || body?.data === undefined) {
        const why = body?.detail ?? body?.code ?? response.statusText;
        throw new CliError(`the API at ${root} answered ${response.status} to GET ${path}: ${why}`);
      }
      return { data: body.data, page: body.page };
    },
  };
}

/** The part of GET /v1/config the CLI reads. */
export interface ApiConfig {
  contracts: { PennyPost: string; PennyTestToken?: string };
  maxPageSize: number;
}

/**
 * Reads GET /v1/config and names the API's test token PPTEST in `book`, so that amounts in it
 * print as such; other tokens print as units of their address.
 */
export async function addApiAssets(api: Api, book: AssetBook): Promise<ApiConfig | undefined> {
  const config = (await api.get<ApiConfig>("/v1/config"))?.data;
  const testToken = config?.contracts.PennyTestToken;
  if (testToken !== undefined) book.set(testToken.toLowerCase(), TEST_TOKEN);
  return config;
}
