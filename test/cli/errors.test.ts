import assert from "node:assert/strict";

import { describe, it } from "mocha";
import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  EstimateGasExecutionError,
  InsufficientFundsError,
  encodeErrorResult,
  type AbiParameter,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { CliError, RevertedOnChain, explainError } from "../../tasks/errors.ts";
import { assetBook, explainContext } from "../../tasks/format.ts";

const TOKEN = "0x00000000000000000000000000000000000000aa";
const ctx = explainContext(assetBook([[TOKEN, { symbol: "PPTEST", decimals: 18 }]]), TOKEN);

/** What viem throws when a simulated call reverts with `data`: the revert, wrapped. */
function simulatedRevert(data: Hex): BaseError {
  const revert = new ContractFunctionRevertedError({ abi: pennyPostAbi, data, functionName: "post" });
  return new ContractFunctionExecutionError(revert, { abi: pennyPostAbi, functionName: "post", args: [] });
}

function sampleArgs(inputs: readonly AbiParameter[]): unknown[] {
  return inputs.map((input) => (input.type === "address" ? TOKEN : input.type === "uint8" ? 8 : 7n));
}

describe("CLI error messages", () => {
  describe("for every custom error of PennyPost", () => {
    for (const item of pennyPostAbi.filter((i) => i.type === "error")) {
      it(`${item.name}: one line of its own, with its numbers`, () => {
        const args = sampleArgs(item.inputs);
        const data = encodeErrorResult({ abi: pennyPostAbi, errorName: item.name, args } as never);
        const message = explainError(simulatedRevert(data), ctx);
        assert.ok(message !== undefined && message.length > 10);
        assert.ok(!message.includes("\n") && !message.includes("undefined"), message);
        assert.ok(!message.startsWith("the contract refuses the call"), `${item.name} has no entry of its own: ${message}`);
        // 7 units of ETH or of the sample token (addresses in the sample are the token's)
        if (args.includes(7n)) assert.match(message, /\b7\b|0\.000000000000000007 (ETH|PPTEST)/);
      });
    }
  });

  it("PennyPostWrongFee names the new fee in ETH", () => {
    const data = encodeErrorResult({ abi: pennyPostAbi, errorName: "PennyPostWrongFee", args: [10n ** 13n, 2n * 10n ** 13n] });
    assert.equal(explainError(simulatedRevert(data), ctx), "the posting fee changed to 0.00002 ETH; run again.");
  });

  it("decodes an ERC-20 error the token raised inside a PennyPost call", () => {
    const data = encodeErrorResult({ abi: pennyTestTokenAbi, errorName: "ERC20InsufficientBalance", args: [TOKEN, 10n ** 18n, 3n * 10n ** 18n] });
    assert.match(explainError(simulatedRevert(data), ctx) ?? "", /holds 1 PPTEST, the tip needs 3 PPTEST/);
  });

  it("names an unknown error by its selector instead of guessing", () => {
    assert.match(explainError(simulatedRevert("0x12345678"), ctx) ?? "", /an error this command does not know \(0x12345678\)/);
  });

  it("adds the transaction to a revert found after mining", () => {
    const data = encodeErrorResult({ abi: pennyPostAbi, errorName: "EnforcedPause" });
    const revert = new ContractFunctionRevertedError({ abi: pennyPostAbi, data, functionName: "post" });
    assert.match(explainError(new RevertedOnChain("transaction 0xab reverted in block 9", revert), ctx) ?? "", /^PennyPost is paused .* \(transaction 0xab reverted in block 9\)$/);
  });

  it("finds insufficient funds anywhere in the chain of causes", () => {
    const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const error = new EstimateGasExecutionError(new InsufficientFundsError(), { account });
    assert.match(explainError(error, { ...ctx, account: account.address }) ?? "", new RegExp(`^${account.address} does not hold enough ETH`));
  });

  it("passes CliError messages through and leaves other errors (bugs) alone", () => {
    assert.equal(explainError(new CliError("do this"), ctx), "do this");
    assert.equal(explainError(new TypeError("a bug"), ctx), undefined);
    assert.equal(explainError(new BaseError("unrelated"), ctx), undefined);
  });
});
