/**
 * The live stream's source: the follower publishes each ingested post and tip, /v1/stream
 * subscribers receive them. In-process and synchronous; a listener that throws is isolated.
 */
import type { AnchoredPostRecord, Hex, PostRecord, ProtocolEvent, TipRecord } from "../domain.ts";
import { keys, positionPart } from "../store/keys.ts";
import type { LevelStore } from "../store/level-store.ts";

export interface StreamBlock {
  number: number;
  hash: Hex;
}

export type StreamEvent =
  | { type: "post"; data: PostRecord; block: StreamBlock }
  | { type: "tip"; data: TipRecord; block: StreamBlock };

export type StreamListener = (event: StreamEvent) => void;

/** What the API needs: subscribe, and get a function that unsubscribes. */
export interface StreamSource {
  subscribe(listener: StreamListener): () => void;
}

export interface EventHub extends StreamSource {
  publish(event: StreamEvent): void;
  /** Current number of subscribers. */
  size(): number;
}

/**
 * The SSE `id` of an event: its chain position (12-digit block, 6-digit log index), and for the
 * posts of an anchored batch (which share their `Anchored` log) `.<leaf index>`.
 */
export const streamEventId = (event: StreamEvent): string => {
  const position = positionPart(event.data.block, event.data.logIndex);
  const leafIndex = (event.data as Partial<AnchoredPostRecord>).leafIndex;
  return leafIndex === undefined ? position : `${position}.${leafIndex}`;
};

export function createEventHub(onListenerError: (error: unknown) => void = () => {}): EventHub {
  const listeners = new Set<StreamListener>();
  return {
    subscribe(listener) {
      // A wrapper per subscription, so subscribing the same function twice gives two deliveries.
      const entry: StreamListener = (event) => listener(event);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    size: () => listeners.size,
  };
}

/**
 * Publishes the posts and tips among `events` (as returned by `ingestBlocks`), reading their
 * records from the store so subscribers see exactly what the REST routes serve. Call it after the
 * batch is written; records already reverted by a later reorg are skipped.
 */
export async function publishIngested(hub: EventHub, store: LevelStore, events: readonly ProtocolEvent[]): Promise<number> {
  // One entry per record: a Posted or Tipped event, or each post of a valid anchored batch (hidden
  // posts, whose signature does not check, have no `p!` record and are skipped like reverted ones).
  const wanted: { type: "post" | "tip"; key: string; event: ProtocolEvent }[] = [];
  for (const event of events) {
    if (event.kind === "Posted") wanted.push({ type: "post", key: keys.post(event.postId), event });
    else if (event.kind === "Tipped") wanted.push({ type: "tip", key: keys.postTip(event.postId, positionPart(event.blockNumber, event.logIndex)), event });
    else if (event.kind === "Anchored" && event.resolved?.status === "valid") {
      for (let i = 0n; i < event.count; i++) wanted.push({ type: "post", key: keys.post(event.firstPostId + i), event });
    }
  }
  const records = await store.getMany<PostRecord | TipRecord>(wanted.map((entry) => entry.key));
  let published = 0;
  wanted.forEach(({ type, event }, i) => {
    const record = records[i];
    if (record === undefined) return;
    const block = { number: Number(event.blockNumber), hash: event.blockHash };
    if (type === "post") hub.publish({ type: "post", data: record as PostRecord, block });
    else hub.publish({ type: "tip", data: record as TipRecord, block });
    published++;
  });
  return published;
}
