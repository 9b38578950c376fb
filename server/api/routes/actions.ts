/**
 * The relayer's routes (server/relayer): `POST /v1/actions` takes a signed action and answers 202
 * once it is durably queued, or an array of up to 500 (207, one result per item, in order); `GET /v1/actions/:id` follows it to the chain; `GET
 * /v1/accounts/:address/relay` says what a client needs to sign its next action (nonce, seq,
 * cumulative fee, deposit, pending spend). Registered only when the server runs a relayer.
 */
import type { Express } from "express";
import { getAddress } from "viem";
import { z } from "zod";

import { actionSchema, type Action } from "../../relayer/actions.ts";
import { ActionRejected, type ActionRecord, type Relayer } from "../../relayer/relayer.ts";
import { get } from "../context.ts";
import { HttpProblem } from "../problem.ts";
import { addressSchema, noQuerySchema, parseInput } from "../schemas.ts";

const idSchema = z.strictObject({ id: z.uuid({ error: "an action id (a UUID) from POST /v1/actions" }) });

/** The batch form: at most this many actions per request (and the body at most ACTIONS_BODY_LIMIT). */
export const ACTIONS_PER_REQUEST = 500;
export const ACTIONS_BODY_LIMIT = "1mb";

type ItemResult =
  | { id: string; status: string; type: string; mode: string; account: string }
  | { error: { status: number; code: string; title: string; detail: string; retryAfter?: number } };

function parseAction(body: unknown): Action | HttpProblem {
  const parsed = actionSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).slice(0, 5).join("; ");
  return new HttpProblem("invalid_action", `not a valid signed action: ${detail}`);
}

function asProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ActionRejected) {
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { "Retry-After": String(error.retryAfterSeconds) };
    return new HttpProblem(error.code, error.message, { headers });
  }
  throw error;
}

const summary = (record: ActionRecord) => ({ id: record.id, status: record.status, type: record.type, mode: record.mode, account: record.account });

export function registerActionRoutes(app: Express, relayer: Relayer): void {
  app.post("/v1/actions", async (req, res) => {
    res.locals.route = "/v1/actions";
    if (!req.is("application/json")) throw new HttpProblem("unsupported_media_type", "send the action (or an array of actions) as application/json");
    if (!Array.isArray(req.body)) {
      const action = parseAction(req.body);
      if (action instanceof HttpProblem) throw action;
      const record = await relayer.accept(action).catch((error: unknown) => {
        throw asProblem(error);
      });
      res.status(202).location(`/v1/actions/${record.id}`).json({ data: summary(record) });
      return;
    }
    // The batch form: every item accepted or refused on its own; one account's items in array order.
    const items = req.body as unknown[];
    if (items.length === 0 || items.length > ACTIONS_PER_REQUEST) {
      throw new HttpProblem("invalid_action", `send 1 to ${ACTIONS_PER_REQUEST} actions in one request, not ${items.length}`);
    }
    const parsed = items.map(parseAction);
    const settled = await relayer.acceptMany(parsed.filter((p): p is Action => !(p instanceof HttpProblem)));
    let next = 0;
    const data: ItemResult[] = parsed.map((p) => {
      const outcome = p instanceof HttpProblem ? ({ status: "rejected", reason: p } as const) : settled[next++]!;
      if (outcome.status === "fulfilled") return summary(outcome.value);
      const problem = asProblem(outcome.reason);
      const body = problem.body();
      const retry = problem.headers["Retry-After"];
      return { error: { status: body.status, code: body.code, title: body.title, detail: body.detail, ...(retry === undefined ? {} : { retryAfter: Number(retry) }) } };
    });
    res.status(207).json({ data });
  });

  get(app, "/v1/actions/:id", async (req, res) => {
    const { id } = parseInput(idSchema, req.params, "path");
    parseInput(noQuerySchema, req.query, "query");
    const record = await relayer.record(id);
    if (record === undefined) throw new HttpProblem("action_not_found", `no action ${id} was accepted by this relayer`);
    const { action: _action, ...summary } = record;
    res.setHeader("Cache-Control", "no-store");
    res.json({ data: summary });
  });

  get(app, "/v1/accounts/:address/relay", async (req, res) => {
    const { address } = parseInput(z.strictObject({ address: addressSchema }), req.params, "path");
    const { asset } = parseInput(z.strictObject({ asset: addressSchema.optional() }), req.query, "query");
    res.setHeader("Cache-Control", "no-store");
    const state = await relayer.accountState(getAddress(address), asset === undefined ? undefined : getAddress(asset)).catch((error: unknown) => {
      throw asProblem(error);
    });
    res.json({ data: state });
  });
}
