/**
 * `--path relayer-http`: the product's write path measured end to end.
 *
 *  1. The npm start stack in its own process (npm-start.ts): hardhat node, the Ignition deployment
 *     (deployments/localhost.json), the server with its relayer, on free loopback ports, defaults.
 *  2. Before any timed window: N accounts (--authors, default 200) funded from test account #0 of
 *     the development mnemonic: `deposit(account)` on PennyPost for the relayed modes, ETH for the
 *     direct baseline's own transactions.
 *  3. The direct baseline on the same chain and API: one transaction per post, 64 in flight.
 *  4. Each relayed mode of --modes, open loop at --rate and/or closed loop (--loop): its actions
 *     signed ahead (nonces from `nonces(account)`, anchored seq from 1 and cumulative fees from
 *     `anchoredFeesPaid(account)`, carried from scenario to scenario by what the server accepted),
 *     then POSTed by the client lanes of relayer-http.ts and followed on /v1/stream.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { createPublicClient, encodeFunctionData, getAddress, http, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { pennyPostDomain } from "../../lib/relayed.ts";
import { startNpmStack, type NpmStack } from "./npm-start.ts";
import { RELAYER_HTTP_DEFAULTS, type BenchOptions } from "./options.ts";
import { scenarioLabel } from "./report.ts";
import { keepAliveClient, prepareActions, runRelayerScenario, type HttpAccount, type HttpClient, type RelayedMode } from "./relayer-http.ts";
import type { BenchUi, PathRun } from "./run.ts";
import { runScenario, type ScenarioContext } from "./scenario.ts";
import type { Scenario } from "./schema.ts";
import { benchAccounts, measureSigning, SIGNING_METHOD } from "./signer.ts";
import { directSubmitter, type Submitter } from "./submitters.ts";
import { createInclusionTracker, createSender, currentFees, sendAll, sendRaw, type SetupTx } from "./tx.ts";
import { openStream, streamVisibility, type ItemBook, type StreamConnection } from "./visibility.ts";
import { createPopulation, presignDirect, TIP_BASE, type Unit } from "./workload.ts";

/** Hardhat's and anvil's well-known development mnemonic (public keys, local chains only). */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Without --duration, a closed-loop window ends after this long at the latest. */
const MAX_CLOSED_LOOP_SECONDS = 600;
const RELAYED: readonly RelayedMode[] = ["batched", "anchored-calldata", "anchored-hash", "vouchers"];

const devKey = (index: number): Hex => `0x${Buffer.from(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!).toString("hex")}`;

interface Plan {
  mode: RelayedMode;
  loop: "open" | "closed";
  count: number;
  windowSeconds: number;
}

/** Scenarios of the relayed modes: how many actions each signs, and how long its window is. */
export function planRelayed(options: BenchOptions): Plan[] {
  const loops = options.http?.loops ?? ["closed"];
  const plans: Plan[] = [];
  for (const mode of options.modes) {
    if (mode === "direct") continue;
    for (const loop of loops) {
      const size = mode === "vouchers" ? options.tips : options.posts;
      if (loop === "open") {
        const rate = options.rate!;
        const windowSeconds = options.durationSeconds ?? size / rate;
        plans.push({ mode, loop, count: Math.max(1, Math.ceil(rate * windowSeconds)), windowSeconds });
      } else {
        // Enough to sustain the offered rate for the window, if there is one; else --posts (--tips).
        const count = options.rate !== undefined && options.durationSeconds !== undefined ? Math.ceil(options.rate * options.durationSeconds) : size;
        plans.push({ mode, loop, count, windowSeconds: options.durationSeconds ?? MAX_CLOSED_LOOP_SECONDS });
      }
    }
  }
  return plans;
}

/** Does the server take a JSON array on POST /v1/actions? Asked with an array of one invalid action (accepts nothing). */
export async function probeBatchForm(client: HttpClient): Promise<{ ok: boolean; note: string }> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const answer = await client.request("POST", "/v1/actions", "[{}]").catch((error: unknown) => ({ status: 0, headers: {}, body: String((error as Error).message) }));
    if (answer.status === 207) return { ok: true, note: "" };
    const problem = (() => {
      try {
        return JSON.parse(answer.body) as { code?: string; detail?: string };
      } catch {
        return {};
      }
    })();
    if ([400, 404, 405, 413, 415, 422].includes(answer.status)) {
      return {
        ok: false,
        note: `batch form not available: the server answered ${answer.status} ${problem.code ?? ""} to a JSON array on POST /v1/actions (${(problem.detail ?? answer.body).slice(0, 160)}), so every request carried one action (single form)`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
  }
  return { ok: false, note: "batch form not available: the server did not answer a JSON array with 207 after 5 tries, so every request carried one action (single form)" };
}

export async function runRelayerHttp(options: BenchOptions, ui: BenchUi): Promise<PathRun> {
  const settings = options.http ?? {
    authors: RELAYER_HTTP_DEFAULTS.authors, contentBytes: RELAYER_HTTP_DEFAULTS.contentBytes, form: "single" as const,
    connections: RELAYER_HTTP_DEFAULTS.connections.single, batchMax: RELAYER_HTTP_DEFAULTS.httpBatch, loops: ["closed" as const],
  };
  const dataDir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-npm-start-"));
  const logFile = path.join(tmpdir(), `pennypost-bench-server-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
  let stack: NpmStack | undefined;
  let stream: StreamConnection | undefined;
  let tracker: Awaited<ReturnType<typeof createInclusionTracker>> | undefined;
  const clients: HttpClient[] = [];
  try {
    const cpuProfileDir = options.profile ? path.join(tmpdir(), `pennypost-server-profile-${new Date().toISOString().replace(/[:.]/g, "-")}`) : undefined;
    if (cpuProfileDir !== undefined) ui.log(`--profile: the server's CPU profile goes to ${cpuProfileDir} when it stops`);
    stack = await startNpmStack({ dataDir, logFile, log: ui.log, cpuProfileDir });
    const { apiUrl, chainUrl } = stack;
    const client = createPublicClient({ transport: http(chainUrl, { batch: true, retryCount: 0, timeout: 120_000 }) }) as PublicClient;
    const sendClient = createPublicClient({ transport: http(chainUrl, { retryCount: 0, timeout: 120_000 }) }) as PublicClient;
    const chainId = await client.getChainId();
    const contract = getAddress(stack.deployment.contracts.PennyPost);
    const postFee = await client.readContract({ address: contract, abi: pennyPostAbi, functionName: "postFee" });
    const domain = pennyPostDomain(chainId, contract);
    const signers = benchAccounts(options.seed, settings.authors);
    const population = createPopulation(options.seed, domain, postFee, settings.contentBytes, signers);
    const presign = await measureSigning(population);
    ui.log(`npm start stack: API ${apiUrl}, chain ${chainUrl} (chain id ${chainId}), PennyPost ${contract}; server log ${logFile}`);
    ui.log(`Pre-signing: ${Math.round(presign.signaturesPerSecond)} signatures/s (${SIGNING_METHOD})`);

    // One route for the stream's announcements: whichever scenario runs.
    let handler: ((key: string, at: number, postId?: string) => void) | undefined;
    const route = (key: string, at: number, postId?: string) => handler?.(key, at, postId);
    stream = await openStream(apiUrl, route);
    let reopening: Promise<void> | undefined;
    let reopened = 0;
    const keepStreamOpen = (): Promise<void> => {
      if (stream?.error() === undefined || reopening !== undefined || reopened >= 1_000) return reopening ?? Promise.resolve();
      reopening = (async () => {
        stream?.close();
        reopened++;
        stream = await openStream(apiUrl, route).catch(() => stream);
      })().finally(() => (reopening = undefined));
      return reopening;
    };

    const checkClient = keepAliveClient(apiUrl, 8);
    clients.push(checkClient);
    const relayState = async (account: Address) => {
      const answer = await checkClient.request("GET", `/v1/accounts/${account}/relay`).catch(() => undefined);
      if (answer?.status !== 200) return undefined;
      return (JSON.parse(answer.body) as { data: { relayer: Address; nextNonce: string; nextSeq: string; cumulativeFee: string; pending?: number; voucher: { cumulativeAmount: string; tipsHash: Hex } } }).data;
    };
    const relayer = getAddress((await relayState(signers[0]!.address))?.relayer ?? mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 9 }).address);

    let form = settings.form;
    let formNote = "";
    if (form === "batch") {
      const probe = await probeBatchForm(checkClient);
      if (!probe.ok) {
        form = "single";
        formNote = probe.note;
        ui.log(`relayer-http: ${probe.note}`);
      }
    }

    // ---- funding, before any timed window
    const fees = await currentFees(client);
    const sender = await createSender(client, devKey(0), chainId, fees, sendClient);
    tracker = await createInclusionTracker(client);
    const plans = planRelayed(options);
    const n = signers.length;
    const relayedPerAccount = plans.reduce((sum, p) => sum + Math.ceil(p.count / n) + 1, 0);
    const tipsPerAccount = plans.filter((p) => p.mode === "vouchers").reduce((sum, p) => sum + Math.ceil(p.count / n), 0);
    const deposit = BigInt(relayedPerAccount) * postFee + BigInt(tipsPerAccount) * (TIP_BASE * 4n) + parseEther("0.01");
    const directCount = options.directPosts;
    const directGasLimit = await (async () => {
      const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "x".repeat(settings.contentBytes)] });
      const estimate = await client.estimateGas({ account: sender.address, to: contract, data, value: postFee });
      return (estimate * 12n) / 10n + 10_000n;
    })();
    const eth = BigInt(Math.ceil(directCount / n) + 1) * (postFee + directGasLimit * fees.maxFeePerGas) + parseEther("0.01");
    const txs: SetupTx[] = [];
    for (const s of signers) {
      txs.push({ to: contract, data: encodeFunctionData({ abi: pennyPostAbi, functionName: "deposit", args: [s.address] }), value: deposit, gas: 200_000n });
      txs.push({ to: s.address, value: eth, gas: 21_000n });
    }
    ui.log(`Funding ${n} accounts from test account #0: deposit(account) of ${Number(deposit) / 1e18} ETH each, and ${Number(eth) / 1e18} ETH for the direct baseline`);
    await sendAll({ sender, tracker, client }, txs);

    // The accounts' signing state, from the chain.
    const accounts: HttpAccount[] = await Promise.all(signers.map(async (signer) => {
      const [nonce, paid, voucher] = await Promise.all([
        client.readContract({ address: contract, abi: pennyPostAbi, functionName: "nonces", args: [signer.address] }),
        client.readContract({ address: contract, abi: pennyPostAbi, functionName: "anchoredFeesPaid", args: [signer.address] }),
        client.readContract({ address: contract, abi: pennyPostAbi, functionName: "voucherState", args: [signer.address, "0x0000000000000000000000000000000000000000"] }),
      ]);
      const [cumulativeAmount, tipsHash] = voucher as readonly [bigint, Hex];
      return {
        signer, address: signer.address, nonce: nonce as bigint, seq: 0n, cumulativeFee: paid as bigint,
        voucher: { cumulativeAmount, tipsHash: cumulativeAmount === 0n ? (`0x${"0".repeat(64)}` as Hex) : tipsHash },
      };
    }));

    const scenarios: Scenario[] = [];
    const latencyCurves: PathRun["latencyCurves"] = [];
    const visibilityTimeoutMs = options.visibilityTimeoutSeconds * 1000;

    // ---- the direct baseline: one transaction per post, 64 in flight, on the same chain and API
    {
      const signBar = ui.bar("sign direct (npm start)", directCount);
      const nonces = await Promise.all(signers.map((s) => client.getTransactionCount({ address: s.address, blockTag: "pending" })));
      const units = await presignDirect(population, directCount, { to: contract, gas: directGasLimit, fees, chainId, nonces }, signBar.update);
      signBar.stop();
      let book: ItemBook | undefined;
      handler = (key, at) => book?.see(key, at);
      const context: ScenarioContext = {
        apiUrl, tracker, chainPid: stack.chainPid, concurrency: RELAYER_HTTP_DEFAULTS.directConcurrency, durationSeconds: options.durationSeconds,
        visibilityTimeoutMs, setBook: (b) => (book = b), stack: "npm-start", serverPid: stack.pid,
      };
      await keepStreamOpen();
      const bar = ui.bar("run  direct (npm start)", directCount);
      const outcome = await runScenario(
        { ...context, onProgress: (visible) => bar.update(visible) }, "direct", 1, units as Unit<unknown>[],
        directSubmitter((raw) => sendRaw(sendClient, raw)) as Submitter<unknown>, streamVisibility(),
      );
      bar.stop();
      handler = undefined;
      const s = outcome.scenario;
      scenarios.push(s);
      latencyCurves.push({ label: "direct (npm start)", mode: "direct", batchSize: 1, points: outcome.latencyCurve });
      ui.log(`direct (npm start, ${RELAYER_HTTP_DEFAULTS.directConcurrency} in flight): ${Math.round(s.postsPerSecond)} posts/s, p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms`);
    }

    // ---- the relayed modes through POST /v1/actions
    let tipTargets: { postId: bigint; author: Address }[] | undefined;
    for (const plan of plans) {
      const label = `${plan.mode} relayer-http ${plan.loop === "open" ? `open ${options.rate}/s` : "closed"} (${form})`;
      if (!RELAYED.includes(plan.mode)) continue;
      // Earlier scenarios' actions still waiting at the relayer would be measured with this one: wait
      // for the relayer to include them (bounded), then take the relayer's view of each account.
      const drainStarted = performance.now();
      const drainTimeoutMs = 3 * visibilityTimeoutMs;
      let states = await Promise.all(accounts.map((a) => relayState(a.address)));
      let pendingAtStart = states.reduce((sum, st) => sum + (st?.pending ?? 0), 0);
      if (pendingAtStart > 0) ui.log(`${label}: waiting (at most ${drainTimeoutMs / 1000} s) for the relayer to include ${pendingAtStart} pending action(s) of earlier scenarios`);
      while (pendingAtStart > 0 && performance.now() - drainStarted < drainTimeoutMs) {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        states = await Promise.all(accounts.map((a) => relayState(a.address)));
        pendingAtStart = states.reduce((sum, st) => sum + (st?.pending ?? 0), 0);
      }
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      if (pendingAtStart > 0) ui.log(`${label}: starts with ${pendingAtStart} action(s) of earlier scenarios still pending at the relayer`);
      let resynced = 0;
      states.forEach((state, j) => {
        if (state === undefined) return;
        const a = accounts[j]!;
        const server = { nonce: BigInt(state.nextNonce), seq: BigInt(state.nextSeq) - 1n, cumulativeFee: BigInt(state.cumulativeFee) };
        if (server.nonce !== a.nonce || server.seq !== a.seq || server.cumulativeFee !== a.cumulativeFee
          || BigInt(state.voucher.cumulativeAmount) !== a.voucher.cumulativeAmount) {
          resynced++;
          Object.assign(a, server, { voucher: { cumulativeAmount: BigInt(state.voucher.cumulativeAmount), tipsHash: state.voucher.tipsHash } });
        }
      });
      if (resynced > 0) ui.log(`${label}: ${resynced} account(s) taken up at the relayer's state (GET /v1/accounts/:address/relay) instead of the one computed here`);
      if (plan.mode === "vouchers") {
        tipTargets ??= await (async () => {
          const answer = await checkClient.request("GET", "/v1/posts?limit=100").catch(() => undefined);
          const posts = answer?.status === 200 ? (JSON.parse(answer.body) as { data: { id: string; author: Address }[] }).data : [];
          return posts.map((p) => ({ postId: BigInt(p.id), author: getAddress(p.author) }));
        })();
        if (tipTargets.length === 0) {
          const reason = "no post to tip (GET /v1/posts returned none)";
          ui.log(`${label}: skipped: ${reason}`);
          continue;
        }
      }
      const signBar = ui.bar(`sign ${plan.mode} (${plan.loop})`, plan.count);
      const prepared = await prepareActions(plan.mode, population, accounts, plan.count, tipTargets ?? [], signBar.update);
      signBar.stop();
      const lanesClient = keepAliveClient(apiUrl, settings.connections);
      clients.push(lanesClient);
      const bar = ui.bar(`run  ${plan.mode} (${plan.loop})`, plan.count);
      const { scenario: s, latencyCurve } = await runRelayerScenario({
        apiUrl, client: lanesClient, checkClient, chain: client, chainUnbatched: sendClient, contract, relayer, chainPid: stack.chainPid, serverPid: stack.pid,
        form, formNote: resynced > 0 ? [formNote, `${resynced} account(s) resynced from the relayer before signing`].filter((x) => x !== "").join("; ") : formNote,
        connections: settings.connections, batchMax: settings.batchMax, visibilityTimeoutMs,
        watch: (h) => (handler = h), keepStreamOpen, streamDrops: () => reopened, onProgress: (visible) => bar.update(visible), pendingAtStart, drainSeconds,
        relayerPending: async () => (await Promise.all(accounts.map((a) => relayState(a.address)))).reduce((sum, st) => sum + (st?.pending ?? Number.NaN), 0),
      }, prepared, plan.loop, plan.loop === "open" ? options.rate : undefined, plan.windowSeconds);
      bar.stop();
      lanesClient.close();
      scenarios.push(s);
      latencyCurves.push({ label: scenarioLabel(s), mode: plan.mode, batchSize: s.batchSize, points: latencyCurve });
      const h = s.http!;
      const codes = Object.entries(h.rejections).map(([code, c]) => `${c}× ${code}`).join(", ");
      ui.log(
        `${scenarioLabel(s)}: accepted ${h.accepted} (${Math.round(h.acceptedPerSecond)}/s, accept p50 ${h.acceptLatencyMs.p50} ms p99 ${h.acceptLatencyMs.p99} ms), ` +
        `visible ${h.visible} (${Math.round(s.mode === "vouchers" ? s.tipsPerSecond : s.postsPerSecond)}/s, p50 ${s.latencyMs.p50} ms p99 ${s.latencyMs.p99} ms), ` +
        `${h.requests} requests, unsent at the window's end ${h.unsentAtWindowEnd}${codes ? `, non-2xx: ${codes}` : ""}`,
      );
    }

    const clientVersion = await client.request({ method: "web3_clientVersion" }).catch(() => "unknown");
    const chain = { backend: "hardhat" as const, url: chainUrl, chainId, clientVersion: String(clientVersion) };
    return {
      scenarios, latencyCurves, profiles: [], presign, contract, chain,
      npmStart: { command: stack.command, env: stack.env, apiUrl, chain: { url: chainUrl, chainId, clientVersion: String(clientVersion) }, contract, relayer, log: logFile },
    };
  } finally {
    for (const c of clients) c.close();
    stream?.close();
    await tracker?.stop();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
