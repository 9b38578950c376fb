/**
 * createApp(deps): the Express 5 app of the indexer's HTTP API, not listening (server/main.ts
 * listens; tests call `app.listen(0)`). Middleware order matters:
 *   observe (request id, metrics, log) -> helmet -> Host check (/rpc and the relayer's routes) ->
 *   rate limit (/v1 and /rpc; ops endpoints are for probes and scrapers) -> JSON body (16 kB) ->
 *   routes -> 404 -> the terminal problem+json handler.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";

import { createResponseCache } from "./cache.ts";
import type { AppDeps } from "./context.ts";
import { errorHandler, notFound } from "./errors.ts";
import { checkHost } from "./host.ts";
import { httpMetrics, observeRequests } from "./observe.ts";
import { openApiDocument } from "./openapi.ts";
import { HttpProblem } from "./problem.ts";
import { registerActionRoutes } from "./routes/actions.ts";
import { registerAuthorRoutes } from "./routes/authors.ts";
import { registerBatchRoutes } from "./routes/batches.ts";
import { ACTIONS_BODY_LIMIT } from "./routes/actions.ts";
import { registerConfigRoutes } from "./routes/config.ts";
import { registerLeaderboardRoutes } from "./routes/leaderboards.ts";
import { registerOpsRoutes } from "./routes/ops.ts";
import { registerPostRoutes } from "./routes/posts.ts";
import { registerRpcRoutes } from "./routes/rpc.ts";
import { registerStreamRoutes } from "./routes/stream.ts";

export const BODY_LIMIT = "16kb";
const RESPONSE_CACHE_ENTRIES = 1_000;

export function createApp(given: AppDeps): Express {
  const deps: AppDeps = { ...given, cache: given.cache ?? createResponseCache(RESPONSE_CACHE_ENTRIES) };
  const app = express();
  app.disable("x-powered-by");
  // Responses carry the block they reflect; hashing every body for an ETag cost more than it saved.
  app.set("etag", false);
  app.set("query parser", "simple");
  app.set("trust proxy", deps.config.trustProxy ?? false);

  const metrics = httpMetrics(deps.registry);
  app.use(observeRequests(metrics, deps.logger));
  // The server speaks plain http on loopback by default: no upgrade-insecure-requests, no HSTS,
  // or a browser would rewrite the page's own requests to https and fail. The page loads its
  // script, stylesheet and icon from this origin, uses system fonts and no inline style: nothing
  // from another host (helmet's defaults allow styles and fonts from any https host, and inline styles).
  app.use(helmet({
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: null, styleSrc: ["'self'"], fontSrc: ["'self'"], imgSrc: ["'self'", "data:"], connectSrc: ["'self'"] },
    },
    strictTransportSecurity: false,
  }));
  app.use(["/rpc", "/v1/actions", "/v1/accounts"], checkHost(deps.config.allowedHosts));
  if (deps.config.rateLimitPerMinute > 0) {
    app.use(
      ["/v1", "/rpc"],
      rateLimit({
        windowMs: 60_000,
        limit: deps.config.rateLimitPerMinute,
        standardHeaders: "draft-8",
        legacyHeaders: false,
        logger: deps.logger,
        handler: (_req, _res, next) => next(new HttpProblem("rate_limited", "too many requests; retry after the time in Retry-After")),
      }),
    );
  }
  // The batch form of POST /v1/actions carries up to ACTIONS_PER_REQUEST signed actions.
  app.use("/v1/actions", express.json({ limit: ACTIONS_BODY_LIMIT }));
  app.use(express.json({ limit: BODY_LIMIT }));

  registerOpsRoutes(app, deps, openApiDocument(deps.config));
  registerConfigRoutes(app, deps);
  registerPostRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerAuthorRoutes(app, deps);
  registerLeaderboardRoutes(app, deps);
  registerStreamRoutes(app, deps, metrics);
  registerRpcRoutes(app, deps);
  if (deps.relayer !== undefined) registerActionRoutes(app, deps.relayer);
  else {
    app.all(["/v1/actions", "/v1/actions/:id", "/v1/accounts/:address/relay"], () => {
      throw new HttpProblem("relayer_disabled", "this server runs no relayer (set RELAYER_PRIVATE_KEY, see README Configuration)");
    });
  }
  if (deps.config.webDir !== undefined) app.use(express.static(deps.config.webDir, { index: "index.html", maxAge: 0 }));

  app.use(notFound);
  const problems = errorHandler(deps.logger);
  app.use(problems);
  answerUnroutable(app, problems);
  return app;
}

/**
 * A request target that parses to no path ("/\#x" reads as the authority-form "//#x") matches no
 * layer, not even `notFound`, and Express would answer with its own HTML page. The handler Express
 * calls when nothing answered (the one `app.listen` leaves to finalhandler) answers it instead,
 * with the same problem as any unknown route.
 */
function answerUnroutable(app: Express, problems: ErrorRequestHandler): void {
  const handled = app as unknown as { handle(req: Request, res: Response, done?: (error?: unknown) => void): void };
  const handle = handled.handle.bind(app);
  handled.handle = (req, res, done) =>
    handle(req, res, done ?? ((error) => problems(error ?? new HttpProblem("not_found", "no such route"), req, res, () => {})));
}
