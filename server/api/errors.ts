/**
 * The one terminal error handler: every error becomes `application/problem+json`. Client mistakes
 * reported by Express and body-parser (bad JSON, oversized body, bad percent-encoding) keep their
 * 4xx meaning; anything unknown is a 500 that reveals nothing and is logged with its stack.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";

import { HttpProblem, PROBLEM_CONTENT_TYPE } from "./problem.ts";

interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
}

const clientStatus = (error: HttpishError): number | undefined => {
  const status = typeof error.status === "number" ? error.status : error.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
};

/** Maps an error to the problem the client sees; undefined = unknown (a 500). */
export function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const httpish = error as HttpishError;
  if (httpish.code === "LEVEL_DATABASE_NOT_OPEN") return new HttpProblem("not_ready", "the store is not open", { cause: error });
  const status = clientStatus(httpish);
  if (status === undefined) return undefined;
  const options = { cause: error };
  switch (httpish.type) {
    case "entity.too.large":
      return new HttpProblem("payload_too_large", "the request body exceeds the size limit", options);
    case "entity.parse.failed":
      return new HttpProblem("malformed_body", "the request body is not valid JSON", options);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpProblem("unsupported_media_type", "the request body's encoding or charset is not supported", options);
    default:
      break;
  }
  if (error instanceof URIError) return new HttpProblem("invalid_parameter", "the path is not valid percent-encoding", options);
  if (status === 413) return new HttpProblem("payload_too_large", "the request body exceeds the size limit", options);
  if (status === 415) return new HttpProblem("unsupported_media_type", "the request body's media type is not supported", options);
  return new HttpProblem("bad_request", "the request could not be processed", options);
}

export const notFound: RequestHandler = () => {
  throw new HttpProblem("not_found", "no such route");
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const instance = typeof res.locals.requestId === "string" ? `urn:uuid:${res.locals.requestId}` : undefined;
    const known = toProblem(error);
    const problem = known ?? new HttpProblem("internal", "an unexpected error occurred; see the server log for this instance");
    if (known === undefined) logger.error({ err: error, requestId: res.locals.requestId, method: req.method, route: res.locals.route }, "unhandled error");
    if (res.headersSent) {
      // Too late for a problem document (e.g. a broken stream): drop the connection.
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body(instance)));
  };
}
