import { fileURLToPath } from "node:url";

import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";
import { configVariable, defineConfig } from "hardhat/config";

import { pennyPostTasks } from "./tasks/definitions.ts";

// solc cannot be downloaded on these machines: the `solc` npm package ships the official
// WebAssembly build, and Hardhat runs it as solc-js. The version must equal the installed package.
const SOLC_VERSION = "0.8.37";

export default defineConfig({
  plugins: [
    hardhatViem,
    hardhatViemAssertions,
    hardhatNetworkHelpers,
    hardhatMocha,
    hardhatIgnitionViem,
  ],
  tasks: pennyPostTasks,
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: fileURLToPath(import.meta.resolve("solc/soljson.js")),
        settings: { optimizer: { enabled: true, runs: 2_000 }, evmVersion: "prague" },
      },
      production: {
        version: SOLC_VERSION,
        path: fileURLToPath(import.meta.resolve("solc/soljson.js")),
        settings: { optimizer: { enabled: true, runs: 2_000 }, evmVersion: "prague" },
      },
    },
  },
  paths: {
    tests: { mocha: "test", solidity: "test/solidity" },
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      fuzz: { runs: 1_000, seed: "0x5045" },
      // depth >= 50 as the money rules ask; shrinkRunLimit keeps a failing invariant from
      // shrinking for tens of minutes (see TOOLCHAIN.md).
      invariant: { runs: 128, depth: 64, failOnRevert: false, shrinkRunLimit: 50 },
    },
  },
  networks: {
    // The embedded chain (Hardhat's EDR), used by tests and by `hardhat run` without --network.
    hardhat: { type: "edr-simulated", chainType: "l1" },
    // `npm start` / `npx hardhat node` on the default port (CHAIN_PORT moves it, as scripts/start.ts does).
    localhost: { type: "http", chainType: "l1", url: `http://127.0.0.1:${process.env.CHAIN_PORT ?? "8545"}` },
    // anvil (`npx anvil --port 8546`): a second, independent EVM node.
    anvil: { type: "http", chainType: "l1", url: "http://127.0.0.1:8546" },
    // Any EVM network: set PENNYPOST_RPC_URL and PENNYPOST_DEPLOYER_KEY with
    // `npx hardhat keystore set ...` or as environment variables. Read only when used.
    custom: {
      type: "http",
      chainType: "l1",
      url: configVariable("PENNYPOST_RPC_URL"),
      accounts: [configVariable("PENNYPOST_DEPLOYER_KEY")],
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("PENNYPOST_DEPLOYER_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("PENNYPOST_DEPLOYER_KEY")],
    },
  },
});
