/**
 * /v1/config: the chain and contracts this index follows and the protocol settings as of the
 * response's block (from the admin events: fees, treasury, accepted tokens, paused, fees owed).
 */
import type { Express } from "express";

import { emptyProtocol, type ProtocolRecord } from "../../domain.ts";
import { keys } from "../../store/keys.ts";
import { get, sendRead, type ApiConfig, type AppDeps } from "../context.ts";
import { noQuerySchema, parseInput } from "../schemas.ts";

export type ConfigView = ProtocolRecord & {
  chainId: number;
  contracts: ApiConfig["contracts"];
  finalityDepth: number;
  maxPageSize: number;
};

export function registerConfigRoutes(app: Express, deps: AppDeps): void {
  const { chainId, contracts, finalityDepth, maxPageSize } = deps.config;

  get(app, "/v1/config", async (req, res) => {
    parseInput(noQuerySchema, req.query, "query");
    await sendRead(deps, res, async (reader) => {
      const protocol = (await reader.get<ProtocolRecord>(keys.protocol)) ?? emptyProtocol();
      const data: ConfigView = { chainId, contracts, ...protocol, finalityDepth, maxPageSize };
      return { data };
    });
  });
}
