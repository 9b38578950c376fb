/**
 * The web page, end to end: Debian's Chromium (playwright-core) against the real server
 * (startServer, helmet CSP and all) serving a fresh build of web/, following anvil with PennyPost
 * and the test token deployed. The page signs with its development wallet and reaches the chain
 * only through the server's POST /rpc.
 *
 * Screenshots go to test-artifacts/ (page.png, page-mobile.png); with UPDATE_DOCS_SCREENSHOT=1 the
 * desktop one is also copied to docs/screenshot.png (the README's).
 * Chromium: /usr/bin/chromium (apt-get install chromium), or CHROMIUM_PATH.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { artifacts } from "hardhat";
import { after, before, describe, it } from "mocha";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import {
  BaseError, ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, encodeFunctionData, HttpRequestError, InsufficientFundsError,
  formatEther, parseEther, UserRejectedRequestError, type Hex,
} from "viem";
import { foundry } from "viem/chains";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { ApiError } from "../../web/src/api.ts";
import { describeError } from "../../web/src/errors.ts";
import { deployPennyPost, startAnvil, type Anvil } from "../indexer/anvil.ts";
import { removeTempDirs, silentLogger, tempDir } from "../indexer/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const FEE = 10n ** 13n; // 0.00001 ETH, the default post fee
const ETH = "0x0000000000000000000000000000000000000000";

/** Retries `check` (an assertion) until it passes or `ms` have gone by. */
async function eventually(check: () => Promise<void>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function buildPage(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/vite"), ["build", "--config", "web/vite.config.ts", "--outDir", outDir, "--logLevel", "warn"], {
      cwd: ROOT, stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}

describe("web page (Chromium, real server, anvil)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  let pennyPost: Hex;
  let token: Hex;
  const outsideRequests: string[] = [];
  /** /rpc calls the relay refused: the page should only ask for what it relays. */
  const refusedRpc: string[] = [];
  const pageErrors: string[] = [];
  /** Every console error (a failed request, such as a 404, is logged as one). */
  const consoleErrors: string[] = [];
  let myPostId = "";

  const account = (i: number) => anvil.accounts[i].address.toLowerCase();
  async function send(i: number, to: Hex, data: Hex, value = 0n): Promise<void> {
    const hash = await anvil.wallet(i).sendTransaction({ to, data, value, account: anvil.accounts[i], chain: foundry });
    const receipt = await anvil.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
  }
  const postFrom = (i: number, parentId: bigint, text: string) =>
    send(i, pennyPost, encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [parentId, text] }), FEE);
  const owed = (i: number, asset: Hex) => anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "owed", args: [anvil.accounts[i].address, asset] });
  const useDevAccount = async (i: number) => {
    await page.getByLabel("Test account").selectOption(String(i));
    await page.getByRole("button", { name: /^(Use development wallet|Switch account)$/ }).click();
    await page.locator(`[data-wallet-address="${anvil.accounts[i].address}"]`).waitFor();
  };
  /** The connected account's ETH balance as the Balances panel shows it. */
  const shownEthBalance = async () => Number((await page.locator('[data-balances="wallet"] [data-asset="ETH"]').textContent())?.replace(/[^\d.]/g, ""));

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    const webDir = await tempDir("web");
    const built = buildPage(webDir);
    anvil = await startAnvil();
    pennyPost = await deployPennyPost(anvil, FEE);
    const tokenArtifact = await artifacts.readArtifact("PennyTestToken");
    const deployHash = await anvil.wallet(0).deployContract({ abi: tokenArtifact.abi, bytecode: tokenArtifact.bytecode as Hex, account: anvil.accounts[0], chain: foundry });
    token = (await anvil.client.waitForTransactionReceipt({ hash: deployHash })).contractAddress as Hex;
    await send(0, pennyPost, encodeFunctionData({ abi: pennyPostAbi, functionName: "setTokenAccepted", args: [token, true] }));
    for (const i of [1, 2, 3, 4]) {
      await send(0, token, encodeFunctionData({ abi: pennyTestTokenAbi, functionName: "faucet", args: [anvil.accounts[i].address, parseEther("1000")] }));
    }
    await postFrom(3, 0n, "Paid 0.00001 ETH to say this, so it had better be good: hello, chain.");
    await postFrom(4, 0n, "Tip jar experiment: every reply I like gets 1 PPTEST. Let's see who is paying attention.");
    await postFrom(3, 2n, "Count me in. Replies cost a penny too, so this one is sincere.");

    await built;
    server = await startServer(loadConfig({
      CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: pennyPost, PENNYPOST_TEST_TOKEN_ADDRESS: token, DATA_DIR: await tempDir("web-index"),
      HTTP_PORT: "0", POLL_INTERVAL_MS: "20", WEB_DIR: webDir,
    }), silentLogger);

    context = await chromium.launchPersistentContext(await tempDir("chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 860 },
      colorScheme: "light",
      reducedMotion: "reduce",
    });
    context.on("request", (request) => {
      if (!request.url().startsWith(`${server.url}/`) && !request.url().startsWith("data:")) outsideRequests.push(request.url());
    });
    context.on("response", (response) => {
      if (response.url() === `${server.url}/rpc` && response.status() !== 200) refusedRpc.push(`${response.status()} ${response.request().postData()?.slice(0, 120)}`);
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
      if (message.type() === "error") consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
  });

  after(async () => {
    await context?.close();
    await server?.stop();
    await anvil?.stop();
    await removeTempDirs();
  });

  it("loads the feed under the server's Content-Security-Policy, with no request to any other host", async () => {
    const response = await page.goto(`${server.url}/`);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    await page.getByRole("heading", { name: "Latest posts" }).waitFor();
    await page.getByText("Tip jar experiment").waitFor();
    await page.getByText("Live", { exact: true }).waitFor(); // the SSE stream is connected
    assert.equal(await page.locator("article.post").count(), 3);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "page-start.png") });
    // Newest first: the reply (#3) is on top.
    assert.equal(await page.locator("article.post").first().getAttribute("data-post-id"), "3");
    // Every form control has a label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")].filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute("aria-label")).length);
    assert.equal(unlabelled, 0);
  });

  it("refuses empty and over-long text before sending anything (1,024 UTF-8 bytes)", async () => {
    await useDevAccount(1);
    assert.match(await page.getByText("Development wallet — public test keys, local chain only").textContent() ?? "", /public test keys/);
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.locator('[data-error="content_empty"]').waitFor();
    await page.getByLabel("Your post").fill("é".repeat(513)); // 513 characters, 1,026 bytes
    assert.equal(await page.locator(".counter").textContent(), "1,026 / 1,024 bytes");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.locator('[data-error="content_too_long"]').waitFor();
    assert.equal(await page.getByLabel("Your post").getAttribute("aria-invalid"), "true");
  });

  it("posts as development account #1 after a fee change (PennyPostWrongFee), and the post appears live", async () => {
    await page.evaluate(() => ((window as { notReloaded?: boolean }).notReloaded = true));
    assert.match(await page.locator(".compose__fee").textContent() ?? "", /Posting fee: 0\.00001 ETH/);
    // The owner doubles the fee after the page read it: the contract refuses the old one.
    await send(0, pennyPost, encodeFunctionData({ abi: pennyPostAbi, functionName: "setPostFee", args: [2n * FEE] }));
    const text = "Hello from the browser: signed in the page, sent through /rpc, indexed, and on screen.";
    await page.getByLabel("Your post").fill(text);
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.locator('[data-error="wrong_fee"]').waitFor();
    assert.match(await page.locator(".compose__fee").textContent() ?? "", /Posting fee: 0\.00002 ETH/);

    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.locator('[data-outcome="ok"]').waitFor();
    const steps = await page.locator(".compose .step").evaluateAll((items) => items.map((item) => `${item.getAttribute("data-step")}:${item.className}`));
    assert.deepEqual(steps, ["check", "sign", "sent", "included", "indexed"].map((step) => `${step}:step step--done`));
    assert.match(await page.locator(".compose .step[data-step=included]").textContent() ?? "", /^Included in block \d+$/);

    const card = page.locator("article.post").filter({ hasText: text });
    await card.waitFor();
    myPostId = (await card.getAttribute("data-post-id")) ?? "";
    assert.equal(myPostId, "4");
    assert.equal(await page.locator("article.post").first().getAttribute("data-post-id"), "4");
    assert.equal(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded), true);
    assert.equal(await page.getByLabel("Your post").inputValue(), "");
  });

  it("shows a post sent from outside the page as soon as it is indexed (SSE, no reload)", async () => {
    await send(3, pennyPost, encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "Live from outside the page: this one arrived over the stream."] }), 2n * FEE);
    await page.getByText("Live from outside the page").waitFor();
    assert.equal(await page.locator("article.post").first().getAttribute("data-post-id"), "5");
    assert.equal(await page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded), true);
  });

  it("tips the post from account #2 in ETH and in PPTEST (approve first); the author's owed balance follows", async () => {
    await useDevAccount(2);
    await page.locator(`article.post[data-post-id="${myPostId}"] a.author__link`).click();
    await page.getByRole("heading", { name: /^0x7099/ }).waitFor();
    await eventually(async () => assert.equal(await page.locator('[data-stat="owed"]').textContent(), "0 ETH · 0 PPTEST"));

    const card = page.locator(`article.post[data-post-id="${myPostId}"]`);
    await card.getByRole("button", { name: `Tip post #${myPostId}` }).click();
    await card.getByRole("button", { name: "0.01 ETH" }).click();
    assert.equal(await card.getByLabel("Amount in ETH").inputValue(), "0.01");
    // Paused by the owner: the contract's EnforcedPause is shown, nothing is sent.
    const pause = (functionName: "pause" | "unpause") => send(0, pennyPost, encodeFunctionData({ abi: pennyPostAbi, functionName }));
    await pause("pause");
    await card.getByRole("button", { name: "Send tip" }).click();
    await card.locator('[data-error="paused"]').waitFor();
    await pause("unpause");
    await card.getByRole("button", { name: "Send tip" }).click();
    await card.locator('[data-outcome="ok"]').waitFor();
    await eventually(async () => assert.equal(await page.locator('[data-stat="owed"]').textContent(), "0.00975 ETH · 0 PPTEST"));
    await eventually(async () => assert.match(await card.locator(".post__tips").textContent() ?? "", /^1 tip · 0\.01 ETH$/));

    await card.getByText("PPTEST", { exact: true }).click();
    await card.getByRole("button", { name: "10 PPTEST" }).click();
    await card.getByRole("button", { name: "Send tip" }).click();
    await card.locator('[data-outcome="ok"]').waitFor();
    assert.equal(await card.locator(".progress__title").count(), 2); // approve, then tip
    await eventually(async () => assert.equal(await page.locator('[data-stat="owed"]').textContent(), "0.00975 ETH · 9.75 PPTEST"));
    assert.equal(await owed(1, ETH), parseEther("0.00975"));
  });

  it("withdraws as account #1: owed goes to 0 and the wallet's chain balance goes up", async () => {
    await useDevAccount(1);
    const balances = page.getByRole("region", { name: "Your balances" });
    await eventually(async () => assert.match(await balances.locator('[data-balances="owed"]').textContent() ?? "", /0\.00975 ETH/));
    const chainBefore = await anvil.client.getBalance({ address: anvil.accounts[1].address });
    const shownBefore = await shownEthBalance();

    await balances.getByRole("button", { name: "Withdraw ETH" }).click();
    await balances.locator('[data-outcome="ok"]').waitFor();
    await eventually(async () => assert.equal(await page.locator('[data-stat="owed"]').textContent(), "0 ETH · 9.75 PPTEST"));
    await eventually(async () => assert.ok((await shownEthBalance()) > shownBefore, "the panel shows a higher ETH balance"));
    assert.equal(await balances.getByRole("button", { name: "Withdraw ETH" }).isDisabled(), true);
    assert.equal(await owed(1, ETH), 0n);
    assert.ok((await anvil.client.getBalance({ address: anvil.accounts[1].address })) > chainBefore);

    await page.screenshot({ path: path.join(ARTIFACTS, "page-author.png"), fullPage: true });
  });

  it("starts a session key as account #2, then posts and tips with it through the relayer with no wallet transaction; cap, spending and expiry shown; ends it", async () => {
    await useDevAccount(2);
    await page.evaluate(() => (location.hash = "#/"));
    await page.getByRole("heading", { name: "Latest posts" }).waitFor();
    const panel = page.getByRole("region", { name: "Session key" });
    await panel.getByLabel("Deposit (ETH)").fill("0.001");
    await panel.getByLabel("Spending cap (ETH)").fill("0.0005");
    await panel.getByLabel("Hours").fill("2");
    await panel.getByRole("button", { name: "Start session" }).click();
    await panel.locator('[data-outcome="ok"]').waitFor();
    await panel.locator('[data-session="active"]').waitFor();
    assert.match(await panel.textContent() ?? "", /Spent0 of 0\.0005 ETH/);
    const me = anvil.accounts[2].address;
    const nonceBefore = await anvil.client.getTransactionCount({ address: me });

    const compose = page.locator("form.compose").first();
    const viaSession = compose.getByLabel(/Sign with my session key/);
    await eventually(async () => assert.equal(await viaSession.isChecked(), true));
    const text = "Signed by my session key in the page, carried by the relayer: no wallet prompt.";
    await page.getByLabel("Your post").fill(text);
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await compose.locator('[data-outcome="ok"]').waitFor();
    assert.match(await compose.locator('[data-outcome="ok"]').textContent() ?? "", /with your session key/);
    const card = page.locator("article.post").filter({ hasText: text });
    await card.waitFor();
    const id = (await card.getAttribute("data-post-id")) ?? "";
    const post = ((await (await fetch(`${server.url}/v1/posts/${id}`)).json()) as { data: { mode: string; author: string } }).data;
    assert.deepEqual([post.mode, post.author], ["batched", me.toLowerCase()]);
    // The card says how the post came: relayed here, direct for one sent in its own transaction.
    assert.equal(await card.locator("[data-mode]").textContent(), "relayed · batched");
    assert.equal(await page.locator("article.post").filter({ hasText: "Live from outside the page" }).locator("[data-mode]").textContent(), "direct");

    await card.getByRole("button", { name: `Tip post #${id}` }).click();
    await card.getByLabel("Amount in ETH").fill("0.0001");
    // The form asks the chain whether the session is live before it offers it.
    await eventually(async () => assert.equal(await card.getByLabel(/With my session key/).isChecked(), true));
    await card.getByRole("button", { name: "Send tip" }).click();
    await card.locator('[data-outcome="ok"]').waitFor();
    await eventually(async () => assert.match(await card.locator(".post__tips").textContent() ?? "", /^1 tip · 0\.0001 ETH$/));

    assert.equal(await anvil.client.getTransactionCount({ address: me }), nonceBefore, "the account sent no transaction: the relayer did");
    await page.screenshot({ path: path.join(ARTIFACTS, "page-session.png"), fullPage: true });
    const spent = 2n * FEE + parseEther("0.0001");
    const keyAddress = (await panel.locator("dd[title]").getAttribute("title")) as Hex;
    const [cap, spentOnChain] = await anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "session", args: [me, keyAddress, ETH] });
    assert.deepEqual([cap, spentOnChain], [parseEther("0.0005"), spent]);
    await eventually(async () => assert.equal(await panel.locator("[data-session-spent]").getAttribute("data-session-spent"), spent.toString()));

    // A PPTEST tip on this relayed post, with a session live: told to tip in ETH with the key, not to start a session.
    await card.getByRole("radio", { name: "PPTEST" }).check();
    await card.getByLabel("Amount in PPTEST").fill("1");
    await card.getByRole("button", { name: "Send tip" }).click();
    await card.locator('[data-error="relayed_post"]').waitFor();
    assert.match(await card.locator('[data-error="relayed_post"]').textContent() ?? "", /in ETH only: choose ETH and tip with your session key/);

    await panel.getByRole("button", { name: "End session" }).click();
    await panel.getByRole("button", { name: "Start session" }).waitFor();
    const [, , expiry] = await anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "session", args: [me, keyAddress, ETH] });
    assert.equal(expiry, 0n, "revoked on chain");
    await eventually(async () => assert.equal(await viaSession.isHidden(), true));
    // The tip error no longer holds once the session has ended.
    await card.locator("[data-error]").waitFor({ state: "detached" });

    // What is left of the deposit stays in view, and comes back in two steps: request, then complete after the delay.
    const left = await anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "depositOf", args: [me, ETH] });
    assert.equal(left, parseEther("0.001") - spent);
    const deposit = panel.locator("[data-deposit]");
    await eventually(async () => assert.equal(await deposit.locator("[data-deposit-free]").getAttribute("data-deposit-free"), left.toString()));
    // A new session counts it: it offers to deposit only what the default cap (0.001 ETH) lacks.
    assert.equal(await panel.getByLabel("Deposit (ETH)").inputValue(), formatEther(parseEther("0.001") - left));
    await deposit.getByRole("button", { name: "Request withdrawal" }).click();
    await panel.locator('[data-outcome="ok"]').filter({ hasText: "Withdrawal requested" }).waitFor();
    await eventually(async () => assert.equal(await deposit.locator("[data-deposit-pending]").getAttribute("data-deposit-pending"), left.toString()));
    assert.match(await deposit.locator("[data-deposit-pending]").textContent() ?? "", /unlocks/);
    assert.equal(await deposit.locator("[data-deposit-free]").getAttribute("data-deposit-free"), "0");
    await deposit.getByRole("button", { name: "Complete withdrawal" }).click();
    await panel.locator('[data-error="withdrawal_locked"]').waitFor();
    await anvil.client.request({ method: "evm_increaseTime" as never, params: [3601] as never });
    await anvil.client.request({ method: "evm_mine" as never, params: [] as never });
    await panel.getByRole("button", { name: "Complete withdrawal" }).click();
    await panel.locator('[data-outcome="ok"]').filter({ hasText: "Withdrawn" }).waitFor();
    assert.equal(await anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "depositOf", args: [me, ETH] }), 0n);
    await deposit.waitFor({ state: "detached" });
  });

  it("fits a 375 px wide phone screen; nothing broke the CSP, went to another host or was refused by /rpc", async () => {
    await page.goto(`${server.url}/#/`);
    await page.getByText("Live from outside the page").waitFor();
    // The fee change seen in the revert earlier is now the page's setting everywhere.
    assert.match(await page.locator(".compose__fee").textContent() ?? "", /Posting fee: 0\.00002 ETH/);
    await page.screenshot({ path: path.join(ARTIFACTS, "page.png") });
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
      await mkdir(path.join(ROOT, "docs"), { recursive: true });
      await copyFile(path.join(ARTIFACTS, "page.png"), path.join(ROOT, "docs/screenshot.png"));
    }

    await page.setViewportSize({ width: 375, height: 812 });
    await page.getByRole("heading", { name: "Latest posts" }).waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), "no horizontal scrolling at 375 px");
    await page.screenshot({ path: path.join(ARTIFACTS, "page-mobile.png"), fullPage: true });
    assert.deepEqual(outsideRequests, []);
    assert.deepEqual(refusedRpc, []);
    assert.deepEqual(pageErrors, []);
    // New accounts (#1, #2 had never posted) cause no 404 from the page's own reads.
    assert.deepEqual(consoleErrors, []);
  });

  it("says when the browser wallet refuses, and shows 'wrong network' with the expected chain id", async () => {
    const other = await context.newPage();
    // A stand-in EIP-1193 wallet on chain 1 whose user refuses the first connection request.
    // (A string: the test runner's transpiler may decorate functions with helpers the page lacks.)
    await other.addInitScript({
      content: `
        localStorage.clear();
        let refuse = true;
        const error = (code, message) => Object.assign(new Error(message), { code });
        window.ethereum = {
          async request({ method }) {
            if (method === "eth_requestAccounts") {
              if (refuse) { refuse = false; throw error(4001, "User rejected the request."); }
              return ["0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc"];
            }
            if (method === "eth_chainId") return "0x1";
            if (method === "eth_accounts") return [];
            throw error(4200, method + " is not supported");
          },
          on() {},
          removeListener() {},
        };`,
    });
    await other.goto(`${server.url}/`);
    const wallet = other.getByRole("region", { name: "Wallet" });
    await wallet.getByRole("button", { name: "Connect browser wallet" }).click();
    await wallet.locator('[data-error="rejected"]').waitFor();
    await wallet.getByRole("button", { name: "Connect browser wallet" }).click();
    await wallet.locator('[data-error="wrong_network"]').waitFor();
    assert.match(await wallet.locator('[data-error="wrong_network"]').textContent() ?? "", /chain 1, .*chain 31337/);
    // The stand-in wallet cannot switch (4200): the error is shown and the button stays, to try again.
    await wallet.getByRole("button", { name: "Switch wallet to chain 31337" }).click();
    await wallet.locator('[data-error]:not([data-error="wrong_network"])').waitFor();
    await wallet.getByRole("button", { name: "Switch wallet to chain 31337" }).waitFor();
    await other.getByLabel("Your post").fill("from the wrong chain");
    await other.getByRole("button", { name: "Post", exact: true }).click();
    await other.locator('.compose [data-error="wrong_network"]').waitFor();
    await other.screenshot({ path: path.join(ARTIFACTS, "page-wrong-network.png") });
    await other.close();
  });
});

describe("web page: error messages (errors.ts)", () => {
  const revert = (errorName: string, args?: readonly unknown[]) =>
    new ContractFunctionExecutionError(
      new ContractFunctionRevertedError({ abi: pennyPostAbi, data: encodeErrorResult({ abi: pennyPostAbi, errorName, args } as never), functionName: "post" }),
      { abi: pennyPostAbi, functionName: "post", args: [0n, "text"] },
    );

  it("reads contract errors from the error chain: EnforcedPause, PennyPostWrongFee with the new fee", () => {
    assert.equal(describeError(revert("EnforcedPause")).code, "paused");
    const wrongFee = describeError(revert("PennyPostWrongFee", [FEE, 2n * FEE]));
    assert.equal(wrongFee.code, "wrong_fee");
    assert.equal(wrongFee.requiredFee, 2n * FEE);
    assert.equal(describeError(revert("PennyPostContentTooLong", [1025n, 1024n])).code, "content_too_long");
  });

  it("recognises a rejected signature, missing funds, and the relay's 429 (with Retry-After), 502 and 503", () => {
    assert.equal(describeError(new BaseError("sending failed", { cause: new UserRejectedRequestError(new Error("User denied")) })).code, "rejected");
    assert.equal(describeError(new BaseError("estimate failed", { cause: new InsufficientFundsError() })).code, "insufficient_funds");
    const limited = describeError(new HttpRequestError({ url: "http://127.0.0.1/rpc", status: 429, headers: new Headers({ "retry-after": "7" }) }));
    assert.deepEqual([limited.code, limited.retryAfterSeconds], ["rate_limited", 7]);
    assert.equal(describeError(new HttpRequestError({ url: "http://127.0.0.1/rpc", status: 502 })).code, "chain_unavailable");
    assert.equal(describeError(new HttpRequestError({ url: "http://127.0.0.1/rpc", status: 503 })).code, "chain_unavailable");
  });

  it("maps the API's problem codes: 429, 503 chain_unavailable, 503 not_ready and the index's 503s with their reason, no answer", () => {
    assert.equal(describeError(new ApiError(429, "rate_limited", "", 30)).retryAfterSeconds, 30);
    assert.equal(describeError(new ApiError(503, "chain_unavailable", "")).code, "chain_unavailable");
    assert.equal(describeError(new ApiError(503, "not_ready", "catching up")).code, "not_ready");
    for (const code of ["chain_replaced", "index_halted", "node_unavailable", "index_ahead_of_chain", "index_off_chain"] as const) {
      const message = describeError(new ApiError(503, code, `because ${code}`));
      assert.equal(message.code, "not_ready", code);
      assert.match(message.message, new RegExp(`because ${code}`));
    }
    assert.equal(describeError(new ApiError(0, "network", "")).code, "network");
  });
});
