/**
 * lib/generated/ is what `npm run abi` makes from the compiled contracts: the test makes it again
 * from the artifacts into a temporary folder and compares every file, so a contract whose interface
 * changed without `./pennypost abi` fails here, naming the file.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { artifacts } from "hardhat";
import { after, before, describe, it } from "mocha";

import { EXPORTED_CONTRACTS, GENERATED_DIR, listFiles, writeGenerated } from "../../lib/abi-export.ts";
import * as asConst from "../../lib/generated/abi.ts";
import { removeTempDirs, tempDir } from "../indexer/helpers.ts";

describe("generated ABIs and bindings (lib/generated, npm run abi)", () => {
  let compiled: Record<string, unknown>;
  let fresh: string;

  before(async () => {
    compiled = Object.fromEntries(await Promise.all(EXPORTED_CONTRACTS.map(async (name) => [name, (await artifacts.readArtifact(name)).abi] as const)));
    fresh = path.join(await tempDir("abi"), "generated");
    await writeGenerated(compiled, fresh);
  });
  after(removeTempDirs);

  for (const name of EXPORTED_CONTRACTS) {
    it(`lib/generated/abi/${name}.json is the compiled ${name}'s ABI`, async () => {
      const json = JSON.parse(await readFile(path.join(GENERATED_DIR, "abi", `${name}.json`), "utf8"));
      assert.deepEqual(json, compiled[name], `run ./pennypost abi: lib/generated/abi/${name}.json differs from the compiled contract`);
    });

    it(`lib/generated/abi.ts's ${name} ABI (as const, for viem) is the compiled one`, () => {
      const exported = (asConst as Record<string, unknown>)[`${name[0].toLowerCase()}${name.slice(1)}Abi`];
      assert.deepEqual(exported, compiled[name], "run ./pennypost abi");
    });
  }

  it("holds exactly the files npm run abi makes from the artifacts, each identical (TypeChain's ethers v6 bindings included)", async () => {
    const expected = await listFiles(fresh);
    assert.ok(expected.includes(path.join("ethers", "factories", "PennyPost__factory.ts")), `TypeChain made its factories: ${expected.join(", ")}`);
    assert.deepEqual(await listFiles(GENERATED_DIR), expected, "run ./pennypost abi: lib/generated/ has other files than it makes");
    for (const file of expected) {
      const [committed, made] = await Promise.all([readFile(path.join(GENERATED_DIR, file), "utf8"), readFile(path.join(fresh, file), "utf8")]);
      assert.ok(committed === made, `run ./pennypost abi: lib/generated/${file} differs from what the compiled contracts give`);
    }
  });
});
