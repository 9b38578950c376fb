/** Amounts, assets, addresses and times as people read them. Pure: no DOM, no network. */
import { formatUnits } from "viem";

import type { Address } from "./api.ts";

/** Ether is asset address(0) in the contract and in the API. */
export const ETH: Address = "0x0000000000000000000000000000000000000000";

export interface AssetInfo {
  /** Lower case, like the API's addresses. */
  address: Address;
  symbol: string;
  decimals: number;
  /** Tip presets, in whole units of the asset. */
  presets: readonly string[];
}

export const ETH_INFO: AssetInfo = { address: ETH, symbol: "ETH", decimals: 18, presets: ["0.001", "0.01"] };
export const TOKEN_PRESETS: readonly string[] = ["1", "10"];

/** The assets the page knows how to show: ETH plus the tokens read from the chain at start-up. */
export class Assets {
  readonly #byAddress = new Map<string, AssetInfo>();

  constructor(list: readonly AssetInfo[]) {
    for (const info of [ETH_INFO, ...list]) this.#byAddress.set(info.address.toLowerCase(), info);
  }

  get(address: string): AssetInfo | undefined {
    return this.#byAddress.get(address.toLowerCase());
  }

  all(): AssetInfo[] {
    return [...this.#byAddress.values()];
  }

  /** "0.00975 ETH"; exact unless `maxDecimals` (then rounded down). Unknown assets: raw units. */
  format(asset: string, amount: string | bigint, maxDecimals?: number): string {
    const info = this.get(asset);
    if (info === undefined) return `${amount.toString()} units of ${shortAddress(asset)}`;
    return `${formatDecimal(BigInt(amount), info.decimals, maxDecimals)} ${info.symbol}`;
  }

  /** Every non-zero amount of a per-asset record, ETH first: "0.01 ETH, 10 PPTEST"; "" if none. */
  formatAll(amounts: Record<string, string>): string {
    return Object.entries(amounts)
      .filter(([, amount]) => BigInt(amount) !== 0n)
      .sort(([a], [b]) => (a === ETH ? -1 : b === ETH ? 1 : a.localeCompare(b)))
      .map(([asset, amount]) => this.format(asset, amount))
      .join(", ");
  }
}

/** A fixed-point amount as a decimal string with grouped thousands: 12345.6 -> "12,345.6". */
export function formatDecimal(amount: bigint, decimals: number, maxDecimals?: number): string {
  const [whole, fraction = ""] = formatUnits(amount, decimals).split(".");
  const kept = maxDecimals === undefined ? fraction : fraction.slice(0, maxDecimals).replace(/0+$/, "");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return kept === "" ? grouped : `${grouped}.${kept}`;
}

/** 0x7099…79c8 */
export const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** UTF-8 length: the contract's content limit counts bytes, not characters. */
export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** "just now", "5 min ago", "3 h ago", or the date. `seconds` is a block timestamp. */
export function timeAgo(seconds: number, now = Date.now()): string {
  const elapsed = Math.max(0, Math.round(now / 1000 - seconds));
  if (elapsed < 45) return "just now";
  if (elapsed < 3600) return `${Math.round(elapsed / 60)} min ago`;
  if (elapsed < 86_400) return `${Math.round(elapsed / 3600)} h ago`;
  return new Date(seconds * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}
