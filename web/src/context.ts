/**
 * The page's shared state: the protocol settings (/v1/config), the chain and the read client over
 * POST /rpc, the known assets, the connected wallet, and one event bus that carries the live
 * stream's posts and tips plus the page's own happenings (a transaction indexed, wallet changed).
 * Views subscribe with an AbortSignal and are unsubscribed when the route changes.
 */
import { createPublicClient, http, type Address, type Chain, type PublicClient, type Transport } from "viem";

import { pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import { api, waitIndexed, type ConfigView, type PostRecord, type TipRecord } from "./api.ts";
import { Assets, ETH, TOKEN_PRESETS, type AssetInfo } from "./format.ts";
import { pageChain, rpcUrl, type Wallet } from "./wallet.ts";

export type AppEvent =
  | { type: "post"; post: PostRecord }
  | { type: "tip"; tip: TipRecord }
  /** A transaction sent from this page is in the index (withdrawals have no stream event). */
  | { type: "indexed"; account: Address; block: number }
  | { type: "wallet" }
  /** A session key was started or ended in this page (session.ts). */
  | { type: "session" }
  | { type: "config" }
  /** The stream reconnected after a gap: refetch what is shown. */
  | { type: "resync" };

export type Reader = PublicClient<Transport, Chain>;
type Listener = (event: AppEvent) => void;

export interface Ctx {
  config: ConfigView;
  readonly chain: Chain;
  readonly reader: Reader;
  /**
   * Unbatched: a transaction's simulation goes to the relay alone, so it gets the relay's whole
   * gas cap (the eth_calls of one relayed batch share it: docs/api.md).
   */
  readonly simulator: Reader;
  readonly assets: Assets;
  /** The connected wallet; change it with setWallet (which tells the views). */
  wallet: Wallet | null;
  /** ETH and the accepted tokens the page could read. */
  tipAssets(): AssetInfo[];
  isMe(address: string): boolean;
  on(listener: Listener, signal: AbortSignal): void;
  emit(event: AppEvent): void;
  setWallet(wallet: Wallet | null): void;
  /** Reads /v1/config again (once the index has reached the chain's head) and tells the views. */
  refreshConfig(): Promise<void>;
  /** Says `message` through the page's polite live region. */
  announce(message: string): void;
}

/** Symbol and decimals of each token, read through /rpc; a token that cannot be read is left out. */
async function readTokens(reader: Reader, tokens: Address[]): Promise<AssetInfo[]> {
  const infos = await Promise.all(
    tokens.map(async (address): Promise<AssetInfo | undefined> => {
      try {
        const [symbol, decimals] = await Promise.all([
          reader.readContract({ address, abi: pennyTestTokenAbi, functionName: "symbol" }),
          reader.readContract({ address, abi: pennyTestTokenAbi, functionName: "decimals" }),
        ]);
        return { address: address.toLowerCase() as Address, symbol, decimals, presets: TOKEN_PRESETS };
      } catch {
        return undefined;
      }
    }),
  );
  return infos.filter((info) => info !== undefined);
}

export async function createContext(initial: ConfigView, announce: (message: string) => void): Promise<Ctx> {
  const chain = pageChain(initial.chainId);
  // Batched: the reads of one view go to the relay as JSON-RPC batches of up to 8 (the relay takes
  // up to 20, but its gas cap is shared by the eth_calls of a batch: 8 views get 62,500 gas each).
  const reader = createPublicClient({ chain, transport: http(rpcUrl(), { batch: { batchSize: 8, wait: 5 }, retryCount: 0 }) }) as Reader;
  const simulator = createPublicClient({ chain, transport: http(rpcUrl(), { retryCount: 0 }) }) as Reader;
  const tokens = [...new Set([...initial.acceptedTokens, initial.contracts.PennyTestToken].filter((t) => t !== undefined).map((t) => t.toLowerCase()))];
  const assets = new Assets(await readTokens(reader, tokens as Address[]));
  const listeners = new Set<Listener>();

  const ctx: Ctx = {
    config: initial,
    chain,
    reader,
    simulator,
    assets,
    wallet: null,
    tipAssets: () => assets.all().filter((info) => info.address === ETH || ctx.config.acceptedTokens.some((t) => t.toLowerCase() === info.address)),
    isMe: (address) => ctx.wallet !== null && ctx.wallet.address.toLowerCase() === address.toLowerCase(),
    on(listener, signal) {
      if (signal.aborted) return;
      listeners.add(listener);
      signal.addEventListener("abort", () => listeners.delete(listener), { once: true });
    },
    emit(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          console.error("page event listener failed", error);
        }
      }
    },
    setWallet(wallet) {
      ctx.wallet = wallet;
      ctx.emit({ type: "wallet" });
    },
    async refreshConfig() {
      // A revert may have shown a change the index has not ingested yet (a new fee, a pause):
      // let the index reach the chain's head first, briefly, so the page does not read the old value.
      await reader.getBlockNumber({ cacheTime: 0 }).then((head) => waitIndexed(Number(head), 5_000)).catch(() => {});
      ctx.config = (await api.config()).data;
      ctx.emit({ type: "config" });
    },
    announce,
  };
  return ctx;
}
