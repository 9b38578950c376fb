/**
 * Reorgs of the relayer's own transactions (anvil_reorg, which does not put the dropped
 * transactions back in the pool): actions the relayer reported included go back to `submitted`,
 * the same signed transactions go out again, and every action ends up included exactly once.
 */
import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { createPublicClient, http, parseEther, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { pennyPostDomain, signAnchoredPost, signPost, type PennyPostDomain } from "../../lib/relayed.ts";
import { actionSchema, type Action } from "../../server/relayer/actions.ts";
import { Relayer } from "../../server/relayer/relayer.ts";
import { startCliChain, writeAs, type CliChain } from "../cli/helpers.ts";
import { removeTempDirs, silentLogger, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";

const json = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

describe("relayer: reorgs of its own transactions (anvil)", function () {
  this.timeout(5 * PATIENCE_MS); // each wait is bounded by PATIENCE_MS
  let chain: CliChain;
  let client: PublicClient;
  let domain: PennyPostDomain;
  let fee: bigint;
  let relayer: Relayer;

  const read = <T>(functionName: string, args: readonly unknown[]) =>
    client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args } as never) as Promise<T>;
  const fund = (account: Address) => writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "deposit", args: [account], value: parseEther("0.01") });
  const action = (body: unknown): Action => actionSchema.parse(json(body));
  const batched = async (signer: PrivateKeyAccount, nonce: bigint) => {
    const message = { author: signer.address, parentId: 0n, content: `batched ${nonce}`, maxFee: fee, nonce, deadline: 2n ** 40n };
    return action({ type: "post", mode: "batched", message, signature: (await signPost(signer, domain, message)).signature });
  };
  const anchored = async (signer: PrivateKeyAccount, seq: bigint) => {
    const message = { author: signer.address, parentId: 0n, content: `anchored ${seq}`, seq, cumulativeFee: seq * fee };
    return action({ type: "post", mode: "anchored-hash", message, signature: (await signAnchoredPost(signer, domain, message)).signature });
  };
  const statuses = async (ids: string[]) => Promise.all(ids.map(async (id) => (await relayer.record(id))!.status));
  const stepUntil = async (done: () => Promise<boolean>, what: string) => {
    for (const deadline = performance.now() + PATIENCE_MS; performance.now() < deadline;) {
      await relayer.step();
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`never: ${what}`);
  };

  before(async () => {
    chain = await startCliChain();
    client = createPublicClient({ transport: http(chain.anvil.url) }) as PublicClient;
    domain = pennyPostDomain(await client.getChainId(), chain.pennyPost);
    fee = await read<bigint>("postFee", []);
    relayer = new Relayer(
      {
        address: chain.pennyPost, chainId: await client.getChainId(), privateKey: chain.key(9), dataDir: await tempDir("relayer-reorg"),
        batchMaxActions: 64, batchIntervalMs: 50, bumpAfterMs: 60_000, ratePerMinute: 600, maxPending: 256, accountGasAtRisk: 1_000_000,
      },
      client,
      silentLogger,
    );
    await relayer.open();
  });
  after(async () => {
    await relayer?.stop();
    await chain?.stop();
    await removeTempDirs();
  });

  it("a depth-12 reorg that drops every relayer transaction: back to submitted, sent again, each action included once", async () => {
    const poster = privateKeyToAccount(generatePrivateKey());
    const anchorer = privateKeyToAccount(generatePrivateKey());
    await fund(poster.address);
    await fund(anchorer.address);
    // The deposits stay below the reorg: only the relayer's transactions are dropped.
    await chain.anvil.rpc("anvil_mine", ["0x10"]);
    await relayer.step();
    const ids: string[] = [];
    for (let n = 0n; n < 3n; n++) ids.push((await relayer.accept(await batched(poster, n))).id);
    for (let s = 1n; s <= 3n; s++) ids.push((await relayer.accept(await anchored(anchorer, s))).id);
    await stepUntil(async () => (await statuses(ids)).every((s) => s === "included") && (await read<bigint>("anchoredFeesPaid", [anchorer.address])) === 3n * fee, "all included and fees paid");
    const before = await client.getBlockNumber({ cacheTime: 0 });
    const relayerNonce = await client.getTransactionCount({ address: chain.address(9) });
    assert.ok(relayerNonce >= 3, `the relayer sent ${relayerNonce} transactions`);
    assert.equal(await read<bigint>("nonces", [poster.address]), 3n);

    await chain.anvil.rpc("anvil_reorg", [12, []]);
    assert.ok((await read<bigint>("nonces", [poster.address])) < 3n, "the reorg dropped the batched posts");
    await relayer.step();
    assert.ok((await statuses(ids)).some((s) => s === "submitted"), "dropped actions are submitted again, not included");

    await stepUntil(async () => (await statuses(ids)).every((s) => s === "included") && (await read<bigint>("anchoredFeesPaid", [anchorer.address])) === 3n * fee, "all included again");
    assert.equal(await read<bigint>("nonces", [poster.address]), 3n, "each batched post executed once");
    assert.equal(await read<bigint>("anchoredFeesPaid", [anchorer.address]), 3n * fee, "fees paid once");
    assert.ok((await client.getBlockNumber({ cacheTime: 0 })) >= before - 12n);
  });
});
