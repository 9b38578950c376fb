/**
 * `npm run abi` (`./pennypost abi`): compiles, then writes lib/generated/ from the compiled
 * artifacts (see lib/abi-export.ts): the `as const` ABIs the server, CLI, page and bench use, the
 * JSON ABIs, and TypeChain's ethers v6 bindings. Run it after changing a contract's interface;
 * test/lib/abi.test.ts fails until you do.
 */
import { artifacts } from "hardhat";

import { EXPORTED_CONTRACTS, GENERATED_DIR, writeGenerated } from "../lib/abi-export.ts";

const abis = Object.fromEntries(
  await Promise.all(EXPORTED_CONTRACTS.map(async (name) => [name, (await artifacts.readArtifact(name)).abi] as const)),
);
const files = await writeGenerated(abis);
console.log(`${GENERATED_DIR}: ${files.length} files from ${EXPORTED_CONTRACTS.join(", ")}`);
