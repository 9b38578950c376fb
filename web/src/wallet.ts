/**
 * Wallets. Two kinds, both viem WalletClients:
 *  - injected: any EIP-1193 wallet (window.ethereum), through custom(window.ethereum); the wallet
 *    signs and sends, and must be on the chain the server follows (/v1/config chainId);
 *  - development: on the local chain (31337) only, the well-known test accounts of the public
 *    mnemonic; viem signs in the page and the raw transaction goes to the chain through POST /rpc.
 * Reads never go through the wallet: they use the page's own client over /rpc (context.ts).
 */
import {
  createWalletClient, custom, defineChain, http, MethodNotFoundRpcError, type Account, type Address, type Chain, type EIP1193Provider, type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";

import { PageError, wrongNetwork } from "./errors.ts";

/** Hardhat's and anvil's development mnemonic. Its keys are public: local chains only. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const DEV_ACCOUNT_COUNT = 5;
export const LOCAL_CHAIN_ID = 31337;

export type PageWalletClient = WalletClient<Transport, Chain, Account>;

export interface Wallet {
  kind: "development" | "injected";
  /** "Development wallet #1" or "Browser wallet". */
  label: string;
  address: Address;
  client: PageWalletClient;
  /** The development account's index, for the account picker. */
  index?: number;
}

/** The server's JSON-RPC relay, as an absolute same-origin URL. */
export const rpcUrl = (): string => new URL("/rpc", location.href).href;

export function pageChain(chainId: number): Chain {
  return defineChain({
    id: chainId,
    name: chainId === LOCAL_CHAIN_ID ? "PennyPost local chain" : `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl()] } },
  });
}

/**
 * POST /rpc for the development wallet. viem tries eth_fillTransaction before each transaction;
 * the relay refuses it (403), which viem would not remember. Answering "method not found" here
 * makes viem use the individual calls (nonce, fees, gas) from the start. No retries: a refused
 * call (429, 503) is shown at once, with its Retry-After.
 */
function relayTransport(): Transport {
  const relay = http(rpcUrl(), { retryCount: 0 });
  return (options) => {
    const transport = relay(options);
    const request: typeof transport.request = async (args, requestOptions) => {
      if (args.method === "eth_fillTransaction") throw new MethodNotFoundRpcError(new Error("not relayed"), { method: args.method });
      return transport.request(args, requestOptions);
    };
    return { ...transport, request };
  };
}

const devAccounts = new Map<number, HDAccount>();

/** Test account `index` of the development mnemonic (derived once, on first use). */
export function devAccount(index: number): HDAccount {
  let account = devAccounts.get(index);
  if (account === undefined) {
    account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    devAccounts.set(index, account);
  }
  return account;
}

export function developmentWallet(chain: Chain, index: number): Wallet {
  if (chain.id !== LOCAL_CHAIN_ID) throw new PageError("wrong_network", `The development wallet works on the local chain (${LOCAL_CHAIN_ID}) only.`);
  const account = devAccount(index);
  const client = createWalletClient({ account, chain, transport: relayTransport() });
  return { kind: "development", label: `Development wallet #${index}`, address: account.address, client, index };
}

export const injectedProvider = (): EIP1193Provider | undefined => (window as { ethereum?: EIP1193Provider }).ethereum;

/** Asks the browser wallet for an account. Throws PageError no_wallet, or viem's UserRejectedRequestError. */
export async function connectInjected(chain: Chain): Promise<Wallet> {
  const provider = injectedProvider();
  if (provider === undefined) {
    const alternative = chain.id === LOCAL_CHAIN_ID ? " or use the development wallet" : "";
    throw new PageError("no_wallet", `No browser wallet found: install one (for example MetaMask)${alternative}.`);
  }
  const [address] = await createWalletClient({ chain, transport: custom(provider) }).requestAddresses();
  if (address === undefined) throw new PageError("no_wallet", "Your wallet shared no account. Unlock it and connect again.");
  const client = createWalletClient({ account: address, chain, transport: custom(provider) });
  return { kind: "injected", label: "Browser wallet", address, client };
}

/** Throws PageError wrong_network unless the wallet is on `expected`. */
export async function assertNetwork(wallet: Wallet, expected: number): Promise<void> {
  if (wallet.kind === "development") return;
  const actual = await wallet.client.getChainId();
  if (actual !== expected) throw wrongNetwork(expected, actual);
}

/** Asks the browser wallet to switch to `chain`, adding it first if the wallet does not know it (4902). */
export async function switchNetwork(wallet: Wallet, chain: Chain): Promise<void> {
  try {
    await wallet.client.switchChain({ id: chain.id });
  } catch (error) {
    const code = (error as { code?: number; cause?: { code?: number } }).cause?.code ?? (error as { code?: number }).code;
    if (code !== 4902) throw error;
    await wallet.client.addChain({ chain });
    await wallet.client.switchChain({ id: chain.id });
  }
}

/** Calls `onChange` when the browser wallet changes account or chain; returns the unsubscribe. */
export function watchInjected(onChange: () => void): () => void {
  const provider = injectedProvider();
  if (provider === undefined) return () => {};
  const listener = () => onChange();
  provider.on("accountsChanged", listener);
  provider.on("chainChanged", listener);
  return () => {
    provider.removeListener("accountsChanged", listener);
    provider.removeListener("chainChanged", listener);
  };
}
