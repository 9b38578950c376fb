/**
 * /v1/stream: Server-Sent Events of new posts and tips as they are ingested.
 *   event: post | tip     id: chain position (block 12 digits + log index 6 digits)
 *   data: {"data": <PostRecord | TipRecord>, "block": {"number", "hash"}}
 * A `: heartbeat` comment every 15 s keeps proxies from closing an idle stream. Events are live
 * only: `Last-Event-ID` is not replayed (page the REST listings to catch up). A client that cannot
 * keep up is disconnected rather than buffered without bound: more than 1 MiB unsent for longer
 * than 2 s without draining, or more than 16 MiB at once. (One committed range can announce 2,048
 * anchored posts, over 1 MiB in one burst: a reader that keeps up drains it in milliseconds.)
 * When the index's data can no longer be vouched for (server/api/status.ts: index_halted,
 * chain_replaced, node_unavailable...), an open stream gets `event: unavailable` with
 * `{"code", "reason"}` and is closed within UNSERVABLE_CHECK_MS; a new one is refused with the 503.
 */
import type { Express } from "express";

import { get, refuseUnservable, type AppDeps } from "../context.ts";
import { streamEventId, type StreamEvent } from "../hub.ts";
import type { HttpMetrics } from "../observe.ts";
import { noQuerySchema, parseInput } from "../schemas.ts";

export const DEFAULT_HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_BUFFERED_MS = 2_000;
const HARD_MAX_BUFFERED_BYTES = 16 << 20;
/** How often an open stream checks that the index's data is still servable. */
export const UNSERVABLE_CHECK_MS = 250;

export function formatEvent(event: StreamEvent): string {
  const data = JSON.stringify({ data: event.data, block: event.block });
  return `event: ${event.type}\nid: ${streamEventId(event)}\ndata: ${data}\n\n`;
}

export function registerStreamRoutes(app: Express, deps: AppDeps, metrics: HttpMetrics): void {
  const heartbeatMs = deps.config.streamHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  // One check for every open stream (running only while there is one): announced data the index
  // can no longer vouch for ends them all, as a new request is refused.
  const open = new Set<(unavailable: { code: string; reason: string }) => void>();
  let watch: NodeJS.Timeout | undefined;
  const watchServable = () => {
    watch ??= setInterval(() => {
      const { unavailable } = deps.status();
      if (unavailable !== null) for (const end of [...open]) end(unavailable);
    }, UNSERVABLE_CHECK_MS);
    watch.unref();
  };

  get(app, "/v1/stream", (req, res) => {
    parseInput(noQuerySchema, req.query, "query");
    refuseUnservable(deps);
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("X-Accel-Buffering", "no");
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.flushHeaders();
    res.write(`retry: 3000\n: connected\n\n`);

    /** Since when the backlog has been over MAX_BUFFERED_BYTES without draining. */
    let overSince: number | undefined;
    res.on("drain", () => {
      overSince = undefined;
    });
    const send = (chunk: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(chunk);
      if (res.writableLength <= MAX_BUFFERED_BYTES) return;
      const now = Date.now();
      overSince ??= now;
      if (now - overSince > MAX_BUFFERED_MS || res.writableLength > HARD_MAX_BUFFERED_BYTES) {
        deps.logger.warn({ requestId: res.locals.requestId, buffered: res.writableLength }, "stream client too slow, disconnecting");
        res.destroy();
      }
    };
    const unsubscribe = deps.events.subscribe((event) => send(formatEvent(event)));
    const heartbeat = setInterval(() => send(": heartbeat\n\n"), heartbeatMs);
    heartbeat.unref();
    const end = (unavailable: { code: string; reason: string }) => {
      send(`event: unavailable\ndata: ${JSON.stringify({ code: unavailable.code, reason: unavailable.reason })}\n\n`);
      res.end();
    };
    open.add(end);
    watchServable();
    metrics.streamClients.inc();
    deps.logger.debug({ requestId: res.locals.requestId }, "stream client connected");

    res.once("close", () => {
      clearInterval(heartbeat);
      open.delete(end);
      if (open.size === 0) {
        clearInterval(watch);
        watch = undefined;
      }
      unsubscribe();
      metrics.streamClients.dec();
      deps.logger.debug({ requestId: res.locals.requestId }, "stream client disconnected");
    });
  });
}
