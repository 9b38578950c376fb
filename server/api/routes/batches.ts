/** /v1/batches/:batchId: an anchored batch, its status (valid, invalid, dataUnavailable) and counts. */
import type { Express } from "express";
import { z } from "zod";

import type { BatchRecord } from "../../domain.ts";
import { keys } from "../../store/keys.ts";
import { get, sendRead, type AppDeps } from "../context.ts";
import { HttpProblem } from "../problem.ts";
import { noQuerySchema, parseInput, postIdSchema } from "../schemas.ts";

const batchParamsSchema = z.strictObject({ batchId: postIdSchema });

export function registerBatchRoutes(app: Express, deps: AppDeps): void {
  get(app, "/v1/batches/:batchId", async (req, res) => {
    const { batchId } = parseInput(batchParamsSchema, req.params, "path");
    parseInput(noQuerySchema, req.query, "query");
    await sendRead(deps, res, async (reader) => {
      const batch = await reader.get<BatchRecord>(keys.batch(batchId));
      if (batch === undefined) throw new HttpProblem("batch_not_found", `no anchored batch ${batchId} is indexed`);
      const { leaves: _leaves, ...summary } = batch;
      return { data: { ...summary, replays: batch.replays ?? [] } };
    });
  });
}
