/**
 * The OpenAPI 3.1 document served at /openapi.json. Paths are written here; component schemas
 * are generated from the zod response models (models.ts) and parameter patterns come from the
 * validation schemas (schemas.ts), so the document states exactly what the code does.
 */
import { z } from "zod";

import type { ApiConfig } from "./context.ts";
import { models } from "./models.ts";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";
import { ADDRESS_PATTERN, CURSOR_MAX_LENGTH, DEFAULT_PAGE_SIZE, ID_PATTERN } from "./schemas.ts";

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });
const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

function ok(data: Json, paged: boolean, description = "OK"): Json {
  const properties: Json = { data, block: ref("Block"), ...(paged ? { page: ref("Page") } : {}) };
  const required = paged ? ["data", "page", "block"] : ["data", "block"];
  return { description, content: { "application/json": { schema: { type: "object", properties, required } } } };
}

const problem = (description: string, headers?: Json): Json => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref("Problem") } },
});

/** The responses every /v1 route can give besides its own. */
const UNAVAILABLE = "The indexed data cannot be vouched for now (docs/indexer.md, What the API vouches for): codes index_halted, chain_replaced (until the index is rebuilt), node_unavailable, index_ahead_of_chain, index_off_chain (transient: Retry-After)";
const common = {
  "400": response("BadRequest"), "405": response("MethodNotAllowed"), "429": response("RateLimited"), "500": response("Internal"), "503": problem(UNAVAILABLE),
};

function operation(operationId: string, summary: string, parameters: Json[], responses: Json, tag = "read"): Json {
  return { get: { operationId, summary, tags: [tag], parameters, responses } };
}

function componentSchemas(): Json {
  const { schemas } = z.toJSONSchema(models, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...schema }]) => [name, schema]));
}

export function openApiDocument(config: ApiConfig): Json {
  const page = [param("Limit"), param("Cursor")];
  const list = (name: string) => ({ type: "array", items: ref(name) });
  const ops = (id: string, summary: string, content: Json, extra: Json = {}) =>
    operation(id, summary, [], { "200": { description: "OK", content }, ...extra }, "ops");
  const json = (schema: Json) => ({ "application/json": { schema } });

  return {
    openapi: "3.1.0",
    info: {
      title: "PennyPost indexer API",
      version: "1.0.0",
      description:
        "Read API over the PennyPost index. Every /v1 body is {data, page?, block}: `block` is the indexed block the data reflects, " +
        "read from the same snapshot. Listings use opaque cursors (no gaps or duplicates while items are added). Errors are RFC 9457 " +
        "problem details with a stable `code`. Amounts are uint256 decimal strings.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [{ name: "read" }, { name: "ops" }, { name: "chain" }],
    paths: {
      "/v1/posts": operation("listPosts", "Global feed, newest first", page, { "200": ok(list("PostView"), true), ...common }),
      "/v1/posts/{id}": operation("getPost", "One post with its stats", [param("PostId")], {
        "200": ok(ref("PostView"), false), "404": response("NotFound"), ...common,
      }),
      "/v1/posts/{id}/replies": operation("listReplies", "Replies to a post, oldest first", [param("PostId"), ...page], {
        "200": ok(list("PostView"), true), "404": response("NotFound"), ...common,
      }),
      "/v1/posts/{id}/tips": operation("listPostTips", "Tips of a post, newest first", [param("PostId"), ...page], {
        "200": ok(list("Tip"), true), "404": response("NotFound"), ...common,
      }),
      "/v1/posts/{id}/proof": operation("getPostProof", "An anchored post's Merkle proof; check it against anchorOf(batchId) on chain", [param("PostId")], {
        "200": ok(ref("AnchorProof"), false),
        "404": problem("No post with this id (code post_not_found)"),
        "409": problem("A direct or batched post: its Posted event is its proof (code not_anchored)"),
        ...common,
      }),
      "/v1/batches/{batchId}": operation("getBatch", "An anchored batch: valid, invalid (data does not match the root) or dataUnavailable", [param("BatchId")], {
        "200": ok(ref("Batch"), false), "404": problem("No anchored batch with this id is indexed (code batch_not_found)"), ...common,
      }),
      "/v1/authors/{address}": operation("getAuthor", "An account's profile: counts and amounts per asset", [param("Address")], {
        "200": ok(ref("Author"), false), "404": response("NotFound"), ...common,
      }),
      "/v1/authors/{address}/posts": operation("listAuthorPosts", "An author's posts, newest first", [param("Address"), ...page], {
        "200": ok(list("PostView"), true), "404": response("NotFound"), ...common,
      }),
      "/v1/leaderboards/posts": operation("topPosts", "The 100 most-tipped posts in an asset, richest first", [param("Asset"), ...page], {
        "200": ok(list("TopPost"), true), ...common,
      }),
      "/v1/leaderboards/authors": operation("topAuthors", "The 100 authors with the most tips received (after fees) in an asset, richest first", [param("Asset"), ...page], {
        "200": ok(list("TopAuthor"), true), ...common,
      }),
      "/v1/config": operation("getConfig", "Chain, contracts and protocol settings", [], { "200": ok(ref("Config"), false), ...common }),
      "/v1/stream": operation("stream", "Server-Sent Events: `event: post|tip`, `id: <block><logIndex>`, data {data, block}", [], {
        "200": {
          description: "An event stream; a `: heartbeat` comment every 15 s",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        ...common,
      }),
      "/health": ops("health", "The process serves", json({ type: "object", properties: { status: { const: "ok" } } })),
      "/ready": ops("ready", "Caught up and not halted", json({ type: "object", properties: { status: { const: "ready" } } }), {
        "503": problem(`Not ready: catching up or ingestion failing (code not_ready); or ${UNAVAILABLE}`),
      }),
      "/status": ops("status", "The follower's status", json(ref("Status"))),
      "/metrics": ops("metrics", "Prometheus metrics", { "text/plain": { schema: { type: "string" } } }),
      "/openapi.json": ops("openapi", "This document", json({ type: "object" })),
      "/rpc": {
        post: {
          operationId: "rpc",
          summary: "Relays a JSON-RPC call (or a batch of up to 20) to the chain: reads, gas estimates and eth_sendRawTransaction only",
          tags: ["chain"],
          requestBody: { required: true, content: json({ oneOf: [{ type: "object" }, { type: "array", maxItems: 20, items: { type: "object" } }] }) },
          responses: {
            "200": { description: "The node's JSON-RPC answer, as is", content: json({}) },
            "400": problem("Invalid input (code bad_request), or eth_call / eth_estimateGas gas above the relay's cap (code rpc_gas_above_cap)"),
            "403": problem("Method not relayed (code rpc_method_not_relayed), or a Host header that is not a loopback name, an IP address or in ALLOWED_HOSTS (code host_not_allowed)"),
            "404": problem("This server relays no JSON-RPC (code not_found)"),
            "413": problem("Body over 16 kB (code payload_too_large)"),
            "429": response("RateLimited"),
            "503": problem("The node does not answer within the time budget (code chain_unavailable), or too many relayed requests wait for it (code rpc_busy, Retry-After)"),
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      parameters: {
        PostId: { name: "id", in: "path", required: true, description: "Post id (uint256)", schema: { type: "string", pattern: ID_PATTERN } },
        BatchId: { name: "batchId", in: "path", required: true, description: "Anchored batch id (from 1)", schema: { type: "string", pattern: ID_PATTERN } },
        Address: { name: "address", in: "path", required: true, schema: { type: "string", pattern: ADDRESS_PATTERN } },
        Asset: {
          name: "asset", in: "query", required: false, description: "Token address; 0x000…000 (the default) is ETH",
          schema: { type: "string", pattern: ADDRESS_PATTERN },
        },
        Limit: {
          name: "limit", in: "query", required: false,
          schema: { type: "integer", minimum: 1, maximum: config.maxPageSize, default: Math.min(DEFAULT_PAGE_SIZE, config.maxPageSize) },
        },
        Cursor: {
          name: "cursor", in: "query", required: false, description: "`page.next` of the previous page (opaque)",
          schema: { type: "string", maxLength: CURSOR_MAX_LENGTH },
        },
      },
      responses: {
        BadRequest: problem("Invalid input (codes invalid_parameter, invalid_cursor, malformed_body, bad_request)"),
        NotFound: problem("Unknown resource (code not_found)"),
        MethodNotAllowed: problem("Only GET and HEAD (code method_not_allowed)", { Allow: { schema: { type: "string" } } }),
        RateLimited: problem("Rate limited (code rate_limited)", {
          "Retry-After": { schema: { type: "integer" } },
          RateLimit: { schema: { type: "string" } },
          "RateLimit-Policy": { schema: { type: "string" } },
        }),
        Internal: problem("Unexpected error (code internal); no details are disclosed"),
      },
    },
  };
}
