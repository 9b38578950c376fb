import assert from "node:assert/strict";

import { after, describe, it } from "mocha";

import { NonRetryableError } from "../../server/errors.ts";
import { keys } from "../../server/store/keys.ts";
import { LevelStore } from "../../server/store/level-store.ts";
import { checkSchema, SCHEMA_VERSION } from "../../server/store/schema.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

describe("index layout version (server/store/schema.ts)", () => {
  const open = async () => LevelStore.open(await tempDir("schema"));
  after(removeTempDirs);

  it("marks an empty index with this layout, and accepts it again", async () => {
    const store = await open();
    await checkSchema(store);
    assert.equal(await store.get(keys.schema), SCHEMA_VERSION);
    await checkSchema(store);
    await store.close();
  });

  it("refuses an index of the first layout (a cursor, no version) and says to delete the directory, writing nothing", async () => {
    const store = await open();
    await store.write([{ type: "put", key: keys.cursor, value: { number: 5, hash: `0x${"1".repeat(64)}` } }]);
    const before = await store.dump();
    await assert.rejects(checkSchema(store), (error: Error) => error instanceof NonRetryableError && /layout 1 .* delete .*pennypost-schema-/.test(error.message));
    assert.deepEqual(await store.dump(), before);
    await store.close();
  });

  it("refuses an index of a later layout", async () => {
    const store = await open();
    await store.write([{ type: "put", key: keys.schema, value: SCHEMA_VERSION + 1 }]);
    await assert.rejects(checkSchema(store), new RegExp(`layout ${SCHEMA_VERSION + 1} `));
    await store.close();
  });
});
