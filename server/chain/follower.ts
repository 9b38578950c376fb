/**
 * Follows the chain into the store: backfill with eth_getLogs in chunks that shrink when the
 * provider refuses and grow back, then block by block near the head, checking each block's
 * parentHash; on a mismatch it walks back to the common ancestor and undoes the blocks above it.
 * A reorg deeper than the window halts ingestion (status().haltReason says why).
 */
import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "pino";
import type { PublicClient } from "viem";

import type { AnchorDataSource, Cursor, Hex, IndexedBlock, ProtocolEvent } from "../domain.ts";
import { DEFAULT_BATCH_EVENTS, DEFAULT_CHUNK_LOGS } from "../config.ts";
import { ChainReplacedError, DeepReorgError, NonRetryableError, RetryableError } from "../errors.ts";
import { resolveAnchors, type AnchorContext } from "../ingest/anchors.ts";
import { createIngestor, readCursor, storedBlockHash, type BlockRecord } from "../ingest/apply.ts";
import { keys } from "../store/keys.ts";
import type { LevelStore } from "../store/level-store.ts";
import { decodeLogs } from "./decode.ts";
import { createChainWatch, replacedReason, type ChainReading } from "./watch.ts";

export interface FollowerConfig {
  address: Hex;
  startBlock: number;
  /** Index only blocks this many blocks behind the head (0: the head itself). */
  confirmations: number;
  /** Blocks kept with hashes and undo records; a deeper reorg halts. */
  reorgWindow: number;
  /** The first eth_getLogs range, in blocks; then see nextChunkBlocks. */
  chunkBlocks: number;
  maxChunkBlocks: number;
  /** Logs per eth_getLogs response to aim at (see nextChunkBlocks); default DEFAULT_CHUNK_LOGS. */
  chunkLogs?: number;
  pollIntervalMs: number;
  /** Records the ingestor keeps in memory (see createIngestor); default DEFAULT_RECORD_CACHE. */
  cacheRecords?: number;
  /**
   * Most events in one backfill batch (a block with more stays whole): a fetched chunk is written
   * in batches of about this size; default DEFAULT_BATCH_EVENTS.
   */
  batchEvents?: number;
}

/**
 * Splits a chunk (blocks ascending, events in chain order) into consecutive parts at block
 * boundaries, each with at most `most` events unless one block alone has more. Every block is in
 * exactly one part, so each part's last block is a cursor the index may stop at.
 */
export function splitChunk(blocks: readonly IndexedBlock[], events: readonly ProtocolEvent[], most: number): { blocks: IndexedBlock[]; events: ProtocolEvent[] }[] {
  if (events.length <= most) return [{ blocks: [...blocks], events: [...events] }];
  const parts: { blocks: IndexedBlock[]; events: ProtocolEvent[] }[] = [];
  let part: { blocks: IndexedBlock[]; events: ProtocolEvent[] } = { blocks: [], events: [] };
  let next = 0;
  for (const block of blocks) {
    let end = next;
    while (end < events.length && events[end].blockNumber === block.number) end++;
    if (part.blocks.length > 0 && part.events.length + (end - next) > most) {
      parts.push(part);
      part = { blocks: [], events: [] };
    }
    part.blocks.push(block);
    for (let i = next; i < end; i++) part.events.push(events[i]);
    next = end;
  }
  if (next !== events.length) throw new Error(`an event of block ${events[next].blockNumber} is out of order or outside the chunk's blocks`);
  parts.push(part);
  return parts;
}

/**
 * The next eth_getLogs range, in blocks, after a range of `span` blocks (planned: `chunk`) returned
 * `logs` logs: shrunk in proportion when they exceeded `target` (a dense stretch of chain: a
 * node's time per log grows with the size of its answer, and a smaller range is ingested while the
 * next one is fetched); grown in proportion, at most 8x, when under half of it (a sparse stretch);
 * else unchanged. Never above `max`, never below 1.
 */
export function nextChunkBlocks(chunk: number, span: number, logs: number, target: number, max: number): number {
  let next = chunk;
  if (logs > target) next = Math.floor((span * target) / logs);
  else if (logs * 2 < target) next = chunk * (logs === 0 ? 8 : Math.min(8, Math.floor(target / logs)));
  return Math.max(1, Math.min(max, next));
}

export interface FollowerHooks {
  /** Called after every committed batch with the events it applied. */
  onCommit?: (events: ProtocolEvent[], cursor: Cursor) => void;
  onReorg?: (depth: number) => void;
}

/** Why ingestion stopped: a reorg deeper than the window (or another fault), or another chain under the index. */
export type HaltCode = "index_halted" | "chain_replaced";

export interface FollowerStatus {
  /** The node's head as last read (by the ingest loop or the watch, whichever asked last). */
  chainHead: number | null;
  /** When that head was read (ms since the epoch), or null before the node answered. */
  chainHeadAt: number | null;
  cursor: Cursor | null;
  lastReorgDepth: number;
  reorgs: number;
  eventsPerSecond: number;
  caughtUp: boolean;
  /** The last polls all failed (node unreachable, or answers that cannot be used). */
  failing: boolean;
  haltReason: string | null;
  haltCode: HaltCode | null;
  /** The node has another block at the cursor's height than the indexed one (a reorg not repaired yet, or a halt). */
  cursorOffChain: boolean;
}

export interface Follower {
  /** Runs until stopped or halted; resolves when the loop has exited. */
  start(): Promise<void>;
  /** Stops after the batch in flight (never between a batch and its cursor). */
  stop(): Promise<void>;
  status(): FollowerStatus;
  /** One pass: index everything available now. Used by tests and by start(). */
  syncOnce(): Promise<void>;
  /** One reading of the node by the watch (see watch.ts): head, chain identity, the cursor's block. */
  checkChain(): Promise<void>;
}

export interface FollowerDeps {
  client: PublicClient;
  store: LevelStore;
  logger: Logger;
  config: FollowerConfig;
  hooks?: FollowerHooks;
  /** Where the data of hash-mode anchored batches comes from (the relayer); none: they are `dataUnavailable`. */
  anchorData?: AnchorDataSource;
  /** The watch's client (see watch.ts): one with a short timeout; default `client`. */
  watchClient?: PublicClient;
}

const RATE_WINDOW_MS = 10_000;
/** Consecutive failed polls after which the follower reports itself failing (/ready 503). */
const FAILURES_BEFORE_NOT_READY = 3;

export function createFollower({ client, store, logger, config, hooks = {}, anchorData, watchClient }: FollowerDeps): Follower {
  const controller = new AbortController();
  /** Every write to the index goes through it, so its record cache stays true. */
  const ingestor = createIngestor(store, config.reorgWindow, config.cacheRecords);
  /** The largest eth_getLogs range to ask for: the configured ceiling, lowered below a range the provider refused during this backfill (set by backfill). */
  let ceiling = config.maxChunkBlocks;
  let chunk = config.chunkBlocks;
  let running: Promise<void> | undefined;
  let checkedHead = false;
  const state: FollowerStatus = {
    chainHead: null, chainHeadAt: null, cursor: null, lastReorgDepth: 0, reorgs: 0, eventsPerSecond: 0, caughtUp: false, failing: false,
    haltReason: null, haltCode: null, cursorOffChain: false,
  };
  /** When the request that read `state.chainHead` went out (performance.now()). */
  let headIssuedAt = -Infinity;
  /** A cursor the node was seen to have another block for (compared with the current one in status()). */
  let offChain: Cursor | undefined;

  /** Keeps the head of the request that went out last: an answer that arrives late is older. */
  function noteHead(head: number, issuedAt: number): void {
    if (issuedAt < headIssuedAt) return;
    headIssuedAt = issuedAt;
    state.chainHead = head;
    state.chainHeadAt = Date.now();
  }

  /**
   * Stops ingestion for good (until a restart). A replaced chain overrides an earlier halt: a chain
   * restarted from scratch also looks like a reorg deeper than the window to the ingest loop, and
   * the operator must be told the right remedy (a new index, not a look at the reorg).
   */
  function halt(code: HaltCode, reason: string): void {
    if (state.haltReason !== null && (code !== "chain_replaced" || state.haltCode === "chain_replaced")) return;
    state.haltReason = reason;
    state.haltCode = code;
    state.caughtUp = false;
    logger.error({ code, reason }, "ingestion halted");
  }

  const watch = createChainWatch({
    client: watchClient ?? client, store, logger, intervalMs: config.pollIntervalMs, signal: controller.signal,
    onReplaced: (reason) => halt("chain_replaced", reason),
    onReading(reading: ChainReading) {
      noteHead(reading.head, reading.issuedAt);
      state.cursor ??= reading.cursor ?? null;
      const { cursor, hashAtCursor } = reading;
      if (cursor === undefined || hashAtCursor === undefined) return;
      if (hashAtCursor !== cursor.hash) offChain = cursor;
      else if (offChain?.hash === cursor.hash) offChain = undefined;
    },
  });
  const recent: { at: number; events: number }[] = [];
  let anchorContext: Promise<AnchorContext> | undefined;
  /** Asked for only when a range holds an anchored batch. */
  const anchors = (): Promise<AnchorContext> =>
    (anchorContext ??= client.getChainId().then(
      (chainId) => ({ chainId, address: config.address, source: anchorData }),
      (error: unknown) => {
        anchorContext = undefined;
        throw error;
      },
    ));

  async function header(number: number): Promise<IndexedBlock | undefined> {
    const block = await client.getBlock({ blockNumber: BigInt(number) }).catch((error: unknown) => {
      if (error instanceof Error && error.name === "BlockNotFoundError") return undefined;
      throw error;
    });
    if (block === undefined || block.hash === null) return undefined;
    return { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: Number(block.timestamp) };
  }

  function commit(result: { events: ProtocolEvent[]; cursor: Cursor } | undefined): void {
    if (result === undefined) return;
    state.cursor = result.cursor;
    const now = Date.now();
    recent.push({ at: now, events: result.events.length });
    while (recent.length > 0 && recent[0].at < now - RATE_WINDOW_MS) recent.shift();
    const span = Math.max(1, now - (recent[0]?.at ?? now)) / 1000;
    state.eventsPerSecond = recent.reduce((sum, r) => sum + r.events, 0) / Math.max(span, 1);
    hooks.onCommit?.(result.events, result.cursor);
  }

  /**
   * Walks back from the cursor to the newest block whose stored hash the chain still has, and
   * undoes the blocks above it. Only blocks with hash and undo records can be undone: the walk
   * stops at the first block without them (the cursor included), and the ancestor may be the
   * parent of the oldest recorded block (its parentHash is stored for that).
   */
  async function repair(cursor: Cursor): Promise<number> {
    let parentOfOldest: { number: number; hash: Hex } | undefined;
    for (let n = cursor.number; n >= 0; n--) {
      const record = await store.get<BlockRecord>(keys.block(n));
      const onChain = await header(n);
      // The cursor's own hash is always known: enough to see that nothing changed (depth 0).
      const known = n === cursor.number ? cursor.hash : n === parentOfOldest?.number ? parentOfOldest.hash : undefined;
      const stored = record?.hash ?? known;
      if (stored === undefined) break;
      if (onChain !== undefined && onChain.hash === stored) {
        const depth = await ingestor.revert({ number: n, hash: stored });
        if (depth === 0) return 0;
        state.cursor = { number: n, hash: stored };
        state.lastReorgDepth = depth;
        state.reorgs += 1;
        logger.warn({ depth, ancestor: n, from: cursor.number }, "reorg repaired");
        hooks.onReorg?.(depth);
        return depth;
      }
      if (record === undefined) break;
      parentOfOldest = { number: n - 1, hash: record.parentHash };
    }
    throw new DeepReorgError(
      `reorg deeper than the window of ${config.reorgWindow} blocks below block ${cursor.number}: the index must be rebuilt (delete the data directory)`,
      config.reorgWindow,
    );
  }

  /** Is the stored cursor still on the chain? A lower head whose blocks match is not a reorg. */
  async function verifyCursor(cursor: Cursor, head: number): Promise<boolean> {
    const height = Math.min(head, cursor.number);
    const stored = await storedBlockHash(store, height, cursor);
    if (stored === undefined) return true; // below the window: nothing to compare
    const onChain = await header(height);
    if (onChain === undefined) return true; // the node does not have it (yet): wait
    if (onChain.hash === stored) return true;
    await repair(cursor);
    return false;
  }

  async function getLogs(fromBlock: number, toBlock: number) {
    return client.getLogs({ address: config.address, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock) });
  }

  /**
   * The logs and headers of the next chunk from `from` (at most up to `target`), shrinking the
   * range while the provider refuses it and growing it back after each success.
   */
  async function fetchChunk(from: number, target: number): Promise<{ to: number; blocks: IndexedBlock[]; events: ProtocolEvent[] }> {
    for (;;) {
      const to = Math.min(target, from + chunk - 1);
      let logs;
      try {
        logs = await getLogs(from, to);
      } catch (error) {
        if (chunk === 1) throw error;
        // A provider that caps the range refuses it again if it grows back past what it refused.
        ceiling = Math.max(1, to - from);
        chunk = Math.max(1, Math.floor(chunk / 2));
        logger.info({ from, to, chunk, err: error }, "log range refused; shrinking");
        continue;
      }
      const numbers = [...new Set(logs.map((log) => Number(log.blockNumber)))];
      if (!numbers.includes(to)) numbers.push(to);
      const headers = await Promise.all(numbers.map((n) => header(n)));
      const byNumber = new Map<number, IndexedBlock>();
      for (const h of headers) if (h !== undefined) byNumber.set(Number(h.number), h);
      // The logs must come from the blocks we hold headers for; otherwise the range moved under us.
      const consistent = byNumber.has(to) && logs.every((log) => byNumber.get(Number(log.blockNumber))?.hash === log.blockHash);
      if (!consistent) {
        if (controller.signal.aborted) throw new RetryableError("stopped while the log range was moving");
        logger.info({ from, to }, "log range changed while reading; retrying");
        await sleep(config.pollIntervalMs, undefined, { signal: controller.signal }).catch(() => {});
        continue;
      }
      const blocks = [...byNumber.values()].sort((a, b) => Number(a.number - b.number));
      const logsByBlock = Map.groupBy(logs, (log) => Number(log.blockNumber));
      const events = blocks.flatMap((block) => decodeLogs(logsByBlock.get(Number(block.number)) ?? [], block.timestamp));
      await resolveAnchors(events, anchors);
      chunk = nextChunkBlocks(chunk, to - from + 1, logs.length, config.chunkLogs ?? DEFAULT_CHUNK_LOGS, ceiling);
      return { to, blocks, events };
    }
  }

  /**
   * Backfills [from, target] chunk by chunk. The next chunk is fetched while the current one is
   * projected and written; every batch is still atomic with its cursor, and they land in order.
   */
  async function backfill(from: number, target: number): Promise<void> {
    // What a provider refused is remembered for one backfill: a refusal may have been transient.
    ceiling = config.maxChunkBlocks;
    chunk = Math.min(chunk, ceiling);
    let pending = fetchChunk(from, target);
    try {
      for (;;) {
        const range = await pending;
        // A halt (the watch saw another chain) stops the backfill: nothing more from that node.
        if (state.haltReason !== null) return;
        const more = range.to < target && !controller.signal.aborted;
        if (more) {
          pending = fetchChunk(range.to + 1, target);
          pending.catch(() => {}); // awaited on the next turn; this only silences the early rejection
        }
        for (const part of splitChunk(range.blocks, range.events, config.batchEvents ?? DEFAULT_BATCH_EVENTS)) {
          const started = performance.now();
          const batch = await ingestor.submit(part.blocks, part.events, state.chainHead ?? undefined);
          if (batch !== undefined) {
            logger.debug({ from: Number(part.blocks[0]?.number), to: batch.cursor.number, events: batch.events.length, ms: Math.round(performance.now() - started) }, "ingested block range");
            batch.written.then(() => commit(batch), () => {});
          }
        }
        if (!more) return;
      }
    } finally {
      await ingestor.flush();
    }
  }

  /** The next block after the cursor, checked against it; false when the node has no such block yet. */
  async function realtime(cursor: Cursor | undefined, number: number): Promise<boolean> {
    const block = await header(number);
    if (block === undefined) return false;
    if (cursor !== undefined && block.parentHash !== cursor.hash) {
      // The cursor still being canonical means the node serves blocks that do not link up (EDR's
      // hardhat_mine leaves a zero parentHash in the blocks it reserves): accept the block.
      if ((await repair(cursor)) !== 0) return true;
      logger.warn({ block: number, parentHash: block.parentHash, cursor: cursor.hash }, "block does not link to the cursor, which is still canonical; accepted");
    }
    const logs = await client.getLogs({ address: config.address, blockHash: block.hash });
    const events = decodeLogs(logs, block.timestamp);
    await resolveAnchors(events, anchors);
    const batch = await ingestor.submit([block], events, state.chainHead ?? undefined);
    await batch?.written;
    if (events.length > 0) logger.debug({ block: number, events: events.length }, "ingested block");
    commit(batch);
    return true;
  }

  /**
   * Is this the chain the index was built from? The first block to index is remembered with its
   * hash; a node restarted from scratch (a new local chain) has another hash there, even when its
   * head is still below the cursor. False while the node does not have that block yet.
   */
  async function checkOrigin(): Promise<boolean> {
    const origin = await store.get<Cursor>(keys.origin);
    const onChain = await header(origin?.number ?? config.startBlock);
    if (onChain === undefined) return false;
    if (origin === undefined) {
      await store.write([{ type: "put", key: keys.origin, value: { number: Number(onChain.number), hash: onChain.hash } }]);
      return true;
    }
    if (onChain.hash === origin.hash) return true;
    throw new ChainReplacedError(replacedReason(origin));
  }

  async function syncOnce(): Promise<void> {
    if (state.haltReason !== null) return;
    try {
      const issuedAt = performance.now();
      const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
      noteHead(head, issuedAt);
      let cursor = await readCursor(store);
      state.cursor = cursor ?? null;
      if (!checkedHead) {
        if (!(await checkOrigin())) return;
        checkedHead = true;
        if (cursor !== undefined && !(await verifyCursor(cursor, head))) cursor = await readCursor(store);
      }
      const target = head - config.confirmations;
      for (;;) {
        if (controller.signal.aborted || state.haltReason !== null) return;
        const next = cursor === undefined ? config.startBlock : cursor.number + 1;
        if (next > target) {
          // Caught up: the chain may still have replaced the blocks we hold at the same height.
          if (cursor !== undefined && !(await verifyCursor(cursor, head))) {
            cursor = await readCursor(store);
            continue;
          }
          state.caughtUp = true;
          return;
        }
        state.caughtUp = false;
        const backfillTo = target - config.reorgWindow;
        if (next <= backfillTo) {
          // The head may have jumped past a reorg of the blocks we hold: check before going on.
          if (cursor !== undefined && !(await verifyCursor(cursor, head))) {
            cursor = await readCursor(store);
            continue;
          }
          await backfill(next, backfillTo);
        } else if (!(await realtime(cursor, next))) {
          return; // the node does not serve the block yet: try again at the next poll
        }
        cursor = await readCursor(store);
      }
    } catch (error) {
      if (error instanceof NonRetryableError) {
        // A deep reorg may be the chain replaced: the halt says which.
        const replaced = error instanceof ChainReplacedError ? undefined : await replacedOrigin().catch(() => undefined);
        if (error instanceof ChainReplacedError) halt("chain_replaced", error.message);
        else if (replaced !== undefined) halt("chain_replaced", replacedReason(replaced));
        else halt("index_halted", error.message);
        return;
      }
      throw error;
    }
  }

  /** The index's origin when the node has another block at its height (another chain), else undefined. */
  async function replacedOrigin(): Promise<Cursor | undefined> {
    const origin = await store.get<Cursor>(keys.origin);
    if (origin === undefined) return undefined;
    const onChain = await header(origin.number);
    return onChain !== undefined && onChain.hash !== origin.hash ? origin : undefined;
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!controller.signal.aborted && state.haltReason === null) {
      try {
        await syncOnce();
        failures = 0;
      } catch (error) {
        failures += 1;
        logger.warn({ err: error, failures }, "chain read failed; retrying");
      }
      state.failing = failures >= FAILURES_BEFORE_NOT_READY;
      const wait = failures === 0 ? config.pollIntervalMs : Math.min(30_000, config.pollIntervalMs * 2 ** failures);
      await sleep(wait, undefined, { signal: controller.signal }).catch(() => {});
    }
  }

  return {
    start() {
      // The watch goes on after a halt: /status keeps showing the node's head.
      running ??= Promise.all([loop(), watch.run()]).then(() => {});
      return running;
    },
    async stop() {
      controller.abort();
      await running;
    },
    status: () => ({ ...state, cursorOffChain: offChain !== undefined && state.cursor?.hash === offChain.hash }),
    syncOnce,
    checkChain: () => watch.check(),
  };
}
