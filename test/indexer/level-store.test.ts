import assert from "node:assert/strict";

import { after, describe, it } from "mocha";

import { LevelStore } from "../../server/store/level-store.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

describe("LevelStore batches (server/store/level-store.ts)", () => {
  const open = async () => LevelStore.open(await tempDir("store"));
  after(removeTempDirs);

  it("an open batch of serialized values only writes every one of them, read back as the values they encode", async () => {
    const store = await open();
    const batch = store.openBatch();
    const values = Array.from({ length: 50 }, (_, i) => ({ key: `k!${String(i).padStart(3, "0")}`, value: { i, text: `é ${"x".repeat(i)} \u{1F600}` } }));
    for (const { key, value } of values) batch.putText(key, JSON.stringify(value));
    await batch.commit(new Map(), Symbol("deleted"), []);
    assert.deepEqual(await store.dump(), values.map(({ key, value }) => [key, value]));
    await store.close();
  });

  it("commit writes serialized values, final values, deletions and operations together", async () => {
    const store = await open();
    await store.write([
      { type: "put", key: "a!gone", value: 1 },
      { type: "put", key: "a!op-gone", value: 2 },
    ]);
    const deleted = Symbol("deleted");
    const batch = store.openBatch();
    batch.putText("a!text", '{"n":1}');
    await batch.commit(
      new Map<string, unknown>([
        ["a!gone", deleted],
        ["a!value", { big: "115792089237316195423570985008687907853269984665640564039457584007913129639935" }],
      ]),
      deleted,
      [
        { type: "del", key: "a!op-gone" },
        { type: "put", key: "a!op", value: [1, "two"] },
      ],
    );
    assert.deepEqual(await store.dump(), [
      ["a!op", [1, "two"]],
      ["a!text", { n: 1 }],
      ["a!value", { big: "115792089237316195423570985008687907853269984665640564039457584007913129639935" }],
    ]);
    await store.close();
  });

  it("a value with no JSON form fails the commit and writes nothing of the batch; a committed batch takes no more puts", async () => {
    const store = await open();
    const deleted = Symbol("deleted");
    const failing = store.openBatch();
    failing.putText("a!1", "1");
    await assert.rejects(failing.commit(new Map<string, unknown>([["a!2", undefined]]), deleted, []), /a!2 has no JSON form/);
    assert.deepEqual(await store.dump(), []);
    const batch = store.openBatch();
    batch.putText("a!1", "1");
    await batch.commit(new Map(), deleted, []);
    assert.throws(() => batch.putText("a!2", "2"), /already committed or discarded/);
    assert.deepEqual(await store.dump(), [["a!1", 1]]);
    await store.close();
  });

  it("a discarded batch writes nothing", async () => {
    const store = await open();
    const batch = store.openBatch();
    batch.putText("a!1", "1");
    batch.putText("a!2", "2");
    batch.discard();
    assert.deepEqual(await store.dump(), []);
    await store.close();
  });
});
