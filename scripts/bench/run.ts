/**
 * The throughput bench end to end (called by throughput.ts and the smoke test), one part per
 * --path:
 *  - in-process-sequencer: a chain, the contract deployed fresh, the real indexer + API in-process
 *    (server/main.ts startServer) on a temp LevelDB, authors funded and deposited, then every
 *    scenario (mode x batch size) in turn, the bench sending the batches itself;
 *  - relayer-http: the npm start stack in its own process, a direct baseline on its chain, then
 *    the relayed modes through POST /v1/actions (relayer-run.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";

import { pino } from "pino";
import { createPublicClient, createWalletClient, encodeEventTopics, encodeFunctionData, http, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree, contentHash, type AnchoredPost, type AnchorTree } from "../../lib/anchored.ts";
import { pennyPostDomain } from "../../lib/relayed.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { externalChain, readArtifact, startChain, type ChainNode } from "./chain.ts";
import { benchEnvironment } from "./environment.ts";
import { traceGas } from "./gas-trace.ts";
import { windowProfiler, type Profile } from "./profile.ts";
import type { BenchOptions, Mode } from "./options.ts";
import type { Results, Scenario } from "./schema.ts";
import { resultsSchema } from "./schema.ts";
import { countSkipped, runScenario, skippedScenario, type ScenarioContext } from "./scenario.ts";
import { runRelayerHttp } from "./relayer-run.ts";
import { benchAccounts, measureSigning, SIGNING_METHOD } from "./signer.ts";
import { SOURCES } from "./sources.ts";
import { anchoredSubmitter, batchedSubmitter, directSubmitter, voucherSubmitter, type Submitter } from "./submitters.ts";
import { createInclusionTracker, createSender, currentFees, sendAll, sendRaw, type Fees, type InclusionTracker, type RawReceipt, type Sender, type SetupTx } from "./tx.ts";
import { anchoredVisibility, openStream, streamVisibility, type ItemBook } from "./visibility.ts";
import { createPopulation, saveSigningState, presignAnchored, presignBatched, presignDirect, presignVouchers, type Population, type Unit } from "./workload.ts";

/** The public development key #0 of Hardhat and anvil (test use only). */
const DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** The sequencer's store of hash-mode batch data (dataHash -> data), shared with the in-process indexer. */
const anchorStore = new Map<string, Hex>();
export const POST_FEE = 10n ** 13n;
const TIP_FEE_BPS = 250n;
const TX_CAP = BigInt(SOURCES.txGasCap.value);
const POSTED_TOPIC = encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted" })[0]!.toLowerCase();

export interface BenchUi {
  log(line: string): void;
  bar(label: string, total: number): { update(done: number): void; stop(): void };
}

export interface BenchRun {
  results: Results;
  latencyCurves: { label: string; mode: Mode; batchSize: number; points: { percentile: number; ms: number }[] }[];
  /** --profile: each scenario's raw CPU profile (written as <file>.cpuprofile). */
  profiles: { file: string; profile: Profile }[];
}

/** What one --path part of a run measured. */
export interface PathRun {
  scenarios: Scenario[];
  latencyCurves: BenchRun["latencyCurves"];
  profiles: BenchRun["profiles"];
  chain: Results["environment"]["chain"];
  contract: string;
  presign: Results["presign"];
  npmStart?: Results["environment"]["npmStart"];
}

/** Every --path in turn, into one results.json. */
export async function runBench(options: BenchOptions, ui: BenchUi): Promise<BenchRun> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const parts: PathRun[] = [];
  for (const p of options.paths) parts.push(p === "relayer-http" ? await runRelayerHttp(options, ui) : await runInProcess(options, ui));
  const first = parts[0]!;
  const npmStart = parts.find((part) => part.npmStart !== undefined)?.npmStart;
  const results: Results = {
    schemaVersion: 2,
    startedAt,
    environment: { ...benchEnvironment(first.chain, first.contract, options, loadAtStart), ...(npmStart ? { npmStart } : {}) },
    presign: first.presign,
    scenarios: parts.flatMap((part) => part.scenarios),
  };
  return { results: resultsSchema.parse(results), latencyCurves: parts.flatMap((part) => part.latencyCurves), profiles: parts.flatMap((part) => part.profiles) };
}

interface Stack {
  chain: ChainNode;
  client: PublicClient;
  /** For eth_sendRawTransaction: not batched. */
  sendClient: PublicClient;
  chainId: number;
  contract: Address;
  deployBlock: bigint;
  sender: Sender;
  fees: Fees;
  tracker: InclusionTracker;
  server: RunningServer;
  dataDir: string;
}

async function runInProcess(options: BenchOptions, ui: BenchUi): Promise<PathRun> {
  const chain = options.rpc ? externalChain(options.rpc) : await startChain(options.chain);
  let stack: Stack | undefined;
  let stream: Awaited<ReturnType<typeof openStream>> | undefined;
  try {
    stack = await setUp(chain, options, ui);
    const { client, contract, sender, tracker, server } = stack;
    let book: ItemBook | undefined;
    stream = await openStream(server.url, (key, at) => book?.see(key, at));
    const domain = pennyPostDomain(stack.chainId, contract);
    const authors = benchAccounts(options.seed, options.authors);
    const population = createPopulation(options.seed, domain, POST_FEE, options.contentBytes, authors);
    const presign = await measureSigning(population);
    ui.log(`Pre-signing: ${Math.round(presign.signaturesPerSecond)} signatures/s (${SIGNING_METHOD}); viem signTypedData: ${Math.round(presign.viemSignTypedDataPerSecond)}/s`);
    await fundAuthors(stack, options, authors.map((a) => a.address));

    const context: ScenarioContext = {
      apiUrl: server.url, tracker, chainPid: chain.pid, concurrency: options.concurrency, durationSeconds: options.durationSeconds, rate: options.rate,
      visibilityTimeoutMs: options.visibilityTimeoutSeconds * 1000, setBook: (b) => (book = b),
      profiler: options.profile ? windowProfiler() : undefined,
    };
    const profiles: BenchRun["profiles"] = [];
    const scenarios: Scenario[] = [];
    const latencyCurves: BenchRun["latencyCurves"] = [];
    let voucherTargets: { postId: bigint; author: Address }[] | undefined;
    const gasLimit = async (data: Hex | undefined): Promise<bigint | string> => {
      if (data === undefined) return 0n;
      try {
        const estimate = await client.estimateGas({ account: sender.address, to: contract, data });
        if (estimate > TX_CAP) return `one transaction would need ${estimate} gas, above the 2^24 cap (EIP-7825)`;
        const limit = (estimate * 13n) / 10n + 50_000n;
        return limit > TX_CAP ? TX_CAP : limit;
      } catch (error) {
        return `the node refused to estimate the batch: ${String((error as Error).message).split("\n")[0]}`;
      }
    };

    for (const mode of options.modes) {
      const sizes = mode === "direct" ? [1] : options.batchSizes;
      for (const batchSize of sizes) {
        const label = mode === "direct" ? mode : `${mode} x${batchSize}`;
        const count = mode === "vouchers" ? options.tips : mode === "direct" ? options.directPosts : options.posts;
        const signBar = ui.bar(`sign ${label}`, count);
        const restoreSigningState = saveSigningState(population);
        let units: Unit<unknown>[];
        let submitter: Submitter<unknown>;
        let afterWindow: ((submitted: number) => Promise<RawReceipt[]>) | undefined;
        let gas = 0n;
        const gasOf = () => gas;
        if (mode === "direct") {
          const direct = await directGas(stack, population);
          const nonces = await Promise.all(authors.map((a) => client.getTransactionCount({ address: a.address, blockTag: "pending" })));
          units = await presignDirect(population, count, { to: contract, gas: direct, fees: stack.fees, chainId: stack.chainId, nonces }, signBar.update);
          submitter = directSubmitter((raw) => sendRaw(stack!.sendClient, raw)) as Submitter<unknown>;
        } else if (mode === "batched") {
          units = await presignBatched(population, count, batchSize, signBar.update);
          submitter = batchedSubmitter(sender, contract, gasOf) as Submitter<unknown>;
        } else if (mode === "vouchers") {
          voucherTargets ??= await makeTipTargets(stack, population);
          units = await presignVouchers(population, count, batchSize, voucherTargets, signBar.update);
          submitter = voucherSubmitter(sender, contract, gasOf) as Submitter<unknown>;
        } else {
          const anchoredUnits = await presignAnchored(population, count, batchSize, signBar.update);
          units = anchoredUnits;
          const first = (await client.readContract({ address: contract, abi: pennyPostAbi, functionName: "postCount" })) + 1n;
          submitter = anchoredSubmitter(mode, sender, contract, gasOf, first, anchorStore) as Submitter<unknown>;
          // Only what was anchored: a --duration run leaves pre-signed posts unsent.
          afterWindow = (submitted) => settleAnchoredFees(stack as Stack, anchoredUnits.slice(0, submitted));
        }
        signBar.stop();
        const limit = await gasLimit(submitter.encode(units[0]!));
        if (typeof limit === "string") {
          ui.log(`${label}: skipped: ${limit}`);
          scenarios.push(skippedScenario(mode, batchSize, limit));
          restoreSigningState(); // its actions were never sent: the next scenario reuses their nonces
          continue;
        }
        gas = limit;
        // The server drops a stream client that falls behind (a big anchored scenario publishes a
        // lot): a scenario that watches the stream gets a live one.
        if (!mode.startsWith("anchored") && stream.error() !== undefined) {
          stream.close();
          stream = await openStream(server.url, (key, at) => book?.see(key, at));
        }
        const visibleBar = ui.bar(`run  ${label}`, count);
        const outcome = await runScenario(
          { ...context, onProgress: (visible) => visibleBar.update(visible) }, mode, batchSize, units, submitter,
          mode.startsWith("anchored") ? anchoredVisibility(server.url, context.visibilityTimeoutMs) : streamVisibility(), afterWindow,
        );
        visibleBar.stop();
        const s = outcome.scenario;
        const traced = outcome.receipts.at(-1);
        if (options.profile && mode === "batched" && traced !== undefined) {
          // Where the gas goes, opcode by opcode, in the scenario's last transaction.
          const items = traced.logs.filter((log) => log.topics[0]?.toLowerCase() === POSTED_TOPIC).length;
          const tx = await client.getTransaction({ hash: traced.transactionHash });
          s.gasProfile = await traceGas(client, traced.transactionHash, tx.input, Math.max(items, 1)).catch((error: unknown) => {
            ui.log(`${label}: no gas trace (${String((error as Error).message ?? error).split("\n")[0]})`);
            return undefined;
          });
          if (s.gasProfile === undefined) delete s.gasProfile;
        }
        if (outcome.profile) profiles.push({ file: `${label.replace(/ x/, "-x")}.cpuprofile`, profile: outcome.profile.profile });
        scenarios.push(s);
        latencyCurves.push({ label, mode, batchSize, points: outcome.latencyCurve });
        const rate = mode === "vouchers" ? `${Math.round(s.tipsPerSecond)} tips/s, ${Math.round(s.gasPerTip ?? 0)} gas/tip` : `${Math.round(s.postsPerSecond)} posts/s, ${Math.round(s.gasPerPost ?? 0)} gas/post`;
        ui.log(`${label}: ${rate}, p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms (${s.visibility.method})`);
      }
    }

    context.profiler?.close();
    const clientVersion = await client.request({ method: "web3_clientVersion" }).catch(() => "unknown");
    return {
      scenarios, latencyCurves, profiles, presign, contract,
      chain: { backend: chain.backend, url: chain.url, chainId: stack.chainId, clientVersion: String(clientVersion) },
    };
  } finally {
    stream?.close();
    if (stack) {
      await stack.tracker.stop();
      await stack.server.stop();
      await rm(stack.dataDir, { recursive: true, force: true });
    }
    await chain.stop();
  }
}

async function setUp(chain: ChainNode, options: BenchOptions, ui: BenchUi): Promise<Stack> {
  const client = createPublicClient({ transport: http(chain.url, { batch: true, retryCount: 0, timeout: 120_000 }) }) as PublicClient;
  const chainId = await client.getChainId();
  const key = options.privateKey ?? DEV_KEY;
  const account = privateKeyToAccount(key);
  const wallet = createWalletClient({ account, transport: http(chain.url) });
  const { bytecode } = await readArtifact();
  const deployHash = await wallet.deployContract({ abi: pennyPostAbi, bytecode, args: [account.address, account.address, POST_FEE, TIP_FEE_BPS], chain: null });
  const deployed = await client.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
  const contract = deployed.contractAddress as Address;
  const fees = await currentFees(client);
  // Transactions go through their own client, without JSON-RPC batching: a batch of several
  // anchor transactions (~1 MB of hex each) is a body the node refuses.
  const sendClient = createPublicClient({ transport: http(chain.url, { retryCount: 0, timeout: 120_000 }) }) as PublicClient;
  const sender = await createSender(client, key, chainId, fees, sendClient);
  const tracker = await createInclusionTracker(client);
  const stackWithoutServer = { chain, client, sendClient, chainId, contract, deployBlock: deployed.blockNumber, sender, tracker, fees };
  await sendAll(stackWithoutServer, [{ to: contract, data: encodeFunctionData({ abi: pennyPostAbi, functionName: "setSequencer", args: [account.address, true] }), gas: 200_000n }]);

  const dataDir = await mkdtemp(path.join(tmpdir(), "pennypost-bench-index-"));
  const config = loadConfig({
    CHAIN_RPC_URL: chain.url, PENNYPOST_ADDRESS: contract, START_BLOCK: String(deployed.blockNumber), DATA_DIR: dataDir,
    HTTP_HOST: "127.0.0.1", HTTP_PORT: "0", POLL_INTERVAL_MS: "20", LOG_LEVEL: "silent", RATE_LIMIT_PER_MINUTE: "10000000",
    WEB_DIR: path.join(dataDir, "no-web"), MAX_PAGE_SIZE: "1000",
    // The bench is its own relayer and sequencer (see submitters.ts); the server's stays off.
    RELAYER: "off",
  });
  // Hash-mode batch data, as the sequencer keeps it: the indexer reads it from here.
  const server = await startServer(config, pino({ level: "silent" }), { anchorData: { get: async (hash) => anchorStore.get(hash.toLowerCase()) } });
  for (let i = 0; !(await fetch(`${server.url}/ready`)).ok; i++) {
    if (i > 300) throw new Error("the indexer did not become ready within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  ui.log(`Chain ${chain.backend} at ${chain.url} (chain id ${chainId}); PennyPost ${contract}; API ${server.url}`);
  return { ...stackWithoutServer, server, dataDir };
}

/** Deposits for the relayed modes (deposit(account)) and ETH for the direct mode's own transactions. */
async function fundAuthors(stack: Stack, options: BenchOptions, authors: Address[]): Promise<void> {
  const perAuthor = (n: number) => BigInt(Math.ceil(n / authors.length) + 1);
  const relayedScenarios = options.modes.filter((m) => m === "batched" || m.startsWith("anchored")).length * options.batchSizes.length;
  const deposit = perAuthor(options.posts) * BigInt(relayedScenarios + 1) * POST_FEE + perAuthor(options.tips) * BigInt(options.batchSizes.length) * 10n ** 12n + parseEther("0.01");
  const txs: SetupTx[] = authors.map((a) => ({ to: stack.contract, data: encodeFunctionData({ abi: pennyPostAbi, functionName: "deposit", args: [a] }), value: deposit, gas: 200_000n }));
  if (options.modes.includes("direct")) {
    const eth = perAuthor(options.directPosts) * (POST_FEE + 400_000n * stack.fees.maxFeePerGas) + parseEther("0.01");
    for (const a of authors) txs.push({ to: a, value: eth, gas: 21_000n });
  }
  await sendAll(stack, txs);
}

/** Gas limit of a direct post: the node's estimate for author #0 + 20%. */
async function directGas(stack: Stack, population: Population): Promise<bigint> {
  const content = "x".repeat(population.contentBytes);
  const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, content] });
  const estimate = await stack.client.estimateGas({ account: population.authors[0]!.address, to: stack.contract, data, value: POST_FEE });
  return (estimate * 12n) / 10n + 10_000n;
}

/** One batched post per author (setup, untimed): what the vouchers tip. */
async function makeTipTargets(stack: Stack, population: Population): Promise<{ postId: bigint; author: Address }[]> {
  const [unit] = await presignBatched(population, population.authors.length, population.authors.length, () => {});
  const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "submitBatch", args: [unit!.payload, []] });
  const estimate = await stack.client.estimateGas({ account: stack.sender.address, to: stack.contract, data });
  const [receipt] = await sendAll(stack, [{ to: stack.contract, data, gas: (estimate * 13n) / 10n }]);
  const posted = receipt!.logs.filter((log) => log.topics[0]?.toLowerCase() === POSTED_TOPIC);
  if (posted.length === 0) throw new Error(`the tip targets' batch posted nothing (${countSkipped([receipt!])} actions skipped): the authors' nonces are out of step`);
  return posted.map((log) => ({ postId: BigInt(log.topics[1]!), author: `0x${log.topics[2]!.slice(26)}` as Address }));
}

/** settleAnchoredFees with each author's newest anchored post of the scenario, 128 authors per call. */
async function settleAnchoredFees(stack: Stack, units: Unit<AnchoredPost[]>[]): Promise<RawReceipt[]> {
  // Each fee names where its post was anchored (the contract pays none for a post it cannot find):
  // a unit's root names its batch in the Anchored logs.
  const anchoredLogs = await stack.client.getContractEvents({ address: stack.contract, abi: pennyPostAbi, eventName: "Anchored", fromBlock: stack.deployBlock });
  const batchOf = new Map(anchoredLogs.map((log) => [log.args.root!.toLowerCase(), log.args.batchId!]));
  const newest = new Map<Address, { post: AnchoredPost; batchId: bigint; index: number; tree: AnchorTree }>();
  for (const unit of units) {
    const tree = buildAnchorTree(unit.payload);
    const batchId = batchOf.get(tree.root.toLowerCase());
    if (batchId === undefined) throw new Error(`no Anchored event has the root ${tree.root} of a submitted unit`);
    for (const [index, post] of unit.payload.entries()) newest.set(post.author, { post, batchId, index, tree });
  }
  const items = [...newest.values()].map(({ post: p, batchId, index, tree }) => ({
    author: p.author, parentId: p.parentId, contentHash: contentHash(p.content), seq: p.seq, cumulativeFee: p.cumulativeFee, signature: p.signature,
    batchId, index: BigInt(index), proof: tree.proof(index),
  }));
  const txs: SetupTx[] = [];
  for (let i = 0; i < items.length; i += 128) {
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "settleAnchoredFees", args: [items.slice(i, i + 128)] });
    const estimate = await stack.client.estimateGas({ account: stack.sender.address, to: stack.contract, data });
    txs.push({ to: stack.contract, data, gas: (estimate * 13n) / 10n });
  }
  return sendAll(stack, txs);
}

