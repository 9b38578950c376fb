import assert from "node:assert/strict";

import { describe, it } from "mocha";

import { assessIndex, indexerStatus } from "../../server/api/status.ts";
import type { FollowerStatus } from "../../server/chain/follower.ts";

const NOW = 1_800_000_000_000;
const follower = (overrides: Partial<FollowerStatus> = {}): FollowerStatus => ({
  chainHead: 40, chainHeadAt: NOW - 100, cursor: { number: 40, hash: "0xaa" }, lastReorgDepth: 0, reorgs: 0, eventsPerSecond: 0,
  caughtUp: true, failing: false, haltReason: null, haltCode: null, cursorOffChain: false, ...overrides,
});
const options = { nodeTimeoutMs: 1_000, now: NOW, finalityDepth: 0, everCaughtUp: true };

describe("the index's truth (assessIndex, indexerStatus)", () => {
  it("serves, and is ready, when the indexed block is the node's head, read within NODE_TIMEOUT_MS", () => {
    const status = indexerStatus(follower(), options);
    assert.deepEqual([status.unavailable, status.ready, status.lag], [null, true, 0]);
  });

  it("is index_ahead_of_chain, with a negative lag, when the indexed block is above the node's head", () => {
    const status = indexerStatus(follower({ chainHead: 36 }), options);
    assert.deepEqual([status.unavailable?.code, status.ready, status.lag], ["index_ahead_of_chain", false, -4]);
  });

  it("is node_unavailable when the head was read longer than NODE_TIMEOUT_MS ago, or never", () => {
    assert.equal(assessIndex(follower({ chainHeadAt: NOW - 1_001 }), options)?.code, "node_unavailable");
    assert.equal(assessIndex(follower({ chainHeadAt: null }), options)?.code, "node_unavailable");
    assert.equal(assessIndex(follower({ chainHeadAt: NOW - 999 }), options), null);
  });

  it("is index_off_chain while the node has another block at the cursor's height", () => {
    assert.equal(assessIndex(follower({ cursorOffChain: true }), options)?.code, "index_off_chain");
  });

  it("says why ingestion halted, with the halt's code, before anything else", () => {
    const replaced = follower({ haltReason: "another chain", haltCode: "chain_replaced", chainHeadAt: null, chainHead: 3 });
    assert.deepEqual(assessIndex(replaced, options), { code: "chain_replaced", reason: "another chain" });
    assert.equal(assessIndex(follower({ haltReason: "deep reorg", haltCode: "index_halted" }), options)?.code, "index_halted");
    assert.equal(indexerStatus(replaced, options).ready, false);
  });

  it("reports when the head was read", () => {
    assert.equal(indexerStatus(follower(), options).chainHeadAt, new Date(NOW - 100).toISOString());
  });
});
