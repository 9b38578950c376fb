/**
 * The relayer against accounts that try to make it pay for nothing, driven step by step (the
 * Relayer without its loops, `step()` = one round of confirmation and submission) on a real anvil
 * with PennyPostLocal. Each case is an attack that worked before the relayer checked every item
 * again right before sending and kept its reservations in step with the chain.
 */
import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { pino, type Logger } from "pino";
import { createPublicClient, createWalletClient, hexToBytes, http, parseEther, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { digesters } from "../../lib/digests.ts";
import { ETH, pennyPostDomain, signAnchoredPost, signPost, signTip, type PennyPostDomain } from "../../lib/relayed.ts";
import type { Action } from "../../server/relayer/actions.ts";
import { actionSchema } from "../../server/relayer/actions.ts";
import { ActionRejected, Relayer } from "../../server/relayer/relayer.ts";
import { RelayerStore, keys, put } from "../../server/relayer/store.ts";
import { startCliChain, writeAs, type CliChain } from "../cli/helpers.ts";
import { removeTempDirs, silentLogger, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";

const FAR = 2n ** 40n;
const json = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

describe("relayer under attack (step by step, anvil)", function () {
  this.timeout(5 * PATIENCE_MS); // each wait is bounded by PATIENCE_MS
  let chain: CliChain;
  let domain: PennyPostDomain;
  let fee: bigint;
  let relayer: Relayer;
  let client: PublicClient;
  let relayerAddress: Address;

  const read = <T>(functionName: string, args: readonly unknown[]) =>
    chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args } as never) as Promise<T>;
  const fund = async (account: Address, deposit: bigint) => {
    await chain.anvil.wallet(0).sendTransaction({ account: chain.anvil.accounts[0], to: account, value: parseEther("1"), chain: undefined });
    if (deposit > 0n) await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "deposit", args: [account], value: deposit });
  };
  const as = async (account: PrivateKeyAccount, functionName: string, args: readonly unknown[]) => {
    const wallet = createWalletClient({ account, transport: http(chain.anvil.url) });
    const hash = await wallet.writeContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args, chain: null } as never);
    const receipt = await chain.anvil.client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
  };
  const action = (body: unknown): Action => actionSchema.parse(json(body));
  const batchedPost = async (signer: PrivateKeyAccount, author: Address, nonce: bigint, overrides: Partial<{ deadline: bigint }> = {}) => {
    const message = { author, parentId: 0n, content: `post ${nonce} ${Math.random()}`, maxFee: fee, nonce, deadline: overrides.deadline ?? FAR };
    return action({ type: "post", mode: "batched", message, signature: (await signPost(signer, domain, message)).signature });
  };
  const anchoredPost = async (signer: PrivateKeyAccount, author: Address, seq: bigint, cumulativeFee: bigint) => {
    const message = { author, parentId: 0n, content: `anchored ${seq}`, seq, cumulativeFee };
    return action({ type: "post", mode: "anchored-hash", message, signature: (await signAnchoredPost(signer, domain, message)).signature });
  };
  const refusedWith = async (promise: Promise<unknown>, code: string) => {
    await assert.rejects(promise, (error: unknown) => error instanceof ActionRejected && error.code === code);
  };
  const relayerTxs = () => client.getTransactionCount({ address: relayerAddress });
  const status = async (id: string) => (await relayer.record(id))!;

  const openRelayer = async (extra: Partial<ConstructorParameters<typeof Relayer>[0]> = {}, logger: Logger = silentLogger) => {
    const r = new Relayer(
      {
        address: chain.pennyPost, chainId: await client.getChainId(), privateKey: chain.key(9), dataDir: await tempDir("relayer-attacks"),
        batchMaxActions: 64, batchIntervalMs: 50, bumpAfterMs: 60_000, ratePerMinute: 600, maxPending: 256, ...extra,
      },
      client,
      logger,
    );
    await r.open();
    return r;
  };

  before(async () => {
    chain = await startCliChain();
    client = createPublicClient({ transport: http(chain.anvil.url) }) as PublicClient;
    domain = pennyPostDomain(await client.getChainId(), chain.pennyPost);
    fee = await read<bigint>("postFee", []);
    relayerAddress = chain.address(9);
    relayer = await openRelayer();
  });
  after(async () => {
    await relayer?.stop();
    await chain?.stop();
    await removeTempDirs();
  });

  it("accepts the next nonce while the previous batch is mined and not yet seen (no double count)", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    await relayer.step();
    const first = await relayer.accept(await batchedPost(user, user.address, 0n));
    await relayer.step(); // sends it; anvil mines it at once, before the relayer has read the receipt
    assert.equal(await read<bigint>("nonces", [user.address]), 1n);
    assert.equal((await relayer.accountState(user.address)).nextNonce, "1");
    const second = await relayer.accept(await batchedPost(user, user.address, 1n));
    // Steps read the receipt (the first is included) and send the second; on a busy machine the
    // node may take longer than a step to mine, so the test steps until both are in.
    await until("both posts included", async () => {
      await relayer.step();
      return (await status(first.id)).status === "included" && (await status(second.id)).status === "included";
    });
    assert.equal((await relayer.accountState(user.address)).nextNonce, "2");
  });

  it("cancelNonces after acceptance: nothing is sent for the cancelled actions, they are rejected, the account is throttled", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    await relayer.step();
    const ids = [];
    for (let n = 0n; n < 5n; n++) ids.push((await relayer.accept(await batchedPost(user, user.address, n))).id);
    await as(user, "cancelNonces", [100n]);
    const before = await relayerTxs();
    await relayer.step();
    await relayer.step();
    assert.equal(await relayerTxs(), before, "the relayer sent nothing for cancelled actions");
    for (const id of ids) {
      const record = await status(id);
      assert.equal(record.status, "rejected");
    }
    assert.match((await status(ids[0]!)).reason ?? "", /nonce_mismatch/);
    assert.match((await relayer.accountState(user.address)).throttled ?? "", /nonce_mismatch/);
    // Throttled: one action pending at a time.
    await relayer.accept(await batchedPost(user, user.address, 100n));
    await refusedWith(relayer.accept(await batchedPost(user, user.address, 101n)), "account_throttled");
  });

  it("cancelNonces racing the relayer's batch into the same block: the relayer loses less gas than the attacker spends", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    await relayer.step();
    const ids = [];
    for (let n = 0n; n < 4n; n++) ids.push((await relayer.accept(await batchedPost(user, user.address, n))).id);
    await chain.anvil.rpc("evm_setAutomine", [false]);
    let relayerGas = 0n;
    let attackerGas = 0n;
    let order: unknown;
    try {
      const before = await client.getTransactionCount({ address: relayerAddress, blockTag: "pending" });
      await relayer.step(); // checked again, then sent: in the mempool
      const sent = await client.getTransactionCount({ address: relayerAddress, blockTag: "pending" });
      assert.equal(sent, before + 1);
      const wallet = createWalletClient({ account: user, transport: http(chain.anvil.url) });
      const attack = await wallet.writeContract({
        address: chain.pennyPost, abi: pennyPostAbi, functionName: "cancelNonces", args: [100n], chain: null, gas: 100_000n, maxPriorityFeePerGas: parseEther("0.000001"), maxFeePerGas: parseEther("0.00001"),
      } as never);
      await chain.anvil.rpc("evm_mine", []);
      const block = await client.getBlock({ includeTransactions: true });
      const receipts = await Promise.all(block.transactions.map((t) => client.getTransactionReceipt({ hash: typeof t === "string" ? t : t.hash })));
      order = receipts.map((r) => [r.from, r.gasUsed.toString(), r.status]);
      for (const r of receipts) {
        if (r.from.toLowerCase() === relayerAddress.toLowerCase()) relayerGas += r.gasUsed;
        if (r.transactionHash === attack) attackerGas += r.gasUsed;
      }
      assert.ok(attackerGas > 0n && relayerGas > 0n, `both landed in one block: ${JSON.stringify(receipts.map((r) => [r.from, r.gasUsed.toString(), r.status]))}`);
    } finally {
      await chain.anvil.rpc("evm_setAutomine", [true]);
    }
    await relayer.step();
    const statuses = await Promise.all(ids.map(async (id) => (await status(id)).status));
    assert.ok(statuses.includes("rejected"), JSON.stringify(statuses) + JSON.stringify(order));
    assert.ok(relayerGas <= attackerGas, `the relayer paid ${relayerGas} gas for skipped items, the attacker ${attackerGas}`);
    console.log(`      relayer ${relayerGas} gas on skipped items, attacker ${attackerGas} (cancelNonces)`);
  });

  it("an accepted action someone else submits (submitBatch is open) is reported included there, and nobody is throttled", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    await relayer.step();
    const held = await batchedPost(user, user.address, 0n);
    const accepted = await relayer.accept(held);
    if (held.type !== "post" || held.mode !== "batched") throw new Error("unreachable");
    await as(user, "submitBatch", [[{ ...held.message, signature: held.signature }], []]);
    const before = await relayerTxs();
    await relayer.step();
    await relayer.step();
    const record = await status(accepted.id);
    assert.equal(record.status, "included", JSON.stringify(record));
    assert.equal(record.postId, (await read<bigint>("postCount", [])).toString());
    assert.equal(await relayerTxs(), before, "the relayer sent nothing for it");
    assert.equal((await relayer.accountState(user.address)).throttled, undefined);
    assert.equal(await read<bigint>("nonces", [user.address]), 1n, "executed once");
  });

  it("a deposit emptied behind an accepted anchored post: its fee settlement is never sent, not even once", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, fee);
    await relayer.step();
    const anchored = await relayer.accept(await anchoredPost(user, user.address, 1n, fee));
    await relayer.step(); // anchors it
    // The author spends the deposit itself, through the open submitBatch, before the fee is settled.
    const own = await batchedPost(user, user.address, 0n);
    if (own.type !== "post" || own.mode !== "batched") throw new Error("unreachable");
    await as(user, "submitBatch", [[{ ...own.message, signature: own.signature }], []]);
    assert.equal(await read<bigint>("depositOf", [user.address, ETH]), 0n);
    const before = await relayerTxs();
    for (let i = 0; i < 5; i++) await relayer.step();
    assert.equal((await status(anchored.id)).status, "included");
    assert.equal(await relayerTxs(), before, "no settleAnchoredFees the chain would skip was sent");
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), 0n);
    // Once the author pays in again, the settlement goes out, once.
    await fund(user.address, fee);
    for (let i = 0; i < 3; i++) await relayer.step();
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), fee);
    assert.equal(await relayerTxs(), before + 1);
  });

  it("a session key's cap bounds anchored posts too", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    const key = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    const now = (await client.getBlock()).timestamp;
    await as(user, "authorizeSession", [key.address, ETH, fee, now + 3_600n]);
    await relayer.step();
    await relayer.accept(await anchoredPost(key, user.address, 1n, fee));
    await refusedWith(relayer.accept(await anchoredPost(key, user.address, 2n, 2n * fee)), "session_cap_exceeded");
  });

  it("hands the indexer the signer it recovered for an accepted anchored post, for that exact digest only", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, parseEther("0.01"));
    await relayer.step();
    const accepted = await anchoredPost(user, user.address, 1n, fee);
    await relayer.accept(accepted);
    if (accepted.type !== "post" || accepted.mode === "batched") throw new Error("unreachable");
    const digest = digesters(domain).anchoredPost(accepted.message);
    const signature = hexToBytes(accepted.signature);
    const other = digesters(domain).anchoredPost({ ...accepted.message, content: "other content, same signature" });
    assert.deepEqual(relayer.knownSigners([{ digest: other, signature }]), [undefined], "another message under the same signature is not answered");
    assert.deepEqual(relayer.knownSigners([{ digest, signature }]), [user.address.toLowerCase()]);
  });

  it("refuses a tip naming another author than a direct post's, and a deadline too close to land", async () => {
    const author = privateKeyToAccount(generatePrivateKey());
    const tipper = privateKeyToAccount(generatePrivateKey());
    await fund(author.address, 0n);
    await fund(tipper.address, parseEther("0.01"));
    const wallet = createWalletClient({ account: author, transport: http(chain.anvil.url) });
    const hash = await wallet.writeContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, "a direct post"], value: fee, chain: null } as never);
    await client.waitForTransactionReceipt({ hash });
    const postId = await read<bigint>("postCount", []);
    assert.equal((await read<Address>("authorOf", [postId])).toLowerCase(), author.address.toLowerCase());
    await relayer.step();
    const tip = async (named: Address, deadline = FAR) => {
      const message = { tipper: tipper.address, postId, author: named, asset: ETH, amount: 1_000n, nonce: 0n, deadline };
      return action({ type: "tip", mode: "batched", message, signature: (await signTip(tipper, domain, message)).signature });
    };
    await refusedWith(relayer.accept(await tip(tipper.address)), "author_mismatch");
    const soon = (await client.getBlock()).timestamp + 1n;
    await refusedWith(relayer.accept(await tip(author.address, soon)), "expired");
    await relayer.accept(await tip(author.address));
  });

  it("junk signed in a victim's name spends none of the victim's rate", async () => {
    const limited = await openRelayer({ ratePerMinute: 3 });
    try {
      const victim = privateKeyToAccount(generatePrivateKey());
      const attacker = privateKeyToAccount(generatePrivateKey());
      await fund(victim.address, parseEther("0.01"));
      await limited.step();
      for (let i = 0; i < 10; i++) await refusedWith(limited.accept(await batchedPost(attacker, victim.address, 0n)), "bad_signature");
      await limited.accept(await batchedPost(victim, victim.address, 0n));
    } finally {
      await limited.stop();
    }
  });

  it("answers chain_unavailable at once when the node stops answering", async () => {
    const other = await startCliChain();
    const r = new Relayer(
      {
        address: other.pennyPost, chainId: await other.anvil.client.getChainId(), privateKey: other.key(9), dataDir: await tempDir("relayer-down"),
        batchMaxActions: 64, batchIntervalMs: 50, bumpAfterMs: 60_000, ratePerMinute: 600, maxPending: 256,
      },
      createPublicClient({ transport: http(other.anvil.url, { retryCount: 0, timeout: 2_000 }) }) as PublicClient,
      silentLogger,
    );
    await r.open();
    const user = privateKeyToAccount(generatePrivateKey());
    await other.stop();
    // Until the node is really gone (its process may answer a moment after stop() resolves).
    await until("the other node to be gone", () => other.anvil.client.getBlockNumber({ cacheTime: 0 }).then(() => false, () => true));
    await assert.rejects(r.step());
    const otherDomain = pennyPostDomain(await client.getChainId(), other.pennyPost);
    const message = { author: user.address, parentId: 0n, content: "anyone there?", maxFee: fee, nonce: 0n, deadline: FAR };
    const body = action({ type: "post", mode: "batched", message, signature: (await signPost(user, otherDomain, message)).signature });
    await refusedWith(r.accept(body), "chain_unavailable");
    await refusedWith(r.accountState(user.address), "chain_unavailable");
    await r.stop();
  });

  it("anchored fees wait while the relayer has work in flight, then one settlement pays for every post included", async () => {
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, 3n * fee);
    await relayer.step();
    await relayer.accept(await anchoredPost(user, user.address, 1n, fee));
    await relayer.step(); // anchors post 1
    await relayer.accept(await anchoredPost(user, user.address, 2n, 2n * fee));
    await relayer.step(); // post 1 included; post 2 anchored, in flight: post 1's fee waits (feeSettleSeconds, 30 s)
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), 0n, "no settlement while other work is in flight");
    const sent = await relayerTxs();
    await relayer.step(); // post 2 included: nothing queued or in flight, so both fees go out at once
    await relayer.step();
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), 2n * fee);
    assert.equal(await relayerTxs(), sent + 1, "one settlement for both posts");
  });

  it("under steady load an author's fees wait at most feeSettleSeconds", async () => {
    await relayer.stop();
    relayer = await openRelayer({ feeSettleSeconds: 1 });
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, 3n * fee);
    await relayer.step();
    await relayer.accept(await anchoredPost(user, user.address, 1n, fee));
    await relayer.step(); // anchors post 1
    await relayer.accept(await anchoredPost(user, user.address, 2n, 2n * fee));
    await relayer.step(); // post 1 included, post 2 in flight: too soon to settle
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), 0n);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await relayer.accept(await anchoredPost(user, user.address, 3n, 3n * fee));
    await relayer.step(); // post 2 included, post 3 in flight: post 1 has waited 1 s, so posts 1 and 2 are settled
    assert.equal(await read<bigint>("anchoredFeesPaid", [user.address]), 2n * fee);
  });

  it("a batch whose gas would pass EIP-7825's cap goes out in parts: nothing reverts, every item is included, and later batches are sized by the gas learned", async () => {
    await relayer.stop();
    // What the submitter says, in order: estimates that failed, and transactions sent.
    const said: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => said.push((JSON.parse(line) as { msg: string }).msg) });
    // One account's 1,600 tips may share a transaction here; their gas together is about three times the cap.
    relayer = await openRelayer({ batchMaxActions: 2_000, accountGasAtRisk: 1_000_000_000, maxPending: 2_000, ratePerMinute: 1_000_000 }, logger);
    const author = privateKeyToAccount(generatePrivateKey());
    const tipper = privateKeyToAccount(generatePrivateKey());
    await fund(author.address, 0n);
    await fund(tipper.address, parseEther("0.01"));
    const wallet = createWalletClient({ account: author, transport: http(chain.anvil.url) });
    await client.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, "tip me"], value: fee, chain: null } as never) });
    const postId = await read<bigint>("postCount", []);
    await relayer.step();
    const ids: string[] = [];
    for (let nonce = 0n; nonce < 1_600n; nonce++) {
      const message = { tipper: tipper.address, postId, author: author.address, asset: ETH, amount: 1_000n, nonce, deadline: FAR };
      ids.push((await relayer.accept(action({ type: "tip", mode: "batched", message, signature: (await signTip(tipper, domain, message)).signature }))).id);
    }
    await until("every tip included", async () => {
      await relayer.step();
      return (await status(ids.at(-1)!)).status === "included";
    });
    const records = await Promise.all(ids.map(status));
    assert.deepEqual([...new Set(records.map((r) => r.status))], ["included"]);
    const hashes = [...new Set(records.map((r) => r.txHash!))];
    assert.ok(hashes.length >= 2, `split into ${hashes.length} transaction(s)`);
    for (const hash of hashes) {
      const receipt = await client.getTransactionReceipt({ hash });
      assert.equal(receipt.status, "success");
      assert.ok(receipt.gasUsed <= 1n << 24n);
    }
    assert.equal(await read<bigint>("nonces", [tipper.address]), 1_600n);
    // Only the first batch, sized by gasAtRisk's bound, went over the cap; every later one fit at once.
    const sent = said.map((msg, i) => (msg === "relayer submission sent" ? i : -1)).filter((i) => i >= 0);
    const failed = said.map((msg, i) => (msg === "relayer batch would revert; not sent" || msg === "relayer batch over the gas cap; not sent" ? i : -1)).filter((i) => i >= 0);
    assert.ok(sent.length >= 2 && failed.length >= 1, `sent ${sent.length}, failed ${failed.length}`);
    assert.deepEqual(failed.filter((i) => i > sent[0]!), [], `estimates failed after the first transaction: ${failed.length} in all`);
  });

  it("a batch the chain would revert as a whole (paused) is not sent, stays queued, and is logged in short lines without its calldata", async () => {
    await relayer.stop();
    const lines: string[] = [];
    relayer = await openRelayer({}, pino({ level: "debug" }, { write: (line: string) => lines.push(line) }));
    const user = privateKeyToAccount(generatePrivateKey());
    await fund(user.address, 20n * fee);
    await relayer.step();
    const ids: string[] = [];
    for (let nonce = 0n; nonce < 20n; nonce++) ids.push((await relayer.accept(await batchedPost(user, user.address, nonce))).id);
    await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "pause", args: [] });
    const sent = await relayerTxs();
    try {
      await relayer.step();
      const refused = lines.filter((line) => line.includes("relayer batch would revert; not sent"));
      assert.ok(refused.length >= 1, "the estimate failed");
      // viem's message quotes the request: the whole batch's calldata (~20 kB here; megabytes for a full batch).
      assert.ok(Math.max(...lines.map((line) => line.length)) < 2_000, `a log line of ${Math.max(...lines.map((line) => line.length))} characters`);
      assert.equal(await relayerTxs(), sent, "nothing sent");
      assert.deepEqual([...new Set((await Promise.all(ids.map(status))).map((r) => r.status))], ["queued"]);
    } finally {
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "unpause", args: [] });
    }
    await until("every post included after the unpause", async () => {
      await relayer.step();
      return (await status(ids.at(-1)!)).status === "included";
    });
    assert.deepEqual([...new Set((await Promise.all(ids.map(status))).map((r) => r.status))], ["included"]);
  });
});

describe("relayer store: sequence numbers", () => {
  after(() => removeTempDirs());

  it("never hands out a sequence number a live queue or submission key holds, whatever meta!seq says", async () => {
    const dir = await tempDir("relayer-seq");
    const first = new RelayerStore(dir);
    await first.open("1:0xabc");
    // A slower writer put back an older counter after a newer queue key was written (the lost-202 defect).
    await first.db.batch([put(keys.queue(7), "some-id"), put(keys.submission(4), "{}"), put(keys.actionSeq, "3"), put(keys.submissionSeq, "1")]);
    await first.close();
    const second = new RelayerStore(dir);
    await second.open("1:0xabc");
    assert.equal(second.actionSeq, 7);
    assert.equal(second.submissionSeq, 4);
    await second.close();
  });

  it("writes the counters as they are when a batch is flushed, never an older value", async () => {
    const dir = await tempDir("relayer-seq-flush");
    const store = new RelayerStore(dir);
    await store.open("1:0xabc");
    store.actionSeq = 10;
    const slow = store.write([put("x!1", "a")]);
    store.actionSeq = 12;
    const fast = store.write([put("x!2", "b")]);
    await Promise.all([slow, fast]);
    assert.equal(await store.db.get(keys.actionSeq), "12");
    await store.close();
  });
});

