/** Logs to protocol events: pure. Unknown or malformed logs are skipped, never guessed at. */
import { decodeEventLog, type Log } from "viem";

import { pennyPostAbi } from "../../lib/abi.ts";
import type { Address, Hex, ProtocolEvent } from "../domain.ts";

type RawLog = Pick<Log, "data" | "topics" | "logIndex" | "transactionHash" | "blockNumber" | "blockHash">;

const lower = (value: string): Address => value.toLowerCase() as Address;

/**
 * Decodes the logs of one block. `timestamp` is the block's. Logs repeated by a provider (same
 * block hash and log index) are kept once.
 */
export function decodeLogs(logs: readonly RawLog[], timestamp: number): ProtocolEvent[] {
  const seen = new Set<string>();
  const events: ProtocolEvent[] = [];
  for (const log of logs) {
    if (log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) continue;
    const id = `${log.blockHash}:${log.logIndex}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const event = decodeOne(log, timestamp);
    if (event !== undefined) events.push(event);
  }
  return events.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
}

function decodeOne(log: RawLog, timestamp: number): ProtocolEvent | undefined {
  let decoded;
  try {
    decoded = decodeEventLog({ abi: pennyPostAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
  } catch {
    return undefined;
  }
  const position = {
    blockNumber: log.blockNumber as bigint,
    blockHash: log.blockHash as Hex,
    logIndex: log.logIndex as number,
    txHash: log.transactionHash as Hex,
    timestamp,
  };
  switch (decoded.eventName) {
    case "Posted": {
      const { postId, author, parentId, fee, content } = decoded.args;
      return { ...position, kind: "Posted", postId, author: lower(author), parentId, fee, content };
    }
    case "Tipped": {
      const { postId, tipper, author, asset, amount, fee } = decoded.args;
      return { ...position, kind: "Tipped", postId, tipper: lower(tipper), author: lower(author), asset: lower(asset), amount, fee };
    }
    case "Withdrawn": {
      const { account, asset, to, amount } = decoded.args;
      return { ...position, kind: "Withdrawn", account: lower(account), asset: lower(asset), to: lower(to), amount };
    }
    case "FeesWithdrawn": {
      const { treasury, asset, amount } = decoded.args;
      return { ...position, kind: "FeesWithdrawn", treasury: lower(treasury), asset: lower(asset), amount };
    }
    case "PostFeeSet":
      return { ...position, kind: "PostFeeSet", newFee: decoded.args.newFee };
    case "TipFeeSet":
      return { ...position, kind: "TipFeeSet", newBps: decoded.args.newBps };
    case "TreasurySet":
      return { ...position, kind: "TreasurySet", newTreasury: lower(decoded.args.newTreasury) };
    case "TokenAcceptanceSet":
      return { ...position, kind: "TokenAcceptanceSet", token: lower(decoded.args.token), accepted: decoded.args.accepted };
    case "Paused":
      return { ...position, kind: "Paused" };
    case "Unpaused":
      return { ...position, kind: "Unpaused" };
    default:
      return undefined;
  }
}
