/**
 * Per-request observation: a request id (X-Request-Id, and the `instance` of problem documents),
 * Prometheus duration histogram and counter labelled by route template (never the raw path, to
 * bound cardinality), and one structured log line per request.
 */
import { randomUUID } from "node:crypto";

import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export interface HttpMetrics {
  duration: Histogram<"method" | "route" | "status">;
  requests: Counter<"method" | "route" | "status">;
  streamClients: Gauge;
}

/** Creates the API's metrics in `registry`, or reuses them when another app already did. */
export function httpMetrics(registry: Registry): HttpMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const labelNames = ["method", "route", "status"] as const;
  return {
    duration:
      existing<Histogram<"method" | "route" | "status">>("pennypost_http_request_duration_seconds") ??
      new Histogram({
        name: "pennypost_http_request_duration_seconds",
        help: "HTTP request duration in seconds, by method, route template and status",
        labelNames,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
    requests:
      existing<Counter<"method" | "route" | "status">>("pennypost_http_requests_total") ??
      new Counter({
        name: "pennypost_http_requests_total",
        help: "HTTP requests, by method, route template and status",
        labelNames,
        registers: [registry],
      }),
    streamClients:
      existing<Gauge>("pennypost_stream_clients") ??
      new Gauge({ name: "pennypost_stream_clients", help: "Open /v1/stream connections", registers: [registry] }),
  };
}

export function observeRequests(metrics: HttpMetrics, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = {
        method: METHODS.has(req.method) ? req.method : "OTHER",
        route: typeof res.locals.route === "string" ? res.locals.route : "unmatched",
        status: String(res.statusCode),
      };
      metrics.duration.observe(labels, seconds);
      metrics.requests.inc(labels);
      logger.debug({ requestId, ...labels, ms: Math.round(seconds * 1e4) / 10, complete: res.writableFinished }, "http request");
    });
    next();
  };
}
