/**
 * The relayer end to end, as clients use it: signed actions over HTTP to a real server (indexer +
 * API + relayer) following a real anvil with PennyPostLocal deployed (test account #9 is the relayer
 * and the sequencer), each mode carried to the chain and visible through the API.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { after, before, describe, it } from "mocha";
import { parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import {
  verifyAnchorProof,
} from "../../lib/anchored.ts";
import {
  ETH,
  ZERO_HASH,
  extendVoucher,
  pennyPostDomain,
  signAnchoredPost,
  signPost,
  signTip,
  signVoucher,
  type PennyPostDomain,
} from "../../lib/relayed.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { startCliChain, untilIndexed, writeAs, type CliChain } from "../cli/helpers.ts";
import { removeTempDirs, silentLogger, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS, until as waitFor } from "../support/wait.ts";

const FAR = 2n ** 40n;
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

describe("relayer: POST /v1/actions to the chain (anvil, real server)", function () {
  // Each wait is for its condition, bounded by PATIENCE_MS; a test's bound is above its waits.
  this.timeout(5 * PATIENCE_MS);
  let chain: CliChain;
  let server: RunningServer;
  let domain: PennyPostDomain;
  let fee: bigint;
  const author = privateKeyToAccount(generatePrivateKey());
  const tipper = privateKeyToAccount(generatePrivateKey());

  const send = async (body: unknown, url = server.url) => {
    const response = await fetch(`${url}/v1/actions`, { method: "POST", headers: { "content-type": "application/json" }, body: json(body) });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const accepted = async (body: unknown) => {
    const res = await send(body);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.headers.get("location"), `/v1/actions/${res.body.data.id}`);
    return res.body.data.id as string;
  };
  const refused = async (body: unknown, code: string, status = 422) => {
    const res = await send(body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.headers.get("content-type")?.startsWith("application/problem+json"), true);
    assert.equal(res.body.code, code, JSON.stringify(res.body));
    return res;
  };
  const until = async (id: string, status = "included") => {
    let data: any;
    for (const deadline = performance.now() + PATIENCE_MS; performance.now() < deadline;) {
      const res = await fetch(`${server.url}/v1/actions/${id}`);
      ({ data } = (await res.json()) as any);
      if (data.status === status) return data;
      if (data.status === "rejected" || data.status === "included") assert.fail(`action ${id} is ${data.status} (${data.reason ?? ""}), expected ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const tx = await chain.anvil.client.getTransaction({ hash: data.txHash }).catch((e: Error) => e.message.slice(0, 80));
    const count = await chain.anvil.client.getTransactionCount({ address: chain.address(9) });
    const pend = await chain.anvil.client.getTransactionCount({ address: chain.address(9), blockTag: "pending" });
    throw new Error(`action ${id} did not become ${status}: ${JSON.stringify(data)} tx ${json(tx)} count ${count} pending ${pend}`);
  };
  const relayState = async (account: Address) => ((await (await fetch(`${server.url}/v1/accounts/${account}/relay`)).json()) as any).data;
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args } as never) as Promise<T>;
  const fund = async (account: PrivateKeyAccount, deposit: bigint) => {
    await chain.anvil.wallet(0).sendTransaction({ account: chain.anvil.accounts[0], to: account.address, value: parseEther("1"), chain: undefined });
    await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "deposit", args: [account.address], value: deposit });
  };
  const batchedPost = async (signer: PrivateKeyAccount, account: Address, content: string, overrides: Partial<{ nonce: bigint; deadline: bigint; maxFee: bigint }> = {}, d = domain) => {
    const nonce = overrides.nonce ?? BigInt((await relayState(account)).nextNonce);
    const message = { author: account, parentId: 0n, content, maxFee: overrides.maxFee ?? fee, nonce, deadline: overrides.deadline ?? FAR };
    const signed = await signPost(signer, d, message);
    return { type: "post", mode: "batched", message, signature: signed.signature };
  };

  before(async () => {
    chain = await startCliChain();
    const dataDir = await tempDir("relayer-index");
    server = await startServer(
      loadConfig({
        CHAIN_RPC_URL: chain.anvil.url, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: dataDir, RELAYER_DATA_DIR: `${dataDir}-relayer`,
        HTTP_PORT: "0", POLL_INTERVAL_MS: "20", BATCH_INTERVAL_MS: "50",
      }),
      silentLogger,
    );
    domain = pennyPostDomain(await chain.anvil.client.getChainId(), chain.pennyPost);
    fee = await read<bigint>("postFee", []);
    await fund(author, parseEther("0.01"));
    await fund(tipper, parseEther("0.01"));
  });
  after(async () => {
    await server?.stop();
    await chain?.stop();
    await removeTempDirs();
  });

  it("batched: a signed post and a signed tip are queued (202), included, and served by the API", async () => {
    const postId = (await until(await accepted(await batchedPost(author, author.address, "relayed hello")))).postId as string;
    await untilIndexed(chain, server);
    const post = ((await (await fetch(`${server.url}/v1/posts/${postId}`)).json()) as any).data;
    assert.equal(post.mode, "batched");
    assert.equal(post.content, "relayed hello");
    assert.equal(post.author, author.address.toLowerCase());

    const nonce = BigInt((await relayState(tipper.address)).nextNonce);
    const message = { tipper: tipper.address, postId: BigInt(postId), author: author.address, asset: ETH, amount: 12_345n, nonce, deadline: FAR };
    const tip = await signTip(tipper, domain, message);
    const included = await until(await accepted({ type: "tip", mode: "batched", message, signature: tip.signature }));
    assert.match(included.txHash, /^0x[0-9a-f]{64}$/);
    assert.equal(await read<bigint>("depositOf", [tipper.address, ETH]), parseEther("0.01") - 12_345n);
    assert.equal(await read<bigint>("owed", [author.address, ETH]), 12_345n - (12_345n * 250n) / 10_000n);
  });

  it("refuses bad signatures, replays on another chain or contract, expired deadlines, wrong nonces, high-s twins, with stable codes", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    await refused(await batchedPost(stranger, author.address, "forged"), "bad_signature");
    await refused(await batchedPost(author, author.address, "other chain", {}, { ...domain, chainId: 1 }), "bad_signature");
    await refused(await batchedPost(author, author.address, "other contract", {}, { ...domain, verifyingContract: chain.testToken }), "bad_signature");
    await refused(await batchedPost(author, author.address, "late", { deadline: 1_000n }), "expired");
    const next = BigInt((await relayState(author.address)).nextNonce);
    await refused(await batchedPost(author, author.address, "skips a nonce", { nonce: next + 1n }), "nonce_mismatch");
    await refused(await batchedPost(author, author.address, "cheap", { maxFee: fee - 1n }), "fee_too_low");
    const good = await batchedPost(author, author.address, "malleated");
    const sig = good.signature as Hex;
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = Number.parseInt(sig.slice(130), 16);
    const twin = `${sig.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    await refused({ ...good, signature: twin }, "bad_signature");
    await refused({ type: "post", mode: "batched", message: { author: "nope" }, signature: "0x" }, "invalid_action", 400);
    const rich = privateKeyToAccount(generatePrivateKey());
    await refused(await batchedPost(rich, rich.address, "no deposit"), "insufficient_deposit");
  });

  it("session keys: the app key posts within its cap; over the cap, expired or revoked it is refused", async () => {
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user, parseEther("0.01"));
    const asUser = async (functionName: string, args: readonly unknown[]) => {
      const wallet = chain.anvil.client;
      const hash = await (await import("viem")).createWalletClient({ account: user, transport: (await import("viem")).http(chain.anvil.url) })
        .writeContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args, chain: null } as never);
      return (await wallet.waitForTransactionReceipt({ hash })).blockNumber;
    };
    // The relayer checks against the chain as of the block its view has reached (no read per action).
    const seen = async (block: bigint) => {
      await waitFor(`the relayer's view to reach block ${block}`, async () => BigInt((await relayState(user.address)).block) >= block);
    };
    const now = (await chain.anvil.client.getBlock()).timestamp;
    await asUser("authorizeSession", [sessionKey.address, ETH, 2n * fee, now + 3600n]);
    await until(await accepted(await batchedPost(sessionKey, user.address, "by my app key, 1")));
    await until(await accepted(await batchedPost(sessionKey, user.address, "by my app key, 2")));
    await refused(await batchedPost(sessionKey, user.address, "one too many"), "session_cap_exceeded");

    await asUser("authorizeSession", [sessionKey.address, ETH, 10n * fee, now + 3600n]);
    await seen(await asUser("revokeSession", [sessionKey.address, ETH]));
    await refused(await batchedPost(sessionKey, user.address, "revoked"), "bad_signature");

    const block = await chain.anvil.client.getBlock();
    await asUser("authorizeSession", [sessionKey.address, ETH, 10n * fee, block.timestamp + 2n]);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await refused(await batchedPost(sessionKey, user.address, "expired"), "session_expired");
  });

  for (const mode of ["anchored-calldata", "anchored-hash"] as const) {
    it(`${mode}: posts are anchored, indexed with a proof that verifies against the chain, and their fees settled from the deposit`, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const state = await relayState(author.address);
        const message = { author: author.address, parentId: 0n, content: `${mode} #${i}`, seq: BigInt(state.nextSeq), cumulativeFee: BigInt(state.cumulativeFee) + fee };
        const signed = await signAnchoredPost(author, domain, message);
        ids.push(await accepted({ type: "post", mode, message, signature: signed.signature }));
      }
      const included = [];
      for (const id of ids) included.push(await until(id));
      await untilIndexed(chain, server);
      for (const action of included) {
        const res = await fetch(`${server.url}/v1/posts/${action.postId}/proof`);
        assert.equal(res.status, 200);
        const { data } = (await res.json()) as any;
        const [root] = await read<[Hex, bigint, bigint]>("anchorOf", [BigInt(data.batchId)]);
        assert.equal(verifyAnchorProof(root, [BigInt(data.leaf.index), data.leaf.author, BigInt(data.leaf.parentId), data.leaf.contentHash], data.proof), true);
        const post = ((await (await fetch(`${server.url}/v1/posts/${action.postId}`)).json()) as any).data;
        assert.equal(post.mode, mode);
      }
      const cumulative = BigInt((await relayState(author.address)).cumulativeFee);
      await waitFor("the anchored fees to be settled", async () => (await read<bigint>("anchoredFeesPaid", [author.address])) >= cumulative);
      assert.equal(await read<bigint>("anchoredFeesPaid", [author.address]), cumulative, "the relayer settled the anchored posting fees");
    });
  }

  it("vouchers: cumulative vouchers settle every tip once; one that does not extend the last is refused", async () => {
    const postId = BigInt((await until(await accepted(await batchedPost(author, author.address, "tip me by voucher")))).postId);
    const owedBefore = await read<bigint>("owed", [author.address, ETH]);
    let state = { cumulativeAmount: 0n, tipsHash: ZERO_HASH };
    const ids: string[] = [];
    for (const amounts of [[1_000n, 2_000n], [3_000n]]) {
      const tips = amounts.map((amount) => ({ postId, author: author.address, amount }));
      const next = extendVoucher(state, tips);
      const signed = await signVoucher(tipper, domain, { tipper: tipper.address, asset: ETH, ...next });
      ids.push(await accepted({ type: "voucher", message: { tipper: tipper.address, asset: ETH, ...next }, tips, signature: signed.signature }));
      state = next;
    }
    const stale = extendVoucher({ cumulativeAmount: 0n, tipsHash: ZERO_HASH }, [{ postId, author: author.address, amount: 5n }]);
    const staleSigned = await signVoucher(tipper, domain, { tipper: tipper.address, asset: ETH, ...stale });
    await refused({ type: "voucher", message: { tipper: tipper.address, asset: ETH, ...stale }, tips: [{ postId, author: author.address, amount: 5n }], signature: staleSigned.signature }, "voucher_mismatch");
    for (const id of ids) await until(id);
    const share = (a: bigint) => a - (a * 250n) / 10_000n;
    assert.equal(await read<bigint>("owed", [author.address, ETH]), owedBefore + share(1_000n) + share(2_000n) + share(3_000n));
    assert.deepEqual(await read<[bigint, Hex]>("voucherState", [tipper.address, ETH]), [6_000n, state.tipsHash]);
  });

  it("replaces a transaction stuck in the mempool with the same nonce and higher fees, and the replacement is what lands", async () => {
    const dataDir = await tempDir("relayer-bump");
    await chain.anvil.rpc("evm_setAutomine", [false]);
    const bumping = await startServer(
      loadConfig({
        CHAIN_RPC_URL: chain.anvil.url, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: dataDir, HTTP_PORT: "0", POLL_INTERVAL_MS: "20",
        BATCH_INTERVAL_MS: "50", RELAYER_BUMP_AFTER_MS: "1000",
      }),
      silentLogger,
    );
    try {
      const nonce = await read<bigint>("nonces", [author.address]);
      const res = await send(await batchedPost(author, author.address, "stuck, then bumped", { nonce }), bumping.url);
      assert.equal(res.status, 202);
      const follow = async () => ((await (await fetch(`${bumping.url}/v1/actions/${res.body.data.id}`)).json()) as any).data;
      const first = await waitFor("the action to be submitted", async () => {
        const data = await follow();
        assert.ok(["queued", "submitted"].includes(data.status), `the action is ${data.status}, expected queued then submitted`);
        return data.status === "submitted" ? data : undefined;
      });
      // "submitted" is written ahead of the send: the node may learn of the transaction a moment later.
      const original = await waitFor(`the node to see ${first.txHash}`, () => chain.anvil.client.getTransaction({ hash: first.txHash }));
      // Past RELAYER_BUMP_AFTER_MS the relayer replaces it: wait until the node's pool holds the
      // replacement (same nonce, higher fee), however long a busy machine takes, then mine.
      const relayer = chain.address(9).toLowerCase();
      await waitFor("the replacement in the node's pool", async () => {
        const pool = (await chain.anvil.rpc("txpool_content")) as { pending: Record<string, Record<string, { hash: Hex }>> };
        const mine = Object.entries(pool.pending).find(([from]) => from.toLowerCase() === relayer)?.[1] ?? {};
        const pending = mine[String(original.nonce)];
        return pending !== undefined && pending.hash !== first.txHash;
      }, { everyMs: 50 });
      await chain.anvil.rpc("evm_mine", []);
      const done = await waitFor("the action to be included", async () => {
        const data = await follow();
        return data.status === "included" ? data : undefined;
      });
      assert.notEqual(done.txHash, first.txHash, "the replacement landed, not the original");
      const landed = await chain.anvil.client.getTransaction({ hash: done.txHash });
      assert.equal(landed.nonce, original.nonce);
      assert.ok(landed.maxFeePerGas! > original.maxFeePerGas!, `fees went up: ${original.maxFeePerGas} -> ${landed.maxFeePerGas}`);
      assert.equal(await read<bigint>("nonces", [author.address]), nonce + 1n, "executed once");
    } finally {
      await chain.anvil.rpc("evm_setAutomine", [true]);
      await bumping.stop();
    }
  });

  it("the batch form: an array of actions gets 207 with one result per item, in order; one account's items in order", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user, parseEther("0.01"));
    const nonce = BigInt((await relayState(user.address)).nextNonce);
    const stranger = privateKeyToAccount(generatePrivateKey());
    const items = [
      await batchedPost(user, user.address, "batch 0", { nonce }),
      await batchedPost(user, user.address, "batch 1", { nonce: nonce + 1n }),
      { type: "post", mode: "batched", message: { author: "nope" }, signature: "0x" },
      await batchedPost(stranger, user.address, "forged", { nonce: nonce + 2n }),
      await batchedPost(user, user.address, "batch 2", { nonce: nonce + 2n }),
    ];
    const res = await send(items);
    assert.equal(res.status, 207, JSON.stringify(res.body));
    const results = res.body.data as any[];
    assert.equal(results.length, 5);
    assert.equal(results[0].status, "queued");
    assert.equal(results[1].status, "queued");
    assert.equal(results[2].error.code, "invalid_action");
    assert.equal(results[2].error.status, 400);
    assert.equal(results[3].error.code, "bad_signature");
    assert.equal(results[4].status, "queued");
    for (const i of [0, 1, 4]) await until(results[i].id);
    assert.equal(await read<bigint>("nonces", [user.address]), nonce + 3n);
    const tooMany = await send(Array.from({ length: 501 }, () => items[0]));
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.code, "invalid_action");
  });

  it("one client's junk does not hold up an honest accept: 1,000 junk actions waiting on the chain, the honest one is answered meanwhile", async () => {
    // The server under test reads the chain through a proxy that can hold every request: once the
    // junk's chain reads are held, the junk cannot be answered, so an honest answer can only come
    // first if it waits for none of them (no timing assumption about who arrives when).
    let holding = false;
    const held: Array<() => void> = [];
    const heldBodies: string[] = [];
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const forward = () => void fetch(chain.anvil.url, { method: "POST", headers: { "content-type": "application/json" }, body })
          .then(async (r) => res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text()))
          .catch(() => res.destroy());
        if (!holding) return forward();
        heldBodies.push(body.toLowerCase());
        held.push(forward);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const dataDir = await tempDir("relayer-junk");
    // Its relayer never submits (BATCH_INTERVAL_MS): the main server's relayer, same key, does.
    const other = await startServer(
      loadConfig({ CHAIN_RPC_URL: proxyUrl, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: dataDir, HTTP_PORT: "0", POLL_INTERVAL_MS: "20", BATCH_INTERVAL_MS: "60000" }),
      silentLogger,
    );
    try {
      const junk = [];
      for (let i = 0; i < 1_000; i++) {
        const stranger = privateKeyToAccount(generatePrivateKey());
        junk.push(await batchedPost(stranger, stranger.address, `junk ${i}`, { nonce: 0n }));
      }
      const user = privateKeyToAccount(generatePrivateKey());
      await fund(user, parseEther("0.01"));
      // Its state read once, before the hold (what every later accept of the account reuses).
      const state = async () => ((await (await fetch(`${other.url}/v1/accounts/${user.address}/relay`)).json()) as any).data;
      await waitFor("the deposit in the relayer's view", async () => BigInt((await state()).depositEth) !== 0n);
      const honest = await batchedPost(user, user.address, "honest", { nonce: BigInt((await state()).nextNonce) });

      holding = true;
      const flood = Promise.all([junk.slice(0, 500), junk.slice(500)].map((items) => send(items, other.url)));
      const junkAccount = (junk[0]!.message.author as string).slice(2).toLowerCase();
      while (!heldBodies.some((b) => b.includes(junkAccount))) await new Promise((r) => setTimeout(r, 10));
      const started = performance.now();
      const answer = await send(honest, other.url);
      const ms = performance.now() - started;
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      console.log(`      honest accept answered in ${ms.toFixed(0)} ms while ${held.length} chain requests of the junk were held`);

      holding = false;
      for (const release of held.splice(0)) release();
      const floods = await flood;
      for (const res of floods) assert.ok((res.body.data as any[]).every((r) => r.error?.code === "insufficient_deposit"), "every junk action refused");
    } finally {
      holding = false;
      for (const release of held.splice(0)) release();
      await other.stop();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("answers 404 action_not_found for an unknown id and 400 for a malformed one", async () => {
    const unknown = await fetch(`${server.url}/v1/actions/${crypto.randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).code, "action_not_found");
    assert.equal((await fetch(`${server.url}/v1/actions/not-an-id`)).status, 400);
  });

  it("rate limits an account (429 with Retry-After), caps its pending actions, and caps all accounts' actions not yet on chain (503 relayer_busy)", async () => {
    // Servers of their own, whose relayers never submit (the main one does), with tight limits.
    const limitedServer = async (limits: Record<string, string>) =>
      startServer(
        loadConfig({
          CHAIN_RPC_URL: chain.anvil.url, DEPLOYMENT_FILE: chain.deploymentFile, DATA_DIR: await tempDir("relayer-limits"), HTTP_PORT: "0",
          POLL_INTERVAL_MS: "20", BATCH_INTERVAL_MS: "60000", ...limits,
        }),
        silentLogger,
      );
    const limited = await limitedServer({ RELAYER_RATE_PER_MINUTE: "2" });
    try {
      const user = privateKeyToAccount(generatePrivateKey());
      await fund(user, parseEther("0.01"));
      const nonce = await read<bigint>("nonces", [user.address]);
      for (let i = 0n; i < 2n; i++) assert.equal((await send(await batchedPost(user, user.address, `limited ${i}`, { nonce: nonce + i }), limited.url)).status, 202);
      const third = await send(await batchedPost(user, user.address, "limited 2", { nonce: nonce + 2n }), limited.url);
      assert.equal(third.status, 429);
      assert.equal(third.body.code, "rate_limited");
      assert.ok(Number(third.headers.get("retry-after")) >= 1);
    } finally {
      await limited.stop();
    }
    const capped = await limitedServer({ RELAYER_MAX_PENDING: "1" });
    try {
      const user = privateKeyToAccount(generatePrivateKey());
      await fund(user, parseEther("0.01"));
      const nonce = await read<bigint>("nonces", [user.address]);
      assert.equal((await send(await batchedPost(user, user.address, "capped 0", { nonce }), capped.url)).status, 202);
      const second = await send(await batchedPost(user, user.address, "capped 1", { nonce: nonce + 1n }), capped.url);
      assert.equal(second.status, 429);
      assert.equal(second.body.code, "too_many_pending");
      assert.ok(Number(second.headers.get("retry-after")) >= 1);
    } finally {
      await capped.stop();
    }
    // All accounts together: beyond RELAYER_MAX_QUEUED actions not yet on chain, 503 relayer_busy for anyone.
    const full = await limitedServer({ RELAYER_MAX_QUEUED: "2" });
    try {
      const users = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
      for (const user of users) await fund(user, parseEther("0.01"));
      for (const user of users.slice(0, 2)) assert.equal((await send(await batchedPost(user, user.address, "fills the queue"), full.url)).status, 202);
      const third = await send(await batchedPost(users[2]!, users[2]!.address, "one too many"), full.url);
      assert.equal(third.status, 503, JSON.stringify(third.body));
      assert.equal(third.headers.get("content-type")?.startsWith("application/problem+json"), true);
      assert.equal(third.body.code, "relayer_busy");
      assert.ok(Number(third.headers.get("retry-after")) >= 1);
      const inBatch = await send([await batchedPost(users[2]!, users[2]!.address, "one too many")], full.url);
      assert.equal(inBatch.status, 207);
      assert.equal(inBatch.body.data[0].error.code, "relayer_busy");
      assert.ok(inBatch.body.data[0].error.retryAfter >= 1);
    } finally {
      await full.stop();
    }
  });
});
