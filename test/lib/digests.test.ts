/**
 * lib/digests.ts hashes the relayer's EIP-712 actions by hand: each digest equals viem's
 * `hashTypedData` (the reference the contract's own `_hashTypedDataV4` is tested against in
 * test/contracts/relayed.test.ts) on random messages and domains.
 */
import assert from "node:assert/strict";

import fc from "fast-check";
import { bytesToHex, type Address, type Hex } from "viem";

import { digesters } from "../../lib/digests.ts";
import { anchoredPostDigest, pennyPostDomain, postDigest, tipDigest, voucherDigest } from "../../lib/relayed.ts";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b) as Hex);
const uint = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const domain = fc.record({ chainId: fc.integer({ min: 1, max: 2 ** 32 }), verifyingContract: address }).map((d) => pennyPostDomain(d.chainId, d.verifyingContract));
const content = fc.string({ unit: "grapheme", maxLength: 300 });

describe("lib/digests: hand-built EIP-712 digests", () => {
  it("Post equals viem's hashTypedData", () => {
    fc.assert(fc.property(domain, address, uint, content, uint, uint, uint, (d, author, parentId, text, maxFee, nonce, deadline) => {
      const message = { author, parentId, content: text, maxFee, nonce, deadline };
      assert.equal(bytesToHex(digesters(d).post(message)), postDigest(d, message));
    }), { numRuns: 200 });
  });

  it("Tip equals viem's hashTypedData", () => {
    fc.assert(fc.property(domain, address, uint, address, address, uint, uint, uint, (d, tipper, postId, author, asset, amount, nonce, deadline) => {
      const message = { tipper, postId, author, asset, amount, nonce, deadline };
      assert.equal(bytesToHex(digesters(d).tip(message)), tipDigest(d, message));
    }), { numRuns: 200 });
  });

  it("TipVoucher equals viem's hashTypedData", () => {
    fc.assert(fc.property(domain, address, address, uint, word, (d, tipper, asset, cumulativeAmount, tipsHash) => {
      const message = { tipper, asset, cumulativeAmount, tipsHash };
      assert.equal(bytesToHex(digesters(d).voucher(message)), voucherDigest(d, message));
    }), { numRuns: 200 });
  });

  it("AnchoredPost equals viem's hashTypedData", () => {
    fc.assert(fc.property(domain, address, uint, content, uint, uint, (d, author, parentId, text, seq, cumulativeFee) => {
      const message = { author, parentId, content: text, seq, cumulativeFee };
      assert.equal(bytesToHex(digesters(d).anchoredPost(message)), anchoredPostDigest(d, message));
    }), { numRuns: 100 });
  });
});
