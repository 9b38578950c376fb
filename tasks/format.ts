/** Parsing and printing for the command line (pure): amounts, assets, addresses, times, posts. */
import { formatUnits, getAddress, isAddress, zeroAddress, type Address } from "viem";

import { CliError, type ExplainContext } from "./errors.ts";

export const ETH: Address = zeroAddress;

/** What the CLI knows about an asset: its symbol and decimals. */
export interface AssetInfo {
  symbol: string;
  decimals: number;
}

/** Assets by lower-case address; ETH is always there. */
export type AssetBook = Map<string, AssetInfo>;

export function assetBook(entries: Array<[Address, AssetInfo]> = []): AssetBook {
  return new Map([[ETH, { symbol: "ETH", decimals: 18 }], ...entries.map(([a, info]) => [a.toLowerCase(), info] as const)]);
}

export function formatAmount(book: AssetBook, asset: string, units: bigint | string): string {
  const info = book.get(asset.toLowerCase());
  if (info === undefined) return `${units} units of ${asset}`;
  return `${formatUnits(BigInt(units), info.decimals)} ${info.symbol}`;
}

export function assetName(book: AssetBook, asset: string): string {
  const info = book.get(asset.toLowerCase());
  return info === undefined ? asset : info.symbol === "ETH" ? "ETH" : `${info.symbol} (${asset})`;
}

/** Where a command ran: suggested commands repeat it, so that they work when pasted. */
export interface CommandPlace {
  network?: string;
  from?: number;
  deployment?: string;
}

/**
 * A command line to suggest, as the README runs it (`./pennypost`, which works on any Node),
 * with the --network, --from and --deployment of the command at hand: "`./pennypost deposit
 * --amount 0.001 --network localhost --from 1`".
 */
export function cliCommand(args: string, place: CommandPlace = {}): string {
  const where = [
    place.network === undefined ? "" : ` --network ${place.network}`,
    place.deployment === undefined ? "" : ` --deployment ${place.deployment}`,
    place.from === undefined || place.from === 0 ? "" : ` --from ${place.from}`,
  ].join("");
  return `\`./pennypost ${args}${where}\``;
}

/** The option naming an asset in a suggested command: "" for ETH, "--token PPTEST" or the address. */
function tokenOption(book: AssetBook, asset: string): string {
  if (asset.toLowerCase() === ETH) return "";
  const info = book.get(asset.toLowerCase());
  return ` --token ${info?.symbol === "PPTEST" ? "PPTEST" : asset}`;
}

export function explainContext(book: AssetBook, token?: Address, place: CommandPlace = {}): ExplainContext {
  return {
    amount: (asset, units) => formatAmount(book, asset, units),
    asset: (asset) => assetName(book, asset),
    token,
    command: (args) => cliCommand(args, place),
    depositCommand: (asset, units) => {
      const info = book.get(asset.toLowerCase());
      const amount = info === undefined ? String(units) : formatUnits(units, info.decimals);
      return cliCommand(`deposit --amount ${amount}${tokenOption(book, asset)}`, place);
    },
  };
}

/**
 * `text` as a whole number of the asset's smallest units. Exact: a decimal with more fractional
 * digits than the asset has is refused, never rounded.
 */
export function parseAmount(text: string | undefined, decimals: number, symbol: string): bigint {
  if (text === undefined) throw new CliError(`give the amount in ${symbol} with --amount, e.g. --amount 0.001`);
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (match === null || (match[1] === "" && (match[2] ?? "") === "")) {
    throw new CliError(`--amount must be a decimal number of ${symbol} such as 0.001, not "${text}"`);
  }
  const [, whole, fraction = ""] = match;
  if (fraction.length > decimals) {
    throw new CliError(`--amount ${text} has more than ${decimals} decimals, the smallest unit of ${symbol}; round it`);
  }
  const units = BigInt(`${whole}${fraction.padEnd(decimals, "0")}` || "0");
  if (units === 0n) throw new CliError("--amount must be more than 0");
  return units;
}

/** A checksummed address, or a CliError naming the option (`accepts` says what else it takes). */
export function parseAddress(text: string, option: string, accepts = "a 0x-prefixed 20-byte address"): Address {
  if (!isAddress(text, { strict: false })) throw new CliError(`${option} must be ${accepts}, not "${text}"`);
  return getAddress(text);
}

/** A post id given on the command line: a whole number, 1 or more. */
export function requirePostId(text: string | undefined, option: string): bigint {
  const see = `(ids start at 1; see them with ${cliCommand("feed")})`;
  if (text === undefined) throw new CliError(`give the post's id with ${option} <id> ${see}`);
  if (!/^\d+$/.test(text.trim()) || BigInt(text.trim()) === 0n) throw new CliError(`${option} must be a post id, a whole number from 1, not "${text}" ${see}`);
  return BigInt(text.trim());
}

/** An address from the API (lower case) as the rest of the CLI prints it: checksummed. */
export function checksummed(address: string): string {
  return isAddress(address, { strict: false }) ? getAddress(address) : address;
}

/** Block time (seconds) as "2026-11-23 20:08:28 UTC". */
export function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `label  value` lines, labels padded to one column. */
export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join("\n");
}

export function gasLine(gasUsed: bigint): string {
  return gasUsed.toLocaleString("en-US");
}

/** A post as the API serves it (server/api/routes/posts.ts PostView). */
export interface ApiPost {
  id: string;
  author: string;
  parentId: string;
  fee: string;
  content: string;
  mode: string;
  block: number;
  txHash: string;
  timestamp: number;
  stats: { replies: number; tips: number; totals: Record<string, string> };
  /** Anchored posts: what the author signed, its sequence number and its cumulative anchored fees. */
  signed?: { seq: string; cumulativeFee: string };
}

/** A tip as the API serves it (server/domain.ts TipRecord). */
export interface ApiTip {
  postId: string;
  tipper: string;
  author: string;
  asset: string;
  amount: string;
  fee: string;
  block: number;
  txHash: string;
  timestamp: number;
}

export function formatTotals(book: AssetBook, totals: Record<string, string>): string {
  const parts = Object.entries(totals).map(([asset, units]) => formatAmount(book, asset, units));
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** Two or more lines: the heading (id, author, time, tips, replies) and the indented text. */
export function formatFeedPost(book: AssetBook, post: ApiPost): string {
  const reply = post.parentId === "0" ? "" : `  reply to #${post.parentId}`;
  const tips = post.stats.tips === 0 ? "no tips" : `${post.stats.tips} tip${post.stats.tips === 1 ? "" : "s"} (${formatTotals(book, post.stats.totals)})`;
  const replies = post.stats.replies === 0 ? "" : `  ${post.stats.replies} repl${post.stats.replies === 1 ? "y" : "ies"}`;
  const heading = `#${post.id}  ${checksummed(post.author)}  ${formatTime(post.timestamp)}  ${tips}${replies}${reply}`;
  const text = post.content.split("\n").map((line) => `    ${line}`).join("\n");
  return `${heading}\n${text}`;
}
