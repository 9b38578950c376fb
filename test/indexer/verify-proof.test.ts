/**
 * scripts/verify-proof.ts as a user runs it: a real anvil node with an anchored batch, the real
 * server (indexer + API) over HTTP, the script in its own Node process; and an API that lies.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

import { after, before, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree, encodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { pennyPostDomain, signAnchoredPost } from "../../lib/relayed.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { deployPennyPost, startAnvil, type Anvil } from "./anvil.ts";
import { removeTempDirs, silentLogger, tempDir } from "./helpers.ts";
import { LIES, lyingApi, type Lie } from "./lying-api.ts";
import { until } from "../support/wait.ts";

const FEE = 10n ** 13n;

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/verify-proof.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** Serves every proof with its first sibling changed. */
const tamperedSibling: Lie = {
  body: (path, body) => {
    if (path.endsWith("/proof") && body?.data?.proof !== undefined) {
      const first = body.data.proof[0] as string;
      body.data.proof[0] = `${first.slice(0, -1)}${first.endsWith("0") ? "1" : "0"}`;
    }
  },
};

describe("scripts/verify-proof.ts (anvil, real server)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let address: Hex;
  let server: RunningServer;
  let firstPostId: bigint;

  async function send(from: number, data: Hex, value = 0n) {
    const hash = await anvil.wallet(from).sendTransaction({ to: address, data, value, account: anvil.accounts[from], chain: undefined });
    const receipt = await anvil.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
  }

  before(async () => {
    anvil = await startAnvil();
    address = await deployPennyPost(anvil, FEE);
    await send(1, encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "a direct post"] }), FEE);
    await send(0, encodeFunctionData({ abi: pennyPostAbi, functionName: "setSequencer", args: [anvil.accounts[0].address, true] }));
    const domain = pennyPostDomain(await anvil.client.getChainId(), address);
    const posts: AnchoredPost[] = [];
    for (let i = 0; i < 5; i++) {
      const author = anvil.accounts[1 + (i % 3)];
      posts.push(await signAnchoredPost(author, domain, { author: author.address, parentId: 0n, content: `anchored ${i}`, seq: BigInt(i + 1), cumulativeFee: FEE * BigInt(i + 1) }));
    }
    firstPostId = 2n;
    const root = buildAnchorTree(posts).root as Hex;
    await send(0, encodeFunctionData({ abi: pennyPostAbi, functionName: "anchor", args: [root, 5n, encodeAnchorData(posts)] }));
    const config = loadConfig({ CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: address, DATA_DIR: await tempDir("verify"), HTTP_PORT: "0", POLL_INTERVAL_MS: "20" });
    server = await startServer(config, silentLogger);
    await until("the server to catch up", () => server.follower.status().caughtUp, { everyMs: 50 });
  });
  after(async () => {
    await server?.stop();
    await anvil?.stop();
    await removeTempDirs();
  });

  it("verifies an anchored post against the chain and exits 0", async () => {
    const { code, out } = await run([String(firstPostId + 3n), "--api", server.url, "--rpc", anvil.url]);
    assert.equal(code, 0, out);
    assert.match(out, /VERDICT: VERIFIED/);
    assert.match(out, /ok +the contract's verifyAnchoredPost accepts it/);
  });

  it("exits 1 for a direct post, which has no anchored proof", async () => {
    const { code, out } = await run(["1", "--api", server.url, "--rpc", anvil.url]);
    assert.equal(code, 1, out);
    assert.match(out, /not_anchored/);
    assert.match(out, /NOT VERIFIED/);
  });

  it("exits 1 when the API serves a tampered proof: the chain's root decides, not the API", async () => {
    const liar = await lyingApi(server.url, tamperedSibling);
    try {
      const { code, out } = await run([String(firstPostId), "--api", liar.url, "--rpc", anvil.url]);
      assert.equal(code, 1, out);
      assert.match(out, /FAIL +the proof of \(id, author, parent, content\) verifies off chain/);
      assert.match(out, /FAIL +the contract's verifyAnchoredPost accepts it/);
    } finally {
      await liar.close();
    }
  });

  // issue 16: a proxy that changed only the author and the parent got VERDICT: VERIFIED.
  for (const [name, lie, failed] of [
    ["author", LIES.author!, /FAIL +author: the post's author is the proven leaf's/],
    ["author everywhere", LIES["author everywhere"]!, /FAIL +the proof of \(id, author, parent, content\) verifies off chain/],
    ["parent", LIES.parent!, /FAIL +parent: the post's parent is the proven leaf's/],
    ["content", LIES.content!, /FAIL +content: the served content hashes to the proven leaf's contentHash/],
    ["id", LIES.id!, /FAIL +the proof of \(id, author, parent, content\) verifies off chain/],
    ["batch", LIES.batch!, /FAIL +batch: the post names the batch the proof is for/],
  ] as const) {
    it(`exits 1 when the API lies about the post's ${name}, naming what the chain does not prove`, async () => {
      const liar = await lyingApi(server.url, lie);
      try {
        const { code, out } = await run([String(firstPostId + 1n), "--api", liar.url, "--rpc", anvil.url]);
        assert.equal(code, 1, out);
        assert.match(out, failed);
        assert.match(out, /VERDICT: NOT VERIFIED: the API served post \d+ with something the chain does not prove/);
        assert.doesNotMatch(out, /VERDICT: VERIFIED/);
      } finally {
        await liar.close();
      }
    });
  }

  it("exits 2 with the usage on a malformed post id", async () => {
    const { code, out } = await run(["abc"]);
    assert.equal(code, 2);
    assert.match(out, /usage: node scripts\/verify-proof.ts/);
  });
});
