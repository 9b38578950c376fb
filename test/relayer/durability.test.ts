/**
 * Relayer durability: the server (server/main.ts, a child process, as deployed) is killed with
 * SIGKILL at random moments while clients keep sending signed actions, and restarted on the same
 * data. At the end every action it answered 202 for is included exactly once, and nothing it did
 * not acknowledge is included twice.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";

import { after, before, describe, it } from "mocha";
import { parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { pennyPostDomain, signAnchoredPost, signPost, type PennyPostDomain } from "../../lib/relayed.ts";
import { startCliChain, writeAs, type CliChain } from "../cli/helpers.ts";
import { freePort } from "../indexer/anvil.ts";
import { removeTempDirs, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";

/** Six in the suite; `KILLS=30 npx hardhat test mocha test/relayer/durability.test.ts` for the long run. */
const KILLS = Number(process.env.KILLS ?? 6);
const MODES = ["batched", "anchored-calldata", "anchored-hash"] as const;
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("relayer durability: SIGKILL with actions queued and submitted", function () {
  // Every wait below is for its condition, bounded by PATIENCE_MS; the test's bound is above them all.
  this.timeout((KILLS + 10) * PATIENCE_MS);
  let chain: CliChain;
  let domain: PennyPostDomain;
  let fee: bigint;
  let url: string;
  let env: Record<string, string>;
  const authors = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));

  const spawnServer = (): ChildProcess => spawn(process.execPath, ["server/main.ts"], { env: { ...process.env, ...env }, stdio: "ignore" });
  const up = () => until("the server to start", async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true);

  before(async () => {
    chain = await startCliChain();
    domain = pennyPostDomain(await chain.anvil.client.getChainId(), chain.pennyPost);
    fee = (await chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "postFee" })) as bigint;
    for (const a of authors) await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "deposit", args: [a.address], value: parseEther("0.1") });
    const port = await freePort();
    const dataDir = await tempDir("durability");
    url = `http://127.0.0.1:${port}`;
    env = {
      CHAIN_RPC_URL: chain.anvil.url, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: dataDir, RELAYER_DATA_DIR: `${dataDir}-relayer`,
      HTTP_PORT: String(port), LOG_LEVEL: "silent", POLL_INTERVAL_MS: "20", BATCH_INTERVAL_MS: "20", BATCH_MAX_ACTIONS: "6",
      RELAYER_RATE_PER_MINUTE: "100000",
    };
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  /** One author's client: sends its next action (nonce or seq from the relayer) until told to stop. */
  async function client(author: PrivateKeyAccount, index: number, running: () => boolean, acked: Map<string, string>, sent: Set<string>) {
    for (let i = 0; running(); i++) {
      const mode = MODES[(i + index) % MODES.length]!;
      const content = `author ${index} action ${i} ${mode} ${Math.random().toString(36).slice(2)}`;
      try {
        const state = ((await (await fetch(`${url}/v1/accounts/${author.address}/relay`)).json()) as any).data;
        let body: unknown;
        if (mode === "batched") {
          const message = { author: author.address, parentId: 0n, content, maxFee: fee, nonce: BigInt(state.nextNonce), deadline: 2n ** 40n };
          body = { type: "post", mode, message, signature: (await signPost(author, domain, message)).signature };
        } else {
          const message = { author: author.address, parentId: 0n, content, seq: BigInt(state.nextSeq), cumulativeFee: BigInt(state.cumulativeFee) + fee };
          body = { type: "post", mode, message, signature: (await signAnchoredPost(author, domain, message)).signature };
        }
        sent.add(content);
        const response = await fetch(`${url}/v1/actions`, { method: "POST", headers: { "content-type": "application/json" }, body: json(body) });
        if (response.status === 202) acked.set(content, ((await response.json()) as any).data.id);
      } catch {
        await sleep(20); // the server is down: try again with fresh state once it is back
      }
    }
  }

  it(`every 202-acknowledged action is included exactly once across ${KILLS} SIGKILLs`, async () => {
    const acked = new Map<string, string>();
    const sent = new Set<string>();
    for (let round = 0; round < KILLS; round++) {
      const child = spawnServer();
      await up();
      let running = true;
      const clients = authors.map((a, i) => client(a, i, () => running, acked, sent));
      // The kill comes once this round has had actions acknowledged (however slow the machine),
      // then at a random moment: with actions queued, batched or submitted.
      const before = acked.size;
      await until(`round ${round}: two actions acknowledged`, () => acked.size >= before + 2);
      await sleep(Math.floor(Math.random() * 400));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      running = false;
      await Promise.all(clients);
    }
    assert.ok(acked.size >= 10, `only ${acked.size} actions were acknowledged`);

    const child = spawnServer();
    try {
      await up();
      for (const [content, id] of acked) {
        await until(`acknowledged action ${id} (${content}) to be included`, async () => {
          const data = ((await (await fetch(`${url}/v1/actions/${id}`)).json()) as any).data;
          const status = data?.status ?? "missing";
          if (status === "rejected" || status === "missing") assert.fail(`acknowledged action ${id} (${content}) is ${status}: ${data?.reason ?? ""}`);
          return status === "included";
        });
      }
      // Everything indexed, read back through the API: each acknowledged text exactly once.
      const head = Number(await chain.anvil.client.getBlockNumber({ cacheTime: 0 }));
      await until(`the API to index block ${head}`, async () => {
        const status = (await (await fetch(`${url}/status`)).json()) as { indexedBlock: number | null };
        return (status.indexedBlock ?? -1) >= head;
      });
      const seen = new Map<string, number>();
      for (const author of authors) {
        let cursor: string | null = null;
        do {
          const page = (await (await fetch(`${url}/v1/authors/${author.address}/posts?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json()) as any;
          for (const post of page.data) seen.set(post.content, (seen.get(post.content) ?? 0) + 1);
          cursor = page.page?.next ?? null;
        } while (cursor !== null);
      }
      for (const content of acked.keys()) assert.equal(seen.get(content), 1, `"${content}" is on chain ${seen.get(content) ?? 0} times`);
      for (const [content, count] of seen) {
        assert.ok(sent.has(content), `"${content}" was never sent`);
        assert.equal(count, 1, `"${content}" is on chain ${count} times`);
      }
      console.log(`      ${acked.size} acknowledged, ${sent.size} sent, ${seen.size} on chain`);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
