/**
 * A "remote" chain end to end, as docs/deploying.md's recipe runs it: anvil with a chain id of its
 * own (not 31337) mining a block every second, `./pennypost deploy --network custom`, the owner's
 * set-up with `./pennypost admin --sequencer`, then `npm start` following that chain
 * (CHAIN_RPC_URL, DEPLOYMENT_FILE, CONFIRMATIONS=2, RELAYER_PRIVATE_KEY) with its API, relayer and
 * page. A direct post and an anchored post through the relayer must reach the API, and the page
 * served there must offer no development wallet.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { after, before, describe, it } from "mocha";
import { chromium, type BrowserContext } from "playwright-core";
import type { Address, Hex } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";

import { readDeployment } from "../../lib/deployment.ts";
import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { field, pennypost, type CliChain } from "../cli/helpers.ts";
import { startAnvil, type Anvil } from "../indexer/anvil.ts";
import { removeTempDirs, tempDir } from "../indexer/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (i: number): Hex => `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey ?? []).toString("hex")}`;
const addressOf = (i: number): Address => mnemonicToAccount(MNEMONIC, { addressIndex: i }).address;
/** A chain id no local node uses, one per run (Ignition keeps a journal per chain id, removed after). */
const CHAIN_ID = 7_000_000 + (process.pid % 1_000_000);
const RELAYER = 9;

function run(command: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env }, encoding: "utf8", timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

/** Polls `check` until it returns a value (not undefined), or fails after `ms` saying what it waited for. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface ApiPost { id: string; content: string; mode: string; fee: string; author: string }

describe("a remote chain end to end: deploy, admin, npm start's server and relayer, the page (chain id ≠ 31337, 1 s blocks, CONFIRMATIONS=2)", function () {
  this.timeout(15 * 60_000);
  let anvil: Anvil;
  let chain: CliChain;
  let deploymentFile: string;
  let server: ChildProcess | undefined;
  let serverOutput = "";
  let api: string;
  let browser: BrowserContext | undefined;
  const journal = path.join(ROOT, "ignition", "deployments", `chain-${CHAIN_ID}`);
  const posts = async () => ((await (await fetch(`${api}/v1/posts?limit=100`)).json()) as { data: ApiPost[] }).data;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    assert.ok(!existsSync(journal), `${journal} exists already`);
    anvil = await startAnvil(["--chain-id", String(CHAIN_ID), "--block-time", "1"]);
    const dir = await tempDir("remote");
    deploymentFile = path.join(dir, "remote.json");
    chain = {
      anvil, deploymentFile, pennyPost: "0x" as Address, testToken: "0x" as Address, key: keyOf, address: addressOf, stop: () => anvil.stop(),
    };
  });
  after(async () => {
    await browser?.close();
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      process.kill(-server.pid, "SIGINT"); // npm start's process group: it stops its server on SIGINT
      await exited;
    }
    await anvil?.stop();
    await rm(journal, { recursive: true, force: true });
    await removeTempDirs();
  });

  it("refuses to deploy from an unfunded key in one line (not Ignition's 'gas required exceeds allowance: 0')", async () => {
    const key = generatePrivateKey();
    const unfunded = privateKeyToAccount(key);
    const result = await run("./pennypost", ["deploy", "--network", "custom"], {
      PENNYPOST_RPC_URL: anvil.url, PENNYPOST_DEPLOYER_KEY: key, DEPLOYMENT_FILE: deploymentFile,
    });
    assert.equal(result.status, 1, result.stdout);
    assert.equal(result.stderr.trim(), `The deployer ${unfunded.address} holds no ETH on network "custom" (chain ${CHAIN_ID}): fund it, or check the key (PENNYPOST_DEPLOYER_KEY for custom, sepolia and baseSepolia)`);
    assert.ok(!existsSync(deploymentFile));
  });

  it("deploys with ./pennypost deploy --network custom: the protocol alone, no test token", async () => {
    const deployed = await run("./pennypost", ["deploy", "--network", "custom"], {
      PENNYPOST_RPC_URL: anvil.url, PENNYPOST_DEPLOYER_KEY: keyOf(0), DEPLOYMENT_FILE: deploymentFile,
    });
    assert.equal(deployed.status, 0, deployed.stderr + deployed.stdout);
    const deployment = await readDeployment(deploymentFile);
    assert.equal(deployment.chainId, CHAIN_ID);
    assert.equal(deployment.contracts.PennyTestToken, undefined);
    chain.pennyPost = deployment.contracts.PennyPost as Address;
    const owner = await anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "owner" });
    assert.equal(owner, addressOf(0));
  });

  it("makes the relayer a sequencer with ./pennypost admin --sequencer, as the owner", async () => {
    const set = await pennypost(chain, ["admin", "--sequencer", addressOf(RELAYER)], { as: 0 });
    assert.equal(set.status, 0, set.stderr);
    assert.equal(field(set.stdout, "sequencer"), `${addressOf(RELAYER)} may now anchor posts`);
    assert.equal(await anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "isSequencer", args: [addressOf(RELAYER)] }), true);
  });

  it("npm start follows the chain (no chain of its own, no deploy) and prints its banner", async () => {
    const dataDir = await tempDir("remote-index");
    server = spawn("npm", ["start"], {
      cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env, CHAIN_RPC_URL: anvil.url, DEPLOYMENT_FILE: deploymentFile, PENNYPOST_NETWORK: "custom",
        CONFIRMATIONS: "2", FINALITY_DEPTH: "4", REORG_WINDOW: "32", RELAYER_PRIVATE_KEY: keyOf(RELAYER),
        HTTP_PORT: "0", DATA_DIR: path.join(dataDir, "index"), RELAYER_DATA_DIR: path.join(dataDir, "relayer"),
      },
    });
    server.stdout?.on("data", (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => (serverOutput += chunk.toString()));
    const exited = new Promise<never>((_, reject) => server?.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${serverOutput}`))));
    api = await Promise.race([exited, until("npm start's banner", async () => /^ {2}API {10}(http:\/\/127\.0\.0\.1:\d+)\/v1\/posts/m.exec(serverOutput)?.[1], 10 * 60_000)]);
    exited.catch(() => undefined);
    assert.match(serverOutput, new RegExp(`JSON-RPC +${anvil.url.replace(/[.]/g, "\\.")} +\\(chain id ${CHAIN_ID}\\)`));
    assert.doesNotMatch(serverOutput, /Test accounts|Test token|Deploying|Starting the local chain/, "no local chain, no test accounts");
    const config = (await (await fetch(`${api}/v1/config`)).json()) as { data: { chainId: number } };
    assert.equal(config.data.chainId, CHAIN_ID);
  });

  it("a direct post (./pennypost post, a transaction) reaches the API two blocks deep", async () => {
    const posted = await pennypost(chain, ["post", "--text", "direct, on a remote chain"], { as: 1 });
    assert.equal(posted.status, 0, posted.stderr);
    const id = field(posted.stdout, "post").replace("#", "");
    const post = await until("the direct post in the API", async () => (await posts()).find((p) => p.id === id));
    assert.equal(post.content, "direct, on a remote chain");
    assert.equal(post.mode, "direct");
    // CONFIRMATIONS=2: the index stays at least two blocks behind the head it knows.
    const status = (await (await fetch(`${api}/status`)).json()) as { chainHead: number; indexedBlock: number; lag: number };
    assert.ok(status.lag >= 2, `lag ${status.lag} (head ${status.chainHead}, indexed ${status.indexedBlock})`);
  });

  it("an anchored post through the relayer (deposit, then post --via anchored-calldata) reaches the API with the fee its author paid", async () => {
    const deposited = await pennypost(chain, ["deposit", "--amount", "0.01"], { as: 2 });
    assert.equal(deposited.status, 0, deposited.stderr);
    // The relayer sees the deposit once its block is in its view.
    await until("the relayer to see the deposit", async () => {
      const state = (await (await fetch(`${api}/v1/accounts/${addressOf(2)}/relay?asset=0x0000000000000000000000000000000000000000`)).json()) as { data?: { depositEth: string } };
      return BigInt(state.data?.depositEth ?? "0") > 0n ? true : undefined;
    });
    const posted = await pennypost(chain, ["post", "--text", "anchored, on a remote chain", "--via", "anchored-calldata", "--api", api], { as: 2 });
    assert.equal(posted.status, 0, posted.stderr);
    const post = await until("the anchored post in the API", async () => (await posts()).find((p) => p.content === "anchored, on a remote chain"));
    assert.equal(post.mode, "anchored-calldata");
    assert.equal(post.author, addressOf(2).toLowerCase());
    const postFee = await anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "postFee" });
    assert.equal(post.fee, postFee.toString());
  });

  it("the page served there reads the chain and offers no development wallet", async () => {
    browser = await chromium.launchPersistentContext(await tempDir("remote-chromium"), {
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const response = await page.goto(`${api}/`);
    assert.equal(response?.status(), 200);
    await page.getByText("anchored, on a remote chain").waitFor();
    await page.getByText("direct, on a remote chain").waitFor();
    await page.getByRole("button", { name: "Connect browser wallet" }).waitFor();
    assert.equal(await page.getByRole("button", { name: /development wallet/i }).count(), 0);
    assert.equal(await page.getByText(/Development wallet/).count(), 0);
    assert.equal(await page.getByLabel("Test account").count(), 0);
  });
});
