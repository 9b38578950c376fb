/** A real anvil node (from @foundry-rs/anvil) on a free loopback port, with PennyPost deployed. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

import { artifacts } from "hardhat";
import { createPublicClient, createWalletClient, http, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const MNEMONIC = "test test test test test test test test test test test junk";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Anvil {
  url: string;
  client: PublicClient;
  accounts: ReturnType<typeof mnemonicToAccount>[];
  wallet: (i: number) => ReturnType<typeof createWalletClient>;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stop: () => Promise<void>;
}

/**
 * `args`: extra anvil flags, e.g. `["--timestamp", "1700000000"]` for another genesis block.
 * `port`: a given port (a node restarted where a server follows it); default a free one.
 */
export async function startAnvil(args: string[] = [], port?: number): Promise<Anvil> {
  port ??= await freePort();
  const child: ChildProcess = spawn("node_modules/.bin/anvil", ["--host", "127.0.0.1", "--port", String(port), "--silent", ...args], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  // A local node answers in milliseconds: poll like it (viem's default is 4 s, which a receipt that
  // is not there at the first look then waits for).
  const client = createPublicClient({ chain: foundry, transport: http(url, { retryCount: 0 }), pollingInterval: 50 }) as PublicClient;
  for (let i = 0; ; i++) {
    try {
      await client.getChainId();
      break;
    } catch (error) {
      if (i > 1_200) throw new Error("anvil did not start in 120 s", { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const accounts = Array.from({ length: 5 }, (_, i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
  return {
    url,
    client,
    accounts,
    wallet: (i) => createWalletClient({ account: accounts[i], chain: foundry, transport: http(url), pollingInterval: 50 }),
    rpc: (method, params = []) => client.request({ method: method as never, params: params as never }),
    // SIGTERM: node_modules/.bin/anvil is a Node wrapper that forwards SIGTERM to the anvil
    // binary, but cannot forward SIGKILL (that would leave the real anvil running).
    stop: () => new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

/** Deploys PennyPost from the compiled artifact; returns its address. */
export async function deployPennyPost(anvil: Anvil, postFee: bigint): Promise<Hex> {
  const artifact = await artifacts.readArtifact("PennyPost");
  const owner = anvil.accounts[0].address;
  const hash = await anvil.wallet(0).deployContract({
    abi: artifact.abi, bytecode: artifact.bytecode as Hex, args: [owner, owner, postFee, 250n], account: anvil.accounts[0], chain: foundry,
  });
  const receipt = await anvil.client.waitForTransactionReceipt({ hash });
  return receipt.contractAddress as Hex;
}
