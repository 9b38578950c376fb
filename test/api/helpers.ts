/**
 * API test harness: a real LevelDB in a temp dir, filled through the real ingest code with
 * synthetic protocol events, and the real app listening on an ephemeral port.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request, type Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pino } from "pino";
import { Registry } from "prom-client";

import { createApp } from "../../server/api/app.ts";
import type { ApiConfig } from "../../server/api/context.ts";
import { createEventHub, publishIngested, type EventHub } from "../../server/api/hub.ts";
import { initialStatus, type IndexerStatus } from "../../server/api/status.ts";
import type { Address, ChainPosition, Hex, IndexedBlock, ProtocolEvent } from "../../server/domain.ts";
import { ingestBlocks } from "../../server/ingest/apply.ts";
import { LevelStore } from "../../server/store/level-store.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A protocol event before it is placed on the chain. */
export type EventBody = DistributiveOmit<ProtocolEvent, keyof ChainPosition>;

export const ALICE: Address = "0xa11ce00000000000000000000000000000000001";
export const BOB: Address = "0xb0b0000000000000000000000000000000000002";
export const CAROL: Address = "0xca201000000000000000000000000000000000c3";
export const TOKEN: Address = "0x7e57000000000000000000000000000000000007";
export const ETH: Address = "0x0000000000000000000000000000000000000000";
export const MAX_UINT256 = (1n << 256n) - 1n;

const hex32 = (tag: number, n: bigint): Hex => `0x${tag.toString(16).padStart(2, "0")}${n.toString(16).padStart(62, "0")}`;

/** A chain of synthetic blocks ingested into `store`, one `mine` call per block. */
export class TestChain {
  readonly store: LevelStore;
  readonly hub: EventHub;
  head = 0n;
  #nextPostId = 1n;
  #parent: Hex = hex32(0xb1, 0n);

  constructor(store: LevelStore, hub: EventHub) {
    this.store = store;
    this.hub = hub;
  }

  post(author: Address, content: string, parentId = 0n, fee = 0n): EventBody & { kind: "Posted" } {
    return { kind: "Posted", postId: this.#nextPostId++, author, parentId, fee, content };
  }

  tip(postId: bigint, tipper: Address, author: Address, amount: bigint, options: { asset?: Address; fee?: bigint } = {}): EventBody {
    return { kind: "Tipped", postId, tipper, author, asset: options.asset ?? ETH, amount, fee: options.fee ?? 0n };
  }

  /** Ingests one block holding `bodies` (in log order) and publishes its posts and tips. */
  async mine(...bodies: EventBody[]): Promise<ProtocolEvent[]> {
    const number = ++this.head;
    const block: IndexedBlock = { number, hash: hex32(0xb1, number), parentHash: this.#parent, timestamp: 1_700_000_000 + Number(number) };
    this.#parent = block.hash;
    const events = bodies.map(
      (body, logIndex) =>
        ({ ...body, blockNumber: number, blockHash: block.hash, logIndex, txHash: hex32(0x7a, number * 1000n + BigInt(logIndex)), timestamp: block.timestamp }) as ProtocolEvent,
    );
    const result = await ingestBlocks(this.store, [block], events, 16);
    if (result === undefined) throw new Error("block was not ingested");
    await publishIngested(this.hub, this.store, result.events);
    return result.events;
  }
}

export interface Harness {
  url: string;
  store: LevelStore;
  chain: TestChain;
  hub: EventHub;
  registry: Registry;
  /** Mutable: tests change it to drive /ready, /status and `block.final`. */
  status: IndexerStatus;
  close(): Promise<void>;
}

export const testConfig = (overrides: Partial<ApiConfig> = {}): ApiConfig => ({
  chainId: 31337,
  contracts: { PennyPost: "0x5fbdb2315678afecb367f032d93f642f64180aa3" },
  maxPageSize: 100,
  rateLimitPerMinute: 0,
  finalityDepth: 2,
  ...overrides,
});

export async function startApi(overrides: Partial<ApiConfig> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "pennypost-api-"));
  const store = await LevelStore.open(join(dir, "db"));
  const hub = createEventHub();
  const registry = new Registry();
  const status = { ...initialStatus(), ready: true };
  const app = createApp({ store, status: () => status, events: hub, registry, logger: pino({ level: "silent" }), config: testConfig(overrides) });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    chain: new TestChain(store, hub),
    hub,
    registry,
    status,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function getJson(url: string, init?: RequestInit): Promise<JsonResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** Asserts an RFC 9457 problem response and returns its code. */
export function problemCode(response: JsonResponse): string {
  if (!response.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected application/problem+json, got ${response.headers.get("content-type")} (status ${response.status})`);
  }
  const { type, title, status, detail, code } = response.body;
  if (typeof type !== "string" || typeof title !== "string" || status !== response.status || typeof detail !== "string") {
    throw new Error(`malformed problem document: ${JSON.stringify(response.body)}`);
  }
  return code;
}

/**
 * A request with a raw path and optional body (fetch normalizes paths and refuses GET bodies).
 * An event stream is not read: its status and headers are returned and the connection dropped.
 */
export function rawRequest(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}, agent?: Agent) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = request({ hostname, port, method, path, agent, headers: { ...headers, ...length } }, (res) => {
      if (String(res.headers["content-type"]).startsWith("text/event-stream")) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: "" });
        req.destroy();
        return;
      }
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
