/**
 * Deploys PennyPost with Hardhat Ignition and writes deployments/<network>.json.
 *
 *   npm run deploy -- --network localhost        (npx hardhat node / npm start)
 *   npm run deploy -- --network anvil            (anvil --port 8546)
 *   npm run deploy -- --network sepolia          (see README "Deploy to another network")
 *
 * Local chains (chain id 31337) get the PennyPostLocal module: the protocol plus the worthless
 * PennyTestToken, accepted and minted to the test accounts. Every other chain gets the protocol
 * alone. PENNYPOST_MODULE=core|local overrides the choice; PENNYPOST_PARAMETERS names an Ignition
 * parameters file (owner, treasury, postFee, tipFeeBps; see ignition/parameters.example.json);
 * DEPLOYMENT_FILE names the file written instead of deployments/<network>.json.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

import { network } from "hardhat";
import { getAddress } from "viem";

import { deploymentPath, readDeploymentIfExists, writeDeployment } from "../lib/deployment.ts";
import PennyPostModule from "../ignition/modules/PennyPost.ts";
import PennyPostLocalModule from "../ignition/modules/PennyPostLocal.ts";

const LOCAL_CHAIN_ID = 31337;

const connection = await network.create();
const { ignition, viem, networkName } = connection;
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
const isLocal = chainId === LOCAL_CHAIN_ID;
const useLocalModule = (process.env.PENNYPOST_MODULE ?? (isLocal ? "local" : "core")) === "local";

if (isLocal) await forgetStaleLocalDeployment();

// An unfunded deployer (a wrong PENNYPOST_DEPLOYER_KEY, a faucet not used yet) otherwise ends in
// Ignition's "Gas estimation failed: ... gas required exceeds allowance: 0".
const [deployer] = await viem.getWalletClients();
if (deployer !== undefined && (await publicClient.getBalance({ address: deployer.account.address })) === 0n) {
  console.error(`The deployer ${getAddress(deployer.account.address)} holds no ETH on network "${networkName}" (chain ${chainId}): fund it, or check the key (PENNYPOST_DEPLOYER_KEY for custom, sepolia and baseSepolia)`);
  process.exit(1);
}

const startBlock = Number(await publicClient.getBlockNumber());
const parameters = process.env.PENNYPOST_PARAMETERS;
const options = parameters === undefined ? {} : { parameters: path.resolve(parameters) };
const contracts: { pennyPost: { address: string }; testToken?: { address: string } } = useLocalModule
  ? await ignition.deploy(PennyPostLocalModule, options)
  : await ignition.deploy(PennyPostModule, options);

// DEPLOYMENT_FILE names the file, as it does for the server (default deployments/<network>.json).
const file = process.env.DEPLOYMENT_FILE ?? deploymentPath(networkName);
const previous = await readDeploymentIfExists(file);
const sameContract = previous?.chainId === chainId && previous.contracts.PennyPost.toLowerCase() === contracts.pennyPost.address.toLowerCase();
await writeDeployment(
  {
    network: networkName,
    chainId,
    // Ignition resumes finished deployments without sending anything: keep the block recorded then.
    startBlock: sameContract ? previous.startBlock : startBlock,
    contracts: {
      PennyPost: contracts.pennyPost.address,
      ...(contracts.testToken ? { PennyTestToken: contracts.testToken.address } : {}),
    },
    deployedAt: sameContract ? previous.deployedAt : new Date().toISOString(),
  },
  file,
);
console.log(`PennyPost ${contracts.pennyPost.address} on ${networkName} (chain ${chainId})`);
if (contracts.testToken) console.log(`PennyTestToken ${contracts.testToken.address} (test token, no value)`);
console.log(`Deployment written to ${file}`);

/**
 * Local nodes restart with an empty chain under the same chain id, so Ignition's journal for
 * chain 31337 can describe contracts that no longer exist. Forget it when its contract has no code.
 */
async function forgetStaleLocalDeployment(): Promise<void> {
  const dir = path.join("ignition", "deployments", `chain-${LOCAL_CHAIN_ID}`);
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (!existsSync(addressesFile)) return;
  const addresses = Object.values(JSON.parse(await readFile(addressesFile, "utf8")) as Record<string, `0x${string}`>);
  const codes = await Promise.all(addresses.map((address) => publicClient.getCode({ address })));
  if (codes.some((code) => code === undefined || code === "0x")) await rm(dir, { recursive: true, force: true });
}
