/**
 * POST /rpc: the page's way to the chain. The page's Content-Security-Policy allows only its own
 * origin, so reads and already-signed transactions go through here to CHAIN_RPC_URL. Only methods
 * a wallet needs are relayed (reads, gas estimates, eth_sendRawTransaction); nothing that signs,
 * unlocks or administers the node, and no eth_getLogs (an unbounded range would load the server).
 */
import type { Express } from "express";

import type { AppDeps } from "../context.ts";
import { HttpProblem } from "../problem.ts";

export const RELAYED_METHODS = new Set([
  "eth_chainId", "net_version", "eth_blockNumber", "eth_getBalance", "eth_getCode", "eth_call", "eth_estimateGas",
  "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getBlockByNumber", "eth_getBlockByHash",
  "eth_getTransactionCount", "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_sendRawTransaction",
]);
const MAX_CALLS = 20;

interface RpcCall {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export function registerRpcRoutes(app: Express, deps: AppDeps): void {
  const upstream = deps.config.rpcUrl;
  app.post("/rpc", async (req, res) => {
    res.locals.route = "/rpc";
    if (upstream === undefined) throw new HttpProblem("not_found", "this server relays no JSON-RPC");
    const body: unknown = req.body;
    const calls = (Array.isArray(body) ? body : [body]) as RpcCall[];
    if (calls.length === 0 || calls.length > MAX_CALLS || calls.some((call) => typeof call !== "object" || call === null)) {
      throw new HttpProblem("bad_request", `send one JSON-RPC call or a batch of at most ${MAX_CALLS}`);
    }
    const refused = calls.find((call) => typeof call.method !== "string" || !RELAYED_METHODS.has(call.method));
    if (refused !== undefined) {
      throw new HttpProblem("rpc_method_not_relayed", `${String(refused.method)} is not relayed; allowed: ${[...RELAYED_METHODS].join(", ")}`);
    }
    let answer: Response;
    try {
      answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    } catch {
      throw new HttpProblem("chain_unavailable", "the chain's JSON-RPC node does not answer; try again shortly");
    }
    res.status(answer.ok ? 200 : 502).type("application/json").send(await answer.text());
  });
}
