/**
 * Operations: /health (the process serves), /ready (caught up and not halted: load balancers
 * route on it), /status (the follower's numbers), /metrics (Prometheus), /openapi.json.
 */
import type { Express } from "express";

import { get, type AppDeps } from "../context.ts";
import { HttpProblem } from "../problem.ts";
import { noQuerySchema, parseInput } from "../schemas.ts";

export function registerOpsRoutes(app: Express, deps: AppDeps, openapi: object): void {
  // Probes may add cache-busting query strings: /health and /ready ignore the query.
  get(app, "/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  get(app, "/ready", (_req, res) => {
    const status = deps.status();
    if (status.unavailable !== null) throw new HttpProblem(status.unavailable.code, status.unavailable.reason);
    if (status.haltReason !== null) throw new HttpProblem("not_ready", status.haltReason);
    if (!status.ready) throw new HttpProblem("not_ready", "catching up");
    res.json({ status: "ready" });
  });

  get(app, "/status", (req, res) => {
    parseInput(noQuerySchema, req.query, "query");
    res.json(deps.status());
  });

  get(app, "/metrics", async (req, res) => {
    parseInput(noQuerySchema, req.query, "query");
    const text = await deps.registry.metrics();
    res.setHeader("Content-Type", deps.registry.contentType);
    res.send(text);
  });

  get(app, "/openapi.json", (req, res) => {
    parseInput(noQuerySchema, req.query, "query");
    res.json(openapi);
  });
}
