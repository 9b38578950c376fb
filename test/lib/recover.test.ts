/**
 * lib/recover-pool.ts recovers signers on worker threads: every answer must be exactly the
 * synchronous lib/recover.ts's (valid signatures, high-s twins, bad v, garbage, wrong lengths),
 * in the callers' order, under concurrency; a closed pool refuses with a clear error; idle workers
 * do not keep a process alive. And anchored ingest (resolveAnchors) on the pool gives the same
 * resolution as the synchronous resolveAnchorData.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import fc from "fast-check";
import { after, before, describe, it } from "mocha";
import secp256k1 from "secp256k1";
import type { Address, Hex } from "viem";

import { anchoredPostDigester, buildAnchorTree, encodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { keccak, keccakHex } from "../../lib/keccak.ts";
import { recoverSigner } from "../../lib/recover.ts";
import { createRecoverPool, RecoverPoolClosedError, type RecoverItem, type RecoverPool } from "../../lib/recover-pool.ts";
import { pennyPostDomain } from "../../lib/relayed.ts";
import { anchoredSignerRecovery, recoverSigner as recoverSignerFromAnchors, resolveAnchorData, resolveAnchors } from "../../server/ingest/anchors.ts";
import type { AnchoredEvent, AnchorResolution, ProtocolEvent } from "../../server/domain.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const bytes32 = (n: bigint): Uint8Array => Buffer.from(n.toString(16).padStart(64, "0"), "hex");
const addressOf = (key: Uint8Array): Address => `0x${Buffer.from(keccak(secp256k1.publicKeyCreate(key, false).subarray(1))).toString("hex", 12)}`;

/** r ‖ s ‖ v (27/28) with libsecp256k1 (low s, as every wallet signs). */
function sign(digest: Uint8Array, key: Uint8Array): Uint8Array {
  const { signature, recid } = secp256k1.ecdsaSign(digest, key);
  const out = new Uint8Array(65);
  out.set(signature);
  out[64] = 27 + recid;
  return out;
}

/** The same signature with s' = n - s and the other v: valid for ecrecover, refused by OpenZeppelin's ECDSA. */
function highSTwin(signature: Uint8Array): Uint8Array {
  const twin = Uint8Array.from(signature);
  twin.set(bytes32(N - BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString("hex")}`)), 32);
  twin[64] = signature[64] === 27 ? 28 : 27;
  return twin;
}

const key = fc.bigInt({ min: 1n, max: N - 1n }).map(bytes32);
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const valid = fc.tuple(key, digest).map(([k, d]) => ({ digest: d, signature: sign(d, k), signer: addressOf(k) }));
/** Every kind of input: valid, high-s twins, bad v, garbage, r/s zero or out of range, wrong lengths, views. */
const anyItem: fc.Arbitrary<RecoverItem> = fc.oneof(
  valid,
  valid.map(({ digest, signature }) => ({ digest, signature: highSTwin(signature) })),
  fc.tuple(valid, fc.integer({ min: 0, max: 255 }).filter((v) => v !== 27 && v !== 28)).map(([{ digest, signature }, v]) => {
    const bad = Uint8Array.from(signature);
    bad[64] = v;
    return { digest, signature: bad };
  }),
  // garbage: random r, s and v (27/28 half the time): some recover to an unrelated address, most to none
  fc.tuple(digest, fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(0, 1, 27, 28, 255)).map(([d, rs, v]) => ({ digest: d, signature: Uint8Array.from([...rs, v]) })),
  // r or s zero or out of range
  fc.tuple(valid, fc.constantFrom("r0", "s0", "rN", "sN")).map(([{ digest, signature }, what]) => {
    const bad = Uint8Array.from(signature);
    bad.set(what.endsWith("0") ? new Uint8Array(32) : bytes32(N), what.startsWith("r") ? 0 : 32);
    return { digest, signature: bad };
  }),
  // wrong lengths
  fc.tuple(valid, fc.integer({ min: 0, max: 80 }).filter((n) => n !== 65)).map(([{ digest, signature }, n]) => ({ digest, signature: Uint8Array.from({ length: n }, (_, i) => signature[i % 65]) })),
  fc.tuple(valid, fc.integer({ min: 0, max: 40 }).filter((n) => n !== 32)).map(([{ digest, signature }, n]) => ({ digest: Uint8Array.from({ length: n }, (_, i) => digest[i % 32]), signature })),
  // views into a larger buffer (the pool must copy the view, not the buffer)
  valid.map(({ digest, signature }) => {
    const backing = new Uint8Array(3 + 32 + 65 + 5);
    backing.set(digest, 3);
    backing.set(signature, 35);
    return { digest: backing.subarray(3, 35), signature: backing.subarray(35, 100) };
  }),
);
const sync = (items: readonly RecoverItem[]) => items.map((item) => recoverSigner(item.digest, item.signature));

describe("lib/recover.ts", () => {
  it("recovers the signing key's address, lowercase, and refuses high-s twins, bad v, bad r/s and wrong lengths", () => {
    fc.assert(fc.property(valid, ({ digest, signature, signer }) => {
      assert.equal(recoverSigner(digest, signature), signer);
      assert.equal(recoverSigner(digest, highSTwin(signature)), null, "high s");
      for (const v of [0, 1, 26, 29]) assert.equal(recoverSigner(digest, Uint8Array.from([...signature.subarray(0, 64), v])), null, `v = ${v}`);
      assert.equal(recoverSigner(digest, Uint8Array.from([...new Uint8Array(32), ...signature.subarray(32)])), null, "r = 0");
      assert.equal(recoverSigner(digest, Uint8Array.from([...signature.subarray(0, 32), ...new Uint8Array(32), signature[64]])), null, "s = 0");
      assert.equal(recoverSigner(digest, signature.subarray(0, 64)), null, "64 bytes");
      assert.equal(recoverSigner(digest.subarray(0, 31), signature), null, "31-byte digest");
    }), { numRuns: 200 });
    assert.equal(recoverSignerFromAnchors, recoverSigner, "server/ingest/anchors.ts re-exports the same function");
  });
});

describe("lib/recover-pool.ts", () => {
  let pool: RecoverPool;
  /** Inline never, chunks of at most 7: every answer comes from a worker, over many messages. */
  let workersOnly: RecoverPool;
  before(() => {
    pool = createRecoverPool();
    workersOnly = createRecoverPool({ size: 2, inlineBelow: 0, chunkMax: 7, batchMax: 16 });
  });
  after(async () => {
    await pool.close();
    await workersOnly.close();
  });

  it("defaults to one worker per core (at least one) and checks its options", () => {
    assert.ok(pool.size >= 1);
    assert.equal(workersOnly.size, 2);
    for (const options of [{ size: 0 }, { size: 1.5 }, { inlineBelow: -1 }, { batchMax: 0 }, { chunkMax: Number.NaN }]) {
      assert.throws(() => createRecoverPool(options), RangeError, JSON.stringify(options));
    }
  });

  it("recoverMany gives exactly the synchronous answers, in order, for valid, high-s, bad-v, garbage and wrong-length items", async () => {
    await fc.assert(fc.asyncProperty(fc.array(anyItem, { maxLength: 60 }), async (items) => {
      const expected = sync(items);
      assert.deepEqual(await workersOnly.recoverMany(items), expected);
      assert.deepEqual(await pool.recoverMany(items), expected);
    }), { numRuns: 150 });
  });

  it("recoverMany of 3,000 signatures across both workers equals the synchronous answers and the signing keys", async () => {
    const items = fc.sample(valid, { numRuns: 3_000, seed: 42 });
    const signers = await pool.recoverMany(items);
    assert.deepEqual(signers, items.map((item) => item.signer));
    assert.deepEqual(await workersOnly.recoverMany(items), signers);
    assert.deepEqual(await pool.recoverMany([]), []);
  });

  it("many concurrent recoverOne calls (with recoverMany calls among them) each resolve to their own answer", async () => {
    const items = fc.sample(anyItem, { numRuns: 1_000, seed: 7 });
    const expected = sync(items);
    assert.ok(expected.filter((s) => s !== null).length > 100 && expected.includes(null), "a mix of signers and nulls");
    for (const target of [workersOnly, pool]) {
      const many = target.recoverMany(items.slice(0, 300));
      const ones = items.map((item) => target.recoverOne(item.digest, item.signature));
      // more calls arriving in later turns of the event loop, while the first ones are in flight
      const later = await new Promise<Promise<Address | null>[]>((resolve) => setImmediate(() => resolve(items.slice(500).map((item) => target.recoverOne(item.digest, item.signature)))));
      assert.deepEqual(await Promise.all(ones), expected);
      assert.deepEqual(await Promise.all(later), expected.slice(500));
      assert.deepEqual(await many, expected.slice(0, 300));
    }
    // one call alone (inline while the pool is idle, or on a worker)
    for (const item of items.slice(0, 20)) {
      assert.equal(await pool.recoverOne(item.digest, item.signature), recoverSigner(item.digest, item.signature));
      assert.equal(await workersOnly.recoverOne(item.digest, item.signature), recoverSigner(item.digest, item.signature));
    }
  });

  it("after close(), calls (and those still in flight) reject with RecoverPoolClosedError", async () => {
    const closing = createRecoverPool({ size: 2, inlineBelow: 0 });
    const items = fc.sample(valid, { numRuns: 2_000, seed: 3 });
    assert.deepEqual(await closing.recoverMany(items.slice(0, 10)), items.slice(0, 10).map((i) => i.signer));
    const inFlight = assert.rejects(closing.recoverMany(items), RecoverPoolClosedError);
    const waiting = assert.rejects(closing.recoverOne(items[0].digest, items[0].signature), RecoverPoolClosedError);
    await closing.close();
    await inFlight;
    await waiting;
    await assert.rejects(closing.recoverMany(items.slice(0, 1)), (error: Error) => error instanceof RecoverPoolClosedError && /closed/.test(error.message));
    await assert.rejects(closing.recoverOne(items[0].digest, items[0].signature), RecoverPoolClosedError);
    await closing.close(); // twice: no harm
    // a pool that never started a worker closes too
    const unused = createRecoverPool();
    await unused.close();
    await assert.rejects(unused.recoverMany([]), RecoverPoolClosedError);
  });

  for (const flags of [[], ["--max-semi-space-size=64"]]) it(`idle workers do not keep a process alive, and a pending result is still delivered${flags.length > 0 ? ` (under ${flags.join(" ")}, as npm start runs the server)` : ""}`, async () => {
    const url = new URL("../../lib/recover-pool.ts", import.meta.url).href;
    const script = `
      import { createRecoverPool } from ${JSON.stringify(url)};
      const pool = createRecoverPool({ size: 2, inlineBelow: 0 });
      const digest = new Uint8Array(32).fill(1);
      const signature = Uint8Array.from(Buffer.from(${JSON.stringify(Buffer.from(sign(new Uint8Array(32).fill(1), bytes32(5n))).toString("hex"))}, "hex"));
      // nothing else holds the event loop: the workers must, while they have work
      pool.recoverMany([{ digest, signature }]).then((s) => console.log(s[0]));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      timeout: 60_000, // a guard: a process kept alive by the pool is killed, and the test fails
    });
    assert.equal(stdout.trim(), addressOf(bytes32(5n))); // and the process exited without close()
  });
});

describe("anchored ingest on the pool", () => {
  const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  const digester = anchoredPostDigester(pennyPostDomain(31337, CONTRACT));
  const keys = [1n, 2n, 3n, 4n].map((k) => bytes32(k * 0x1234567n));

  /** A batch of `count` posts, signed with libsecp256k1; some signatures are wrong (other key, high s, bad v). */
  function batch(count: number): AnchoredPost[] {
    return Array.from({ length: count }, (_, i) => {
      const signerKey = keys[i % keys.length];
      const message = { author: addressOf(signerKey), parentId: BigInt(i % 5), content: `post ${i} ✓`, seq: BigInt(i + 1), cumulativeFee: BigInt(i + 1) * 10n };
      let signature = sign(digester(message), i % 97 === 13 ? keys[(i + 1) % keys.length] : signerKey);
      if (i % 101 === 50) signature = highSTwin(signature);
      if (i % 103 === 70) signature = Uint8Array.from([...signature.subarray(0, 64), 1]);
      return { ...message, signature: `0x${Buffer.from(signature).toString("hex")}` as Hex };
    });
  }

  it("resolves 1,024-post batches (calldata and hash mode) to exactly what the synchronous resolveAnchorData says", async () => {
    const pools = [createRecoverPool({ size: 2, inlineBelow: 0 }), createRecoverPool()];
    try {
      const batches = [batch(1_024), batch(5), batch(300)];
      const datas = batches.map((posts) => encodeAnchorData(posts));
      const event = (i: number, hashMode: boolean): ProtocolEvent & AnchoredEvent => ({
        kind: "Anchored", batchId: BigInt(i + 1), sequencer: CONTRACT, root: buildAnchorTree(batches[i]).root as Hex, firstPostId: 1n, count: BigInt(batches[i].length),
        dataHash: keccakHex(Buffer.from(datas[i].slice(2), "hex")), data: hashMode ? "0x" : datas[i],
        blockNumber: 1n, blockHash: `0x${"00".repeat(32)}`, logIndex: i, txHash: `0x${"00".repeat(32)}`, timestamp: 0,
      });
      const recover = anchoredSignerRecovery(31337, CONTRACT);
      const expected: AnchorResolution[] = [
        resolveAnchorData(event(0, false), datas[0], "anchored-calldata", recover),
        resolveAnchorData(event(1, true), datas[1], "anchored-hash", recover),
        resolveAnchorData(event(2, false), datas[2], "anchored-calldata", recover),
        { status: "invalid", mode: "anchored-calldata", reason: "the data holds 5 posts, the anchor reserved 6" },
      ];
      assert.equal(expected[0].status === "valid" && expected[0].posts.filter((p) => p.signer === null).length > 0, true, "some signatures are refused");
      assert.equal(expected[0].status === "valid" && expected[0].posts.filter((p) => p.signer !== null && p.signer !== p.author).length > 0, true, "some are another key's");
      const source = { get: async (hash: Hex) => datas.find((d) => keccakHex(Buffer.from(d.slice(2), "hex")) === hash) };
      for (const recovery of [...pools, undefined]) {
        const events: ProtocolEvent[] = [event(0, false), event(1, true), event(2, false), { ...event(1, false), count: 6n }];
        await resolveAnchors(events, async () => ({ chainId: 31337, address: CONTRACT, source, recovery }));
        assert.deepEqual(events.map((e) => (e as AnchoredEvent).resolved), expected);
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
