import assert from "node:assert/strict";

import fc from "fast-check";
import { describe, it } from "mocha";

import type { PostRecord, TipRecord } from "../../server/domain.ts";
import { postJson, tipJson } from "../../server/ingest/project.ts";

const address = fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }).map((n) => `0x${n.toString(16).padStart(40, "0")}` as const);
const hash = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map((n) => `0x${n.toString(16).padStart(64, "0")}` as const);
const uint = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }).map(String);
const where = { block: fc.nat(), logIndex: fc.nat(), txHash: hash, timestamp: fc.nat() };

describe("hand-written record serializers (postJson, tipJson)", () => {
  it("write exactly what JSON.stringify writes, for any content (any UTF-16, quotes, controls) and any amounts (fast-check)", () => {
    // The record literals list every field of the interfaces, in their order.
    const post = fc.record({
      id: uint, author: address, parentId: uint, fee: uint, content: fc.string({ unit: "binary", maxLength: 300 }),
      mode: fc.constantFrom("direct" as const, "batched" as const), ...where,
    }) satisfies fc.Arbitrary<PostRecord>;
    const tip = fc.record({
      postId: uint, tipper: address, author: address, asset: address, amount: uint, fee: uint,
      mode: fc.constantFrom("direct" as const, "batched" as const, "voucher" as const), ...where,
    }) satisfies fc.Arbitrary<TipRecord>;
    fc.assert(fc.property(post, (record) => assert.equal(postJson(record), JSON.stringify(record))), { numRuns: 2_000 });
    fc.assert(fc.property(tip, (record) => assert.equal(tipJson(record), JSON.stringify(record))), { numRuns: 2_000 });
  });

  it("escape what JSON must escape in content", () => {
    const record: PostRecord = {
      id: "1", author: `0x${"a".repeat(40)}`, parentId: "0", fee: "0", content: 'say "hi"\\\n\u0000\ud800', mode: "direct",
      block: 1, logIndex: 0, txHash: `0x${"b".repeat(64)}`, timestamp: 2,
    };
    assert.deepEqual(JSON.parse(postJson(record)), record);
  });
});
