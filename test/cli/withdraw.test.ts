import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { parseEther, type Address, type Hex } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, field, pennypost, startCliChain, writeAs, type CliChain } from "./helpers.ts";

const ETH = "0x0000000000000000000000000000000000000000";
const AUTHOR = 1;
const TIPPER = 3;

describe("pennypost withdraw (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let author: Address;
  const owed = (asset: Address) =>
    chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName: "owed", args: [author, asset] });
  const tokenBalance = () =>
    chain.anvil.client.readContract({ address: chain.testToken, abi: pennyTestTokenAbi, functionName: "balanceOf", args: [author] });
  const tipEth = (amount: string) =>
    writeAs(chain, TIPPER, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "tip", args: [1n], value: parseEther(amount) });

  before(async () => {
    chain = await startCliChain();
    author = chain.address(AUTHOR);
    await writeAs(chain, AUTHOR, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, "withdraw me"], value: 10n ** 13n });
    await tipEth("0.001");
    await writeAs(chain, TIPPER, { address: chain.testToken, abi: pennyTestTokenAbi, functionName: "approve", args: [chain.pennyPost, parseEther("2")] });
    await writeAs(chain, TIPPER, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "tipToken", args: [1n, chain.testToken, parseEther("2")] });
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  it("withdraws everything owed in ETH by default and prints the amount", async () => {
    const balanceBefore = await chain.anvil.client.getBalance({ address: author });
    const result = await pennypost(chain, ["withdraw"], { as: AUTHOR });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(field(result.stdout, "withdrew"), "0.000975 ETH");
    assert.equal(field(result.stdout, "to"), author);
    assert.equal(await owed(ETH), 0n);
    const receipt = await chain.anvil.client.getTransactionReceipt({ hash: field(result.stdout, "tx") as Hex });
    const balanceAfter = await chain.anvil.client.getBalance({ address: author });
    assert.equal(balanceAfter, balanceBefore + parseEther("0.000975") - receipt.gasUsed * receipt.effectiveGasPrice);
  });

  it("withdraws a token balance with --asset PPTEST", async () => {
    const before = await tokenBalance();
    const result = await pennypost(chain, ["withdraw", "--asset", "pptest"], { as: AUTHOR });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(field(result.stdout, "withdrew"), "1.95 PPTEST");
    assert.equal(await tokenBalance(), before + parseEther("1.95"));
    assert.equal(await owed(chain.testToken), 0n);
  });

  it("says there is nothing to withdraw, exit code 1, when nothing is owed", async () => {
    const [eth, token, stranger] = await Promise.all([
      pennypost(chain, ["withdraw"], { as: AUTHOR }),
      pennypost(chain, ["withdraw", "--asset", chain.testToken], { as: AUTHOR }),
      pennypost(chain, ["withdraw", "--asset", "ETH"], { as: 6 }),
    ]);
    assertFails(eth, new RegExp(`^Error: ${author} is owed nothing in ETH; there is nothing to withdraw\\.$`));
    assertFails(token, new RegExp(`${author} is owed nothing in PPTEST \\(${chain.testToken}\\); there is nothing to withdraw`));
    assertFails(stranger, new RegExp(`${chain.address(6)} is owed nothing in ETH`));
  });

  it("refuses an asset that is not ETH, PPTEST or an address", async () => {
    const [bad, empty] = await Promise.all([
      pennypost(chain, ["withdraw", "--asset", "DAI"], { as: AUTHOR }),
      pennypost(chain, ["withdraw", "--asset", ""], { as: AUTHOR }),
    ]);
    assertFails(bad, /--asset must be ETH, PPTEST \(the local test token\) or a token's 0x address, not "DAI"/);
    assertFails(empty, /--asset must be ETH, PPTEST or a token address/);
  });

  it("still withdraws while PennyPost is paused", async () => {
    await tipEth("0.002");
    await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "pause" });
    const result = await pennypost(chain, ["withdraw"], { as: AUTHOR });
    await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "unpause" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(field(result.stdout, "withdrew"), "0.00195 ETH");
    assert.equal(await owed(ETH), 0n);
  });
});
