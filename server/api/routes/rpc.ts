/**
 * POST /rpc: the page's way to the chain. The page's Content-Security-Policy allows only its own
 * origin, so reads and already-signed transactions go through here to CHAIN_RPC_URL. Only methods
 * a wallet needs are relayed (reads, gas estimates, eth_sendRawTransaction); nothing that signs,
 * unlocks or administers the node, and no eth_getLogs (an unbounded range would load the server).
 *
 * A node runs eth_call and eth_estimateGas for as long as the gas they are given lasts, and answers
 * nothing else meanwhile (Hardhat's node took ~95 s for 20 looping calls at its default gas). So
 * no request can take the node down:
 *   - the execution calls of one request share `gasCap` (calls without `gas` get an equal share of
 *     what is left; explicit gas above the cap is refused with 400 rpc_gas_above_cap), and state
 *     overrides are not relayed;
 *   - at most `maxInFlight` requests are at the node at once; up to `maxWaiting` others wait in
 *     line (beyond: 503 rpc_busy at once); waiting and the node's answer share the request's time
 *     budget (`timeoutMs`: past it, 503 rpc_busy while waiting, chain_unavailable at the node);
 *   - each client (IP) may use `clientMsPerMinute` of node time per minute, else 429 rate_limited.
 * server/main.ts enables the relay for the local development chain only unless RPC_RELAY=on.
 */
import type { Express, Request } from "express";
import { RateLimiterMemory } from "rate-limiter-flexible";

import type { AppDeps } from "../context.ts";
import { DEFAULT_RPC_GAS_CAP } from "../../config.ts";
import { HttpProblem } from "../problem.ts";

export const RELAYED_METHODS = new Set([
  "eth_chainId", "net_version", "eth_blockNumber", "eth_getBalance", "eth_getCode", "eth_call", "eth_estimateGas",
  "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getBlockByNumber", "eth_getBlockByHash",
  "eth_getTransactionCount", "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_sendRawTransaction",
]);
/** The methods that execute code on the node, for as long as their gas lasts. */
const EXECUTING = new Set(["eth_call", "eth_estimateGas"]);
const MAX_CALLS = 20;

export interface RpcRelayLimits {
  /** Gas all eth_call / eth_estimateGas calls of one request may use together. */
  gasCap: number;
  /** Requests at the node at once. */
  maxInFlight: number;
  /** Requests waiting for a turn, beyond which a request is refused at once. */
  maxWaiting: number;
  /** A request's time budget: waiting for its turn plus the node's answer. */
  timeoutMs: number;
  /** Node time one client may use per minute. */
  clientMsPerMinute: number;
}

export const DEFAULT_RPC_LIMITS: RpcRelayLimits = { gasCap: DEFAULT_RPC_GAS_CAP, maxInFlight: 2, maxWaiting: 64, timeoutMs: 5_000, clientMsPerMinute: 15_000 };

interface RpcCall {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]{0,15})$/i;

/**
 * Gives every execution call its gas within the cap (in place); returns the gas given. Throws
 * bad_request for a malformed call and rpc_gas_above_cap when explicit gas exceeds the cap.
 */
export function capGas(calls: RpcCall[], gasCap: number): number {
  const executing = calls.filter((call) => EXECUTING.has(call.method as string));
  let explicit = 0;
  const unset: Record<string, unknown>[] = [];
  for (const call of executing) {
    const params = call.params;
    if (!Array.isArray(params) || params.length < 1 || params.length > 2 || typeof params[0] !== "object" || params[0] === null || Array.isArray(params[0])) {
      throw new HttpProblem("bad_request", `${String(call.method)} takes [transaction, block?]; state and block overrides are not relayed`);
    }
    const tx = params[0] as Record<string, unknown>;
    if (tx.gas === undefined || tx.gas === null) {
      unset.push(tx);
      continue;
    }
    if (typeof tx.gas !== "string" || !QUANTITY.test(tx.gas)) throw new HttpProblem("bad_request", "gas must be a hex quantity");
    explicit += Number.parseInt(tx.gas, 16);
  }
  if (explicit > gasCap) {
    throw new HttpProblem("rpc_gas_above_cap", `the eth_call and eth_estimateGas calls of one request may use ${gasCap} gas together; this one asks for ${explicit}`);
  }
  const share = unset.length === 0 ? 0 : Math.floor((gasCap - explicit) / unset.length);
  for (const tx of unset) tx.gas = `0x${share.toString(16)}`;
  return explicit + share * unset.length;
}

/** A counting semaphore whose waiters give up when their signal aborts. */
function createGate(max: number, maxWaiting: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) active -= 1;
    else next(); // the slot passes to the next waiter
  };
  return {
    async enter(signal: AbortSignal): Promise<() => void> {
      if (active < max) {
        active += 1;
        return release;
      }
      if (waiting.length >= maxWaiting || signal.aborted) throw new Error("busy");
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal.removeEventListener("abort", giveUp);
          resolve();
        };
        const giveUp = () => {
          waiting.splice(waiting.indexOf(turn), 1);
          reject(new Error("busy"));
        };
        waiting.push(turn);
        signal.addEventListener("abort", giveUp, { once: true });
      });
      return release;
    },
  };
}

const busy = () => new HttpProblem("rpc_busy", "the chain's node is busy with other relayed calls; retry shortly", { headers: { "Retry-After": "1" } });

export function registerRpcRoutes(app: Express, deps: AppDeps): void {
  const upstream = deps.config.rpcUrl;
  const limits = { ...DEFAULT_RPC_LIMITS, ...deps.config.rpcLimits };
  const gate = createGate(limits.maxInFlight, limits.maxWaiting);
  const budgets = new RateLimiterMemory({ points: limits.clientMsPerMinute, duration: 60 });
  const client = (req: Request) => req.ip ?? "unknown";

  app.post("/rpc", async (req, res) => {
    res.locals.route = "/rpc";
    if (upstream === undefined) throw new HttpProblem("not_found", "this server relays no JSON-RPC: RPC_RELAY is off, or local and this is not the local chain (docs/api.md)");
    const body: unknown = req.body;
    const calls = (Array.isArray(body) ? body : [body]) as RpcCall[];
    if (calls.length === 0 || calls.length > MAX_CALLS || calls.some((call) => typeof call !== "object" || call === null)) {
      throw new HttpProblem("bad_request", `send one JSON-RPC call or a batch of at most ${MAX_CALLS}`);
    }
    const refused = calls.find((call) => typeof call.method !== "string" || !RELAYED_METHODS.has(call.method));
    if (refused !== undefined) {
      throw new HttpProblem("rpc_method_not_relayed", `${String(refused.method)} is not relayed; allowed: ${[...RELAYED_METHODS].join(", ")}`);
    }
    capGas(calls, limits.gasCap);
    const used = await budgets.get(client(req));
    if (used !== null && used.consumedPoints >= limits.clientMsPerMinute) {
      const seconds = Math.max(1, Math.ceil(used.msBeforeNext / 1000));
      throw new HttpProblem("rate_limited", `this client used its ${limits.clientMsPerMinute} ms of node time for this minute`, { headers: { "Retry-After": String(seconds) } });
    }

    const signal = AbortSignal.timeout(limits.timeoutMs);
    const leave = await gate.enter(signal).catch(() => {
      throw busy();
    });
    const started = performance.now();
    let answer: Response;
    let text: string;
    try {
      answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
      text = await answer.text();
    } catch {
      throw new HttpProblem("chain_unavailable", "the chain's JSON-RPC node did not answer in time; try again shortly");
    } finally {
      leave();
      await budgets.penalty(client(req), Math.max(1, Math.round(performance.now() - started)));
    }
    res.status(answer.ok ? 200 : 502).type("application/json").send(text);
  });
}
