/**
 * The relayer's routes (server/relayer): `POST /v1/actions` takes a signed action and answers 202
 * once it is durably queued; `GET /v1/actions/:id` follows it to the chain; `GET
 * /v1/accounts/:address/relay` says what a client needs to sign its next action (nonce, seq,
 * cumulative fee, deposit, pending spend). Registered only when the server runs a relayer.
 */
import type { Express } from "express";
import { getAddress } from "viem";
import { z } from "zod";

import { actionSchema } from "../../relayer/actions.ts";
import { ActionRejected, type Relayer } from "../../relayer/relayer.ts";
import { get } from "../context.ts";
import { HttpProblem } from "../problem.ts";
import { addressSchema, noQuerySchema, parseInput } from "../schemas.ts";

const idSchema = z.strictObject({ id: z.uuid({ error: "an action id (a UUID) from POST /v1/actions" }) });

export function registerActionRoutes(app: Express, relayer: Relayer): void {
  app.post("/v1/actions", async (req, res) => {
    res.locals.route = "/v1/actions";
    if (!req.is("application/json")) throw new HttpProblem("unsupported_media_type", "send the action as application/json");
    const parsed = actionSchema.safeParse(req.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).slice(0, 5).join("; ");
      throw new HttpProblem("invalid_action", `not a valid signed action: ${detail}`);
    }
    try {
      const record = await relayer.accept(parsed.data);
      res.status(202).location(`/v1/actions/${record.id}`).json({ data: { id: record.id, status: record.status, type: record.type, mode: record.mode, account: record.account } });
    } catch (error) {
      if (!(error instanceof ActionRejected)) throw error;
      const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { "Retry-After": String(error.retryAfterSeconds) };
      throw new HttpProblem(error.code, error.message, { headers });
    }
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
    res.json({ data: await relayer.accountState(getAddress(address), asset === undefined ? undefined : getAddress(asset)) });
  });
}
