/**
 * Reads the API's SSE stream on a thread of its own for visibility.ts's openStream: the server
 * disconnects a client with more than 1 MiB unsent (a quarter of a second at 6,500 posts/s), and a
 * busy load generator's main thread was such a client. workerData `{ url }` (the stream's URL).
 *
 * Messages to the main thread: `{ items }` once connected (possibly empty) and then every 20 ms,
 * each item `[key, at, postId?]` (at: epoch ms, performance.timeOrigin + performance.now(), which
 * the main thread turns into its own clock); `{ end }` when the stream ended or failed (the main
 * thread reopens it if it wants).
 *
 * (Rewritten to the contract of visibility.ts's openStream after the first version of this file
 * was overwritten by mistake in the shared working tree.)
 */
import { parentPort, workerData } from "node:worker_threads";

import { contentKey, tipKey } from "./workload.ts";

export type StreamItem = [key: string, at: number, postId?: string];
export type StreamMessage = { items: StreamItem[] } | { end: string };

const FLUSH_MS = 20;

async function main(url: string): Promise<void> {
  const port = parentPort!;
  let items: StreamItem[] = [];
  const flush = () => {
    if (items.length === 0) return;
    port.postMessage({ items } satisfies StreamMessage);
    items = [];
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const response = await fetch(url, { headers: { accept: "text/event-stream" } });
    if (!response.ok || response.body === null) throw new Error(`GET ${url} answered ${response.status}`);
    port.postMessage({ items: [] } satisfies StreamMessage); // connected
    timer = setInterval(flush, FLUSH_MS);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = "";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) type = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (type !== "post" && type !== "tip") continue;
        const at = performance.timeOrigin + performance.now();
        const record = (JSON.parse(data) as { data: { id?: string; content?: string; amount?: string } }).data;
        const key = type === "post" ? contentKey(record.content ?? "") : record.amount === undefined ? undefined : tipKey(record.amount);
        if (key === undefined) continue;
        items.push(type === "post" && record.id !== undefined ? [key, at, record.id] : [key, at]);
      }
    }
    flush();
    port.postMessage({ end: "the stream ended (the server disconnects a client that falls behind)" } satisfies StreamMessage);
  } catch (error) {
    flush();
    port.postMessage({ end: String((error as Error)?.message ?? error) } satisfies StreamMessage);
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}

void main((workerData as { url: string }).url);
