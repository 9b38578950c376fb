/**
 * What createApp needs (its dependencies, injected by server/main.ts) and the route helper every
 * resource file uses: GET (and HEAD) only, 405 with `Allow` for other methods, a route label for
 * the metrics, and the per-request snapshot envelope.
 */
import type { Express, Request, Response } from "express";
import type { Logger } from "pino";
import type { Registry } from "prom-client";

import type { Address, Cursor } from "../domain.ts";
import { keys } from "../store/keys.ts";
import type { LevelStore } from "../store/level-store.ts";
import type { Relayer } from "../relayer/relayer.ts";
import type { ResponseCache } from "./cache.ts";
import type { RpcRelayLimits } from "./routes/rpc.ts";
import type { StreamSource } from "./hub.ts";
import { HttpProblem } from "./problem.ts";
import { readConsistent, type Reader, type ReadResult } from "./read.ts";
import type { IndexerStatus } from "./status.ts";

export interface ApiConfig {
  chainId: number;
  contracts: { PennyPost: Address; PennyTestToken?: Address };
  /** Largest `limit` a listing accepts (the default page size is min(20, this)). */
  maxPageSize: number;
  /** Requests per minute per client IP under /v1; 0 disables the limiter. */
  rateLimitPerMinute: number;
  /** A block is final when it is at least this many blocks below the chain head. */
  finalityDepth: number;
  /** SSE heartbeat interval; default 15 000 ms. */
  streamHeartbeatMs?: number;
  /** The chain's JSON-RPC URL that POST /rpc relays to (the page uses it); none: no relay. */
  rpcUrl?: string;
  /** The relay's limits (see routes/rpc.ts); default DEFAULT_RPC_LIMITS. */
  rpcLimits?: Partial<RpcRelayLimits>;
  /** Host names, besides loopback names and IP literals, that /rpc and the relayer's routes answer to (see host.ts). */
  allowedHosts?: readonly string[];
  /** Directory of the built web page, served at /; none: no page. */
  webDir?: string;
  /** Express `trust proxy` setting, when the API runs behind a reverse proxy; default false. */
  trustProxy?: boolean | number | string;
}

export interface AppDeps {
  store: LevelStore;
  status: () => IndexerStatus;
  events: StreamSource;
  /** The process's Prometheus registry: /metrics serves it; the API adds its HTTP metrics to it. */
  registry: Registry;
  logger: Logger;
  config: ApiConfig;
  /** Serialized responses reused while the index has not moved; createApp makes one if absent. */
  cache?: ResponseCache;
  /** The relayer behind POST /v1/actions; none: those routes answer 503 relayer_disabled. */
  relayer?: Relayer;
}

export type Handler = (req: Request, res: Response) => Promise<void> | void;

/** Registers `handler` for GET and HEAD on `path`; every other method gets 405 (OPTIONS: 204). */
export function get(app: Express, path: string, handler: Handler): void {
  app
    .route(path)
    .get(async (req, res) => {
      res.locals.route = path;
      await handler(req, res);
    })
    .all((req, res) => {
      res.locals.route = path;
      res.setHeader("Allow", "GET, HEAD");
      if (req.method === "OPTIONS") {
        res.status(204).end();
        return;
      }
      throw new HttpProblem("method_not_allowed", "this resource only supports GET and HEAD", { headers: { Allow: "GET, HEAD" } });
    });
}

/** Throws the 503 problem of the index's state when its data cannot be vouched for (see status.ts). */
export function refuseUnservable(deps: AppDeps): void {
  const { unavailable } = deps.status();
  if (unavailable === null) return;
  const transient = unavailable.code !== "index_halted" && unavailable.code !== "chain_replaced";
  throw new HttpProblem(unavailable.code, unavailable.reason, transient ? { headers: { "Retry-After": "1" } } : {});
}

/**
 * Reads through one snapshot and sends the /v1 envelope; reuses the serialized response while the
 * index has not moved (see cache.ts).
 */
export async function sendRead<T>(deps: AppDeps, res: Response, read: (reader: Reader) => Promise<ReadResult<T>>): Promise<void> {
  refuseUnservable(deps);
  const key = res.req.originalUrl;
  const cursor = deps.cache === undefined ? undefined : await deps.store.get<Cursor>(keys.cursor);
  const cached = deps.cache?.get(key, cursor, deps.status().chainHead, deps.config.finalityDepth);
  if (cached !== undefined) {
    res.type("application/json").send(cached);
    return;
  }
  const compute = async () => {
    const envelope = await readConsistent({ store: deps.store, status: deps.status, finalityDepth: deps.config.finalityDepth }, read);
    return { block: envelope.block, body: JSON.stringify(envelope) };
  };
  const body = deps.cache === undefined ? (await compute()).body : await deps.cache.load(key, cursor, compute);
  res.type("application/json").send(body);
}
