/**
 * The live stream's source: the follower publishes each ingested post and tip, /v1/stream
 * subscribers receive them. In-process and synchronous; a listener that throws is isolated.
 */
import type { Hex, PostRecord, ProtocolEvent, TipRecord } from "../domain.ts";
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

/** The SSE `id` of an event: its chain position (12-digit block, 6-digit log index). */
export const streamEventId = (event: StreamEvent): string => positionPart(event.data.block, event.data.logIndex);

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
  const wanted = events.filter((event) => event.kind === "Posted" || event.kind === "Tipped");
  const recordKeys = wanted.map((event) =>
    event.kind === "Posted" ? keys.post(event.postId) : keys.postTip(event.postId, positionPart(event.blockNumber, event.logIndex)),
  );
  const records = await store.getMany<PostRecord | TipRecord>(recordKeys);
  let published = 0;
  wanted.forEach((event, i) => {
    const record = records[i];
    if (record === undefined) return;
    const block = { number: Number(event.blockNumber), hash: event.blockHash };
    if (event.kind === "Posted") hub.publish({ type: "post", data: record as PostRecord, block });
    else hub.publish({ type: "tip", data: record as TipRecord, block });
    published++;
  });
  return published;
}
