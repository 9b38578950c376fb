import assert from "node:assert/strict";
import { stripVTControlCharacters } from "node:util";

import { network } from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { after, before, describe, it } from "mocha";
import { parseEventLogs, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import postAction from "../../tasks/post.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { PATIENCE_MS, until } from "../support/wait.ts";
import { assertFails, field, pennypost, startCliChain, writeAs, type CliChain } from "./helpers.ts";

const POST_FEE = 10n ** 13n;

describe("pennypost post and reply (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  const postCount = () => chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "postCount" });
  const asOwner = (functionName: string, args: bigint[] = []) => writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName, args });

  before(async () => {
    chain = await startCliChain();
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  describe("post", () => {
    it("publishes the text, pays the posting fee and prints the post id, tx hash and gas used", async () => {
      const result = await pennypost(chain, ["post", "--text", "hello from the command line"], { as: 1 });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(field(result.stdout, "post"), "#1");
      assert.equal(field(result.stdout, "author"), chain.anvil.accounts[1].address);
      assert.equal(field(result.stdout, "fee"), "0.00001 ETH");
      const receipt = await chain.anvil.client.getTransactionReceipt({ hash: field(result.stdout, "tx") as Hex });
      assert.equal(field(result.stdout, "gas used"), receipt.gasUsed.toLocaleString("en-US"));
      const [posted] = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt.logs });
      assert.deepEqual(
        { ...posted.args },
        { postId: 1n, author: chain.anvil.accounts[1].address, parentId: 0n, fee: POST_FEE, content: "hello from the command line" },
      );
      assert.equal(await postCount(), 1n);
    });
  });

  describe("reply", () => {
    it("publishes a reply to the parent post", async () => {
      const result = await pennypost(chain, ["reply", "--parent", "1", "--text", "a reply ✓"], { as: 2 });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(field(result.stdout, "post"), "#2");
      assert.equal(field(result.stdout, "reply to"), "#1");
      const receipt = await chain.anvil.client.getTransactionReceipt({ hash: field(result.stdout, "tx") as Hex });
      const [posted] = parseEventLogs({ abi: pennyPostAbi, eventName: "Posted", logs: receipt.logs });
      assert.equal(posted.args.parentId, 1n);
      assert.equal(posted.args.content, "a reply ✓");
    });
  });

  describe("when the input is bad", () => {
    it("refuses each with one line saying what to do, exit code 1, and posts nothing", async () => {
      const before = await postCount();
      const [noText, empty, tooLong, unknownParent, noParent, badParent, badFrom] = await Promise.all([
        pennypost(chain, ["post"]),
        pennypost(chain, ["post", "--text", "  "]),
        pennypost(chain, ["post", "--text", "é".repeat(513)]),
        pennypost(chain, ["reply", "--parent", "99", "--text", "to nothing"]),
        pennypost(chain, ["reply", "--text", "to nothing"]),
        pennypost(chain, ["reply", "--parent", "one", "--text", "x"]),
        pennypost(chain, ["post", "--text", "x", "--from", "3"]),
      ]);
      assertFails(noText, /give the text with --text/);
      assertFails(empty, /the text is empty/);
      assertFails(tooLong, /the text is 1026 bytes of UTF-8, at most 1024 are allowed; shorten it/);
      assertFails(unknownParent, /there is no post #99; find post ids with `\.\/pennypost feed`/);
      assertFails(noParent, /give the post's id with --parent <id>/);
      assertFails(badParent, /--parent must be a post id, a whole number from 1, not "one"/);
      assertFails(badFrom, /--from 3 is not an account of network "custom": it has 1 \(--from 0 to 0\)/);
      assert.equal(await postCount(), before);
    });

    it("says so when the account cannot pay the fee and the gas", async () => {
      const result = await pennypost(chain, ["post", "--text", "no money"], { as: generatePrivateKey() });
      assertFails(result, /does not hold enough ETH for this transaction and its gas; fund it/);
    });
  });

  describe("--from, on a node that signs for its own accounts (network type http, accounts remote)", () => {
    // The task action itself, in process, with a Hardhat runtime whose network is the test anvil.
    const hreOnAnvil = () =>
      ({ network: { create: () => network.create({ network: "anvil", override: { url: chain.anvil.url } }) } }) as unknown as HardhatRuntimeEnvironment;

    /** Runs `action` with console.log and console.error captured. */
    async function captured<T>(action: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
      const out: unknown[] = [];
      const err: unknown[] = [];
      const { log, error } = console;
      console.log = (...args: unknown[]) => out.push(...args);
      console.error = (...args: unknown[]) => err.push(...args);
      try {
        return { result: await action(), out: out.join("\n"), err: stripVTControlCharacters(err.join("\n")) };
      } finally {
        Object.assign(console, { log, error });
      }
    }

    it("signs with the chosen account", async () => {
      const { result, out } = await captured(() => postAction({ text: "from account 4", from: 4, deployment: chain.deploymentFile, via: "direct", api: "http://127.0.0.1:8080" }, hreOnAnvil()));
      assert.deepEqual(result, { success: true, value: undefined });
      assert.equal(field(out, "author"), chain.address(4));
      const author = await chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "authorOf", args: [await postCount()] });
      assert.equal(author, chain.address(4));
    });

    it("refuses an index past the node's accounts: a failed Result, which makes Hardhat exit with 1", async () => {
      const { result, out, err } = await captured(() => postAction({ text: "x", from: 10, deployment: chain.deploymentFile, via: "direct", api: "http://127.0.0.1:8080" }, hreOnAnvil()));
      const message = '--from 10 is not an account of network "anvil": it has 10 (--from 0 to 9)';
      assert.deepEqual(result, { success: false, error: message });
      assert.equal(out, "");
      assert.equal(err, `Error: ${message}`);
    });
  });

  describe("when PennyPost is paused", () => {
    it("explains that posting is stopped and withdrawals still work", async () => {
      await asOwner("pause");
      const result = await pennypost(chain, ["post", "--text", "while paused"], { as: 1 });
      await asOwner("unpause");
      assertFails(result, /PennyPost is paused by its owner; posting and tipping are stopped, withdrawals still work/);
    });
  });

  describe("when the posting fee changes before the post is mined", () => {
    it("says the new fee and to run again (PennyPostWrongFee, found by simulating at the block)", async () => {
      const before = await postCount();
      await chain.anvil.rpc("evm_setAutomine", [false]);
      try {
        const running = pennypost(chain, ["post", "--text", "racing the fee"], { as: 3 });
        // The post is in the pool: the owner's fee change goes first in the same block (higher tip).
        await until("the post to reach the pool", async () => Number(((await chain.anvil.rpc("txpool_status")) as { pending: string }).pending) > 0, { everyMs: 10 });
        await chain.anvil.wallet(0).writeContract({
          address: chain.pennyPost, abi: pennyPostAbi, functionName: "setPostFee", args: [2n * POST_FEE],
          account: chain.anvil.accounts[0], chain: undefined, maxPriorityFeePerGas: 10n ** 11n, maxFeePerGas: 2n * 10n ** 11n,
        });
        await chain.anvil.rpc("evm_mine");
        const result = await running;
        assertFails(result, /the posting fee changed to 0\.00002 ETH; run again\. \(transaction 0x[0-9a-f]{64} reverted in block \d+; its gas was spent/);
      } finally {
        await chain.anvil.rpc("evm_setAutomine", [true]);
      }
      assert.equal(await postCount(), before);
      // The next run reads the new fee.
      const again = await pennypost(chain, ["post", "--text", "racing the fee"], { as: 3 });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(field(again.stdout, "fee"), "0.00002 ETH");
      await asOwner("setPostFee", [POST_FEE]);
    });
  });
});
