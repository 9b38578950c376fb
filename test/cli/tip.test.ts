import assert from "node:assert/strict";

import { artifacts } from "hardhat";
import { after, before, describe, it } from "mocha";
import { getAddress, parseEther, parseEventLogs, type Address, type Hex } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, field, pennypost, startCliChain, writeAs, type CliChain } from "./helpers.ts";

const ETH = "0x0000000000000000000000000000000000000000";
const AUTHOR = 1;
const TIPPER = 3;

describe("pennypost tip (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let author: Address;
  let tipper: Address;
  const read = {
    owed: (account: Address, asset: Address) =>
      chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "owed", args: [account, asset] }),
    allowance: (owner: Address) =>
      chain.anvil.client.readContract({ address: chain.testToken, abi: pennyTestTokenAbi, functionName: "allowance", args: [owner, chain.pennyPost] }),
  };

  before(async () => {
    chain = await startCliChain();
    author = chain.address(AUTHOR);
    tipper = chain.address(TIPPER);
    await writeAs(chain, AUTHOR, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, "tip me"], value: 10n ** 13n });
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  describe("in ETH", () => {
    it("tips the post: the author is credited the amount minus the 2.5% fee", async () => {
      const owedBefore = await read.owed(author, ETH);
      const result = await pennypost(chain, ["tip", "--post", "1", "--amount", "0.001"], { as: TIPPER });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(field(result.stdout, "tipped"), "post #1");
      assert.equal(field(result.stdout, "amount"), "0.001 ETH");
      assert.equal(field(result.stdout, "author"), `${author} (credited 0.000975 ETH)`);
      assert.equal(field(result.stdout, "fee"), "0.000025 ETH");
      assert.equal(await read.owed(author, ETH), owedBefore + parseEther("0.000975"));
      const receipt = await chain.anvil.client.getTransactionReceipt({ hash: field(result.stdout, "tx") as Hex });
      const [tipped] = parseEventLogs({ abi: pennyPostAbi, eventName: "Tipped", logs: receipt.logs });
      assert.equal(tipped.args.tipper, tipper);
      assert.equal(tipped.args.amount, parseEther("0.001"));
    });
  });

  describe("in the test token (PPTEST)", () => {
    it("approves the missing allowance, then tips", async () => {
      const result = await pennypost(chain, ["tip", "--post", "1", "--amount", "2.5", "--token", "PPTEST"], { as: TIPPER });
      assert.equal(result.status, 0, result.stderr);
      assert.match(field(result.stdout, "approved"), /^2\.5 PPTEST for PennyPost \(tx 0x[0-9a-f]{64}\)$/);
      assert.equal(field(result.stdout, "amount"), "2.5 PPTEST");
      assert.equal(field(result.stdout, "author"), `${author} (credited 2.4375 PPTEST)`);
      assert.equal(await read.owed(author, chain.testToken), parseEther("2.4375"));
      assert.equal(await read.allowance(tipper), 0n, "approved exactly the tip");
    });

    it("does not approve again when the allowance is enough (token given by address)", async () => {
      await writeAs(chain, 4, { address: chain.testToken, abi: pennyTestTokenAbi, functionName: "approve", args: [chain.pennyPost, parseEther("10")] });
      const result = await pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", chain.testToken.toLowerCase()], { as: 4 });
      assert.equal(result.status, 0, result.stderr);
      assert.ok(!result.stdout.includes("approved"), result.stdout);
      assert.equal(field(result.stdout, "amount"), "1 PPTEST");
      assert.equal(await read.allowance(chain.address(4)), parseEther("9"));
    });
  });

  describe("when the tip cannot go through", () => {
    it("refuses bad input and tips that would fail, one line each, exit code 1, before approving anything", async () => {
      const artifact = await artifacts.readArtifact("PennyTestToken");
      const deployHash = await chain.anvil.wallet(0).deployContract({
        abi: artifact.abi, bytecode: artifact.bytecode as Hex, account: chain.anvil.accounts[0], chain: undefined,
      });
      const otherToken = getAddress((await chain.anvil.client.waitForTransactionReceipt({ hash: deployHash })).contractAddress as Address);
      await writeAs(chain, 0, { address: otherToken, abi: pennyTestTokenAbi, functionName: "faucet", args: [tipper, parseEther("5")] });
      const owedBefore = await read.owed(author, ETH);
      const results = await Promise.all([
        pennypost(chain, ["tip", "--post", "1"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "0"], { as: TIPPER }), // other bad amounts: format.test.ts
        pennypost(chain, ["tip", "--amount", "1"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "7", "--amount", "0.001"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "7", "--amount", "1", "--token", "PPTEST"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", otherToken], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", "0x1234"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", chain.pennyPost], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "20000", "--token", "PPTEST"], { as: 5 }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", "ETH"], { as: TIPPER }),
      ]);
      const expected = [
        /give the amount in ETH with --amount, e\.g\. --amount 0\.001/,
        /--amount must be more than 0/,
        /give the post's id with --post <id>/,
        /there is no post #7/,
        /there is no post #7/,
        new RegExp(`PPTEST \\(${otherToken}\\) is not accepted for tips by this PennyPost .*; tip in ETH`),
        /--token must be ETH, PPTEST \(the local test token\) or a token.s 0x address, not "0x1234"/,
        new RegExp(`${chain.pennyPost} does not answer decimals\\(\\) on network "custom": is it an ERC-20 token there\\?`),
        new RegExp(`${chain.address(5)} holds 10000 PPTEST, the tip needs 20000 PPTEST`),
        /to tip in ETH, leave out --token/,
      ];
      results.forEach((result, i) => assertFails(result, expected[i]));
      assert.equal(await read.owed(author, ETH), owedBefore);
      assert.equal(await read.allowance(tipper), 0n, "nothing approved");
    });

    it("says PennyPost is paused, for ETH and token tips, without approving", async () => {
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "pause" });
      const [eth, token] = await Promise.all([
        pennypost(chain, ["tip", "--post", "1", "--amount", "0.001"], { as: TIPPER }),
        pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", "PPTEST"], { as: 5 }),
      ]);
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "unpause" });
      assertFails(eth, /PennyPost is paused by its owner; posting and tipping are stopped, withdrawals still work/);
      assertFails(token, /PennyPost is paused by its owner/);
      assert.equal(await read.allowance(chain.address(5)), 0n);
    });
  });
});
