import assert from "node:assert/strict";

import { describe, it } from "mocha";

import { CliError } from "../../tasks/errors.ts";
import { assetBook, formatAmount, formatTime, parseAmount, parseAddress } from "../../tasks/format.ts";

describe("CLI parsing and printing", () => {
  describe("parseAmount", () => {
    it("reads decimals exactly, in the asset's smallest unit", () => {
      assert.equal(parseAmount("0.001", 18, "ETH"), 10n ** 15n);
      assert.equal(parseAmount("1", 6, "USDC"), 10n ** 6n);
      assert.equal(parseAmount(".5", 18, "ETH"), 5n * 10n ** 17n);
      assert.equal(parseAmount("2.", 18, "ETH"), 2n * 10n ** 18n);
      assert.equal(parseAmount("0.000000000000000001", 18, "ETH"), 1n);
      assert.equal(parseAmount("123456789012345678901234567890", 0, "X"), 123456789012345678901234567890n);
    });

    it("refuses what it cannot read exactly", () => {
      for (const text of [undefined, "", ".", "abc", "1,5", "-1", "1e3", "0x10", "0", "0.000", "0.0000001"]) {
        assert.throws(() => parseAmount(text, 6, "USDC"), CliError, String(text));
      }
    });
  });

  it("parseAddress accepts any case and returns the checksummed address", () => {
    assert.equal(parseAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "--author"), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert.throws(() => parseAddress("0xf39f", "--author"), /--author must be a 0x-prefixed 20-byte address/);
  });

  it("formatAmount names ETH and known tokens, and shows raw units of unknown ones", () => {
    const book = assetBook([["0x00000000000000000000000000000000000000AA", { symbol: "PPTEST", decimals: 18 }]]);
    assert.equal(formatAmount(book, "0x0000000000000000000000000000000000000000", "975000000000000"), "0.000975 ETH");
    assert.equal(formatAmount(book, "0x00000000000000000000000000000000000000aa", 25n * 10n ** 17n), "2.5 PPTEST");
    assert.equal(formatAmount(book, "0x00000000000000000000000000000000000000bb", 5n), "5 units of 0x00000000000000000000000000000000000000bb");
  });

  it("formatTime prints UTC to the second", () => {
    assert.equal(formatTime(1_795_464_508), "2026-11-23 20:08:28 UTC");
  });
});
