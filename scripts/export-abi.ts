/**
 * Writes lib/abi.ts from the compiled artifacts: the ABIs the server, CLI and benchmark use,
 * typed `as const` for viem. Run after changing a contract's interface:
 *   npx hardhat run scripts/export-abi.ts
 * test/lib/abi.test.ts fails while lib/abi.ts and the artifacts disagree.
 */
import { writeFile } from "node:fs/promises";

import { artifacts } from "hardhat";

import { EXPORTED_CONTRACTS, renderAbiModule } from "../lib/abi-export.ts";

const abis = Object.fromEntries(
  await Promise.all(EXPORTED_CONTRACTS.map(async (name) => [name, (await artifacts.readArtifact(name)).abi] as const)),
);
await writeFile("lib/abi.ts", renderAbiModule(abis));
console.log(`lib/abi.ts: ${EXPORTED_CONTRACTS.join(", ")}`);
