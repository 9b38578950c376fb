/**
 * The node, watched beside the ingest loop: every interval one batched JSON-RPC request reads the
 * head, the origin block (the first block this index holds: which chain it is of) and the block at
 * the cursor. The ingest loop may be busy for seconds (a backfill range) or stopped (a halt); the
 * watch still tells what the node holds now, so the API never vouches for data on the word of an
 * old reading:
 *   - the origin block's hash differs: the node serves another chain (`onReplaced`);
 *   - the block at the cursor's height has another hash: the indexed block is off the node's chain;
 *   - the head is below the cursor: the indexed block is not on the node's chain (yet).
 * Its client should time out quickly (NODE_TIMEOUT_MS): a node that does not answer is then seen
 * as such within that bound, however long the ingest loop's own requests wait.
 */
import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "pino";
import type { PublicClient } from "viem";

import type { Cursor, Hex } from "../domain.ts";
import { readCursor } from "../ingest/apply.ts";
import { keys } from "../store/keys.ts";
import type { LevelStore } from "../store/level-store.ts";

export interface ChainReading {
  head: number;
  /** performance.now() when the request went out: a later request's head wins. */
  issuedAt: number;
  /** The cursor of the store when the request went out, and the node's hash at its height (undefined: the node has no such block). */
  cursor: Cursor | undefined;
  hashAtCursor: Hex | undefined;
}

export interface ChainWatchDeps {
  client: PublicClient;
  store: LevelStore;
  logger: Logger;
  intervalMs: number;
  signal: AbortSignal;
  onReading(reading: ChainReading): void;
  /** The node's origin block is not the one the index was built from. */
  onReplaced(reason: string): void;
}

/** The hash of block `number` on the node, or undefined when it has none. */
export async function blockHashAt(client: PublicClient, number: number): Promise<Hex | undefined> {
  const block = await client.getBlock({ blockNumber: BigInt(number) }).catch((error: unknown) => {
    if (error instanceof Error && error.name === "BlockNotFoundError") return undefined;
    throw error;
  });
  return block?.hash ?? undefined;
}

export const replacedReason = (origin: Cursor): string =>
  `the node's block ${origin.number} is not the one this index was built from (another chain, or a node restarted from scratch): delete the data directory to index this chain`;

export interface ChainWatch {
  /** One reading now (start-up waits for it before serving). */
  check(): Promise<void>;
  /** Reads every interval until the signal aborts; never throws. */
  run(): Promise<void>;
}

export function createChainWatch({ client, store, logger, intervalMs, signal, onReading, onReplaced }: ChainWatchDeps): ChainWatch {
  let origin: Cursor | undefined;
  let failing = false;

  async function check(): Promise<void> {
    const issuedAt = performance.now();
    origin ??= await store.get<Cursor>(keys.origin);
    const cursor = await readCursor(store);
    // One HTTP request: the client batches calls made in the same tick.
    const [head, originHash, hashAtCursor] = await Promise.all([
      client.getBlockNumber({ cacheTime: 0 }),
      origin === undefined ? undefined : blockHashAt(client, origin.number),
      cursor === undefined ? undefined : blockHashAt(client, cursor.number),
    ]);
    if (origin !== undefined && originHash !== undefined && originHash !== origin.hash) onReplaced(replacedReason(origin));
    onReading({ head: Number(head), issuedAt, cursor, hashAtCursor });
  }

  async function run(): Promise<void> {
    while (!signal.aborted) {
      try {
        await check();
        if (failing) logger.info("chain node answers again");
        failing = false;
      } catch (error) {
        if (!failing) logger.warn({ err: error }, "chain node does not answer");
        failing = true;
      }
      await sleep(intervalMs, undefined, { signal }).catch(() => {});
    }
  }

  return { check, run };
}
