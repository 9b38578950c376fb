/**
 * The relayer-http driver: pre-signed actions POSTed to `POST /v1/actions` by many keep-alive HTTP
 * client lanes, as the product's clients send them, and followed until the API serves them.
 *
 *  - Accounts: each account's actions carry nonces (batched), seq and cumulative fee (anchored) or
 *    a voucher chain (vouchers) computed here, so one account's actions must arrive in order: every
 *    account belongs to one lane (account % lanes), a lane has one request in flight, and inside a
 *    batch request an account's actions keep their order.
 *  - Forms: single (one action per request, 202) or batch (a JSON array, 207 with one entry per
 *    item in input order: `{id, status: "queued", ...}` or `{error: {status, code, title, detail}}`).
 *  - Load: open loop (action i is due at t0 + i / rate, whatever the answers) or closed loop (all
 *    due at t0: each lane sends again as soon as its answer came). The lanes stop at the end of the
 *    window; what was due and not accepted by then is the client's backlog.
 *  - Answers: 202/queued counts as accepted (the clock of its visibility starts at its first POST).
 *    429 and 5xx (or no answer) are retried after Retry-After (or a short pause), the account's
 *    later actions waiting behind; any other rejection is final for the account (its later nonces
 *    can no longer follow), and its remaining actions are dropped and counted.
 *  - Visible: the post (tip) is announced on /v1/stream, which the server publishes after the
 *    indexer committed it (from then on GET /v1/posts/:id answers 200; checked again for a sample
 *    after the window). Accepted actions never announced are asked for afterwards with
 *    GET /v1/actions/:id (-> postId) and GET /v1/posts/:id.
 */
import http from "node:http";

import { parseEventLogs, toFunctionSelector, type Address, type Hex, type PublicClient } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { extendVoucher, ETH, signAnchoredPost, signPost, signVoucher } from "../../lib/relayed.ts";
import { ingestedEvents, lagSampler, latencyHistogram, round3, usageMeter } from "./measure.ts";
import type { HttpForm, Mode } from "./options.ts";
import type { HttpStats, Scenario } from "./schema.ts";
import type { BenchAccount } from "./signer.ts";
import { calldataBytes, calldataFloorGas } from "./tx.ts";
import { ItemBook } from "./visibility.ts";
import { FAR_DEADLINE, nextContent, tipKey, type Population } from "./workload.ts";

export type RelayedMode = Exclude<Mode, "direct">;

// ------------------------------------------------------------------ HTTP client

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

export interface HttpClient {
  request(method: "GET" | "POST", path: string, body?: string): Promise<HttpAnswer>;
  close(): void;
}

/**
 * node:http with a keep-alive agent of `connections` sockets: each lane has one request in flight,
 * so the lanes hold the connections open between requests (what undici's pool or a browser does).
 */
export function keepAliveClient(apiUrl: string, connections: number, timeoutMs = 60_000): HttpClient {
  const url = new URL(apiUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: "fifo" });
  return {
    request(method, path, body) {
      return new Promise((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
        if (body !== undefined) {
          headers["content-type"] = "application/json";
          headers["content-length"] = Buffer.byteLength(body);
        }
        const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", (error: NodeJS.ErrnoException) => reject(new TransportError(error.message, error.code ?? "response_error")));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "timeout" })));
        req.on("error", (error: NodeJS.ErrnoException) => reject(new TransportError(error.message, error.code ?? "error")));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// ------------------------------------------------------------------ accounts and actions

/** An account of the workload and what it will sign next (advanced by what the server accepted). */
export interface HttpAccount {
  signer: BenchAccount;
  address: Address;
  /** Batched: the next `Post` nonce. */
  nonce: bigint;
  /** Anchored: the last accepted seq and cumulative fee (0 and anchoredFeesPaid for a new account). */
  seq: bigint;
  cumulativeFee: bigint;
  voucher: { cumulativeAmount: bigint; tipsHash: Hex };
}

/** One scenario's pre-signed actions: action i belongs to account i % accounts, its (i / accounts)th. */
export interface Prepared {
  mode: RelayedMode;
  count: number;
  accounts: HttpAccount[];
  /** The JSON body of action i (one element of a batch request). */
  bodies: string[];
  /** The visibility key of action i (the post's content tag, or the tip's amount). */
  keys: string[];
  /** Advances every account by the number of its actions the server accepted (a prefix, in order). */
  commit(accepted: ArrayLike<number>): void;
}

const str = (n: bigint) => n.toString();

/** Signs `count` actions of `mode`, accounts in turn, from each account's current state. */
export async function prepareActions(
  mode: RelayedMode, population: Population, accounts: HttpAccount[], count: number,
  tipTargets: { postId: bigint; author: Address }[], progress: (done: number) => void,
): Promise<Prepared> {
  const n = accounts.length;
  const fee = population.postFee;
  const bodies = new Array<string>(count);
  const keys = new Array<string>(count);
  const voucherStates: { cumulativeAmount: bigint; tipsHash: Hex }[] = mode === "vouchers" ? new Array(count) : [];
  const chains = accounts.map((a) => a.voucher);
  for (let i = 0; i < count; i++) {
    const a = i % n;
    const k = BigInt(Math.floor(i / n));
    const account = accounts[a]!;
    const author = account.address;
    if (mode === "vouchers") {
      const target = tipTargets[(a + 1 + Number(k)) % tipTargets.length]!;
      const amount = population.nextTipAmount++;
      const tips = [{ postId: target.postId, author: target.author, amount }];
      const state = extendVoucher(chains[a]!, tips);
      chains[a] = state;
      voucherStates[i] = state;
      const signed = await signVoucher(account.signer, population.domain, { tipper: author, asset: ETH, ...state });
      keys[i] = tipKey(amount);
      bodies[i] = JSON.stringify({
        type: "voucher", mode: "voucher",
        message: { tipper: author, asset: ETH, cumulativeAmount: str(state.cumulativeAmount), tipsHash: state.tipsHash },
        tips: tips.map((t) => ({ postId: str(t.postId), author: t.author, amount: str(t.amount) })),
        signature: signed.signature,
      });
    } else {
      const { key, content } = nextContent(population);
      keys[i] = key;
      if (mode === "batched") {
        const message = { author, parentId: 0n, content, maxFee: fee, nonce: account.nonce + k, deadline: FAR_DEADLINE };
        const { signature } = await signPost(account.signer, population.domain, message);
        bodies[i] = JSON.stringify({
          type: "post", mode,
          message: { author, parentId: "0", content, maxFee: str(fee), nonce: str(message.nonce), deadline: str(FAR_DEADLINE) },
          signature,
        });
      } else {
        const seq = account.seq + k + 1n;
        const cumulativeFee = account.cumulativeFee + (k + 1n) * fee;
        const { signature } = await signAnchoredPost(account.signer, population.domain, { author, parentId: 0n, content, seq, cumulativeFee });
        bodies[i] = JSON.stringify({ type: "post", mode, message: { author, parentId: "0", content, seq: str(seq), cumulativeFee: str(cumulativeFee) }, signature });
      }
    }
    if (i % 256 === 255) progress(i + 1);
  }
  progress(count);
  return {
    mode, count, accounts, bodies, keys,
    commit(accepted) {
      accounts.forEach((account, a) => {
        const done = accepted[a] ?? 0;
        if (done === 0) return;
        if (mode === "batched") account.nonce += BigInt(done);
        else if (mode === "vouchers") account.voucher = voucherStates[(done - 1) * n + a]!;
        else {
          account.seq += BigInt(done);
          account.cumulativeFee += BigInt(done) * fee;
        }
      });
    },
  };
}

// ------------------------------------------------------------------ the load

export interface DriveSettings {
  client: HttpClient;
  form: HttpForm;
  connections: number;
  batchMax: number;
  loop: "open" | "closed";
  /** Open loop: actions/s. */
  rate: number | undefined;
  /** The window: lanes stop sending after this long. */
  windowSeconds: number;
  /** A POST's items were accepted: their keys, and the time each was first POSTed. */
  onAccepted(keys: string[], firstSentAt: number[], ids: string[]): void;
}

export interface DriveResult {
  started: number;
  stoppedAt: number;
  lastAcceptAt: number;
  /** Per account: how many of its actions were accepted (a prefix of them, in order). */
  acceptedPerAccount: Int32Array;
  /** The relayer's id of each accepted action (by action index). */
  ids: (string | undefined)[];
  released: number;
  posted: number;
  accepted: number;
  requests: number;
  actionsInRequests: number;
  statusCounts: Record<string, number>;
  rejections: Record<string, number>;
  rejectionSamples: Record<string, string>;
  cascaded: number;
  retried: number;
  dropped: number;
  /** Due (released) by the end of the window and neither accepted nor dropped: the client's backlog. */
  unsent: number;
  exhausted: boolean;
  acceptLatency: ReturnType<typeof latencyHistogram>;
  scheduleLag: ReturnType<typeof latencyHistogram>;
  /** Smallest batch the batch form had to fall to after 413 answers (undefined: none). */
  shrunkTo: number | undefined;
}

const MAX_ATTEMPTS = 20;
const MAX_RETRY_DELAY_MS = 10_000;
const TICK_MS = 5;

interface ItemOutcome {
  ok: boolean;
  id?: string;
  status: number;
  code: string;
  detail?: string;
  /** ms to wait before the account's next try; undefined: final. */
  retryInMs?: number;
}

function retryDelay(status: number, code: string, header: string | string[] | undefined, attempt: number): number | undefined {
  const retryable = status === 429 || status >= 500 || status === 0;
  if (!retryable) return undefined;
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  const hinted = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  const fallback = code === "too_many_pending" ? 2_000 : status === 429 ? 1_000 : 200 * attempt;
  return Math.min(hinted ?? fallback, MAX_RETRY_DELAY_MS);
}

/** The outcome of one item of a 207 answer. */
function itemOutcome(entry: unknown): ItemOutcome {
  const e = entry as { id?: unknown; status?: unknown; error?: { status?: unknown; code?: unknown; detail?: unknown; retryAfter?: unknown } } | null;
  if (e !== null && typeof e === "object" && e.error === undefined && typeof e.id === "string") return { ok: true, id: e.id, status: 202, code: "queued" };
  const status = typeof e?.error?.status === "number" ? e.error.status : 0;
  const code = typeof e?.error?.code === "string" ? e.error.code : "unknown";
  // An item's Retry-After, when the server gives one (`retryAfter`, seconds).
  const retryIn = retryDelay(status, code, typeof e?.error?.retryAfter === "number" ? String(e.error.retryAfter) : undefined, 1);
  return {
    ok: false, status, code, detail: typeof e?.error?.detail === "string" ? e.error.detail : JSON.stringify(entry).slice(0, 200),
    ...(retryIn === undefined ? {} : { retryInMs: retryIn }),
  };
}

/** Sends a prepared scenario through the lanes; resolves when the window closed and every lane stopped. */
export async function drive(prepared: Prepared, settings: DriveSettings): Promise<DriveResult> {
  const { count, accounts } = prepared;
  const n = accounts.length;
  const lanes = Math.max(1, Math.min(settings.connections, n));
  const perAccount = (a: number) => (count > a ? Math.floor((count - 1 - a) / n) + 1 : 0);
  const sent = new Int32Array(n); // accepted so far = index of the account's next action
  const retryAt = new Float64Array(n);
  const dead = new Uint8Array(n);
  const attempts = new Uint8Array(count);
  const firstSentAt = new Float64Array(count).fill(-1);
  const ids: (string | undefined)[] = new Array(count);
  const result: DriveResult = {
    started: 0, stoppedAt: 0, lastAcceptAt: 0, acceptedPerAccount: sent, ids, released: 0, posted: 0, accepted: 0, requests: 0,
    actionsInRequests: 0, statusCounts: {}, rejections: {}, rejectionSamples: {}, cascaded: 0, retried: 0, dropped: 0, unsent: 0, exhausted: false,
    acceptLatency: latencyHistogram(), scheduleLag: latencyHistogram(), shrunkTo: undefined,
  };
  const bump = (record: Record<string, number>, key: string) => (record[key] = (record[key] ?? 0) + 1);
  const reject = (outcome: ItemOutcome) => {
    const key = `${outcome.status === 0 ? "transport" : outcome.status} ${outcome.code}`;
    bump(result.rejections, key);
    if (result.rejectionSamples[key] === undefined && outcome.detail !== undefined) result.rejectionSamples[key] = outcome.detail.slice(0, 300);
  };

  const started = performance.now();
  result.started = started;
  const releasedBy = (now: number) => (settings.loop === "closed" || settings.rate === undefined ? count : Math.min(count, Math.floor(((now - started) / 1000) * settings.rate) + 1));
  const dueAt = (i: number) => (settings.loop === "closed" || settings.rate === undefined ? started : started + (i / settings.rate) * 1000);
  const deadline = started + settings.windowSeconds * 1000;
  let released = releasedBy(started);
  let stopping = false;

  // Idle lanes wait for the next release tick (or a retry coming due): one timer for all of them.
  let waiters: (() => void)[] = [];
  const pulse = () => {
    const list = waiters;
    waiters = [];
    for (const resolve of list) resolve();
  };
  const ticker = setInterval(() => {
    const now = performance.now();
    if (now >= deadline) stopping = true;
    released = releasedBy(now);
    pulse();
  }, TICK_MS);

  async function lane(index: number): Promise<void> {
    const mine: number[] = [];
    for (let a = index; a < n; a += lanes) mine.push(a);
    let batchMax = settings.form === "batch" ? settings.batchMax : 1;
    const taken = new Map<number, number>();
    while (!stopping) {
      // The due actions of this lane's accounts, oldest first, each account in order.
      const now = performance.now();
      const items: { a: number; i: number }[] = [];
      taken.clear();
      let live = false;
      while (items.length < batchMax) {
        let best = -1;
        let bestA = -1;
        for (const a of mine) {
          if (dead[a]) continue;
          const k = sent[a]! + (taken.get(a) ?? 0);
          if (k >= perAccount(a)) continue;
          live = true;
          if (retryAt[a]! > now) continue;
          const i = k * n + a;
          if (i >= released) continue;
          if (best < 0 || i < best) {
            best = i;
            bestA = a;
          }
        }
        if (best < 0) break;
        items.push({ a: bestA, i: best });
        taken.set(bestA, (taken.get(bestA) ?? 0) + 1);
      }
      if (items.length === 0) {
        if (!live) return; // every account of the lane is done or dropped
        await new Promise<void>((resolve) => waiters.push(resolve));
        continue;
      }
      const body = settings.form === "batch" ? `[${items.map((it) => prepared.bodies[it.i]).join(",")}]` : prepared.bodies[items[0]!.i]!;
      const sentAt = performance.now();
      for (const { i } of items) {
        if (firstSentAt[i]! < 0) {
          firstSentAt[i] = sentAt;
          result.posted++;
          if (settings.loop === "open") result.scheduleLag.record(Math.max(0, sentAt - dueAt(i)));
        }
        attempts[i]! += 1;
      }
      result.requests++;
      result.actionsInRequests += items.length;
      let outcomes: ItemOutcome[] = [];
      let refused: ItemOutcome | undefined;
      try {
        const answer = await settings.client.request("POST", "/v1/actions", body);
        bump(result.statusCounts, String(answer.status));
        const json = parseJson(answer.body) as { data?: unknown; code?: unknown; detail?: unknown } | undefined;
        if (settings.form === "batch" && answer.status === 207 && Array.isArray(json?.data) && json.data.length === items.length) {
          outcomes = json.data.map(itemOutcome);
        } else if (settings.form === "single" && answer.status === 202) {
          const id = (json?.data as { id?: unknown } | undefined)?.id;
          outcomes = [{ ok: true, id: typeof id === "string" ? id : "?", status: 202, code: "queued" }];
        } else if (settings.form === "batch" && answer.status === 413 && batchMax > 1) {
          // The body is over the server's limit: smaller requests, the same actions again.
          batchMax = Math.max(1, Math.floor(batchMax / 2));
          result.shrunkTo = Math.min(result.shrunkTo ?? batchMax, batchMax);
          reject({ ok: false, status: 413, code: String(json?.code ?? "payload_too_large"), detail: `${items.length} actions in one request; next requests carry at most ${batchMax}` });
          for (const { i } of items) attempts[i]! -= 1;
          continue;
        } else {
          const code = typeof json?.code === "string" ? json.code : answer.status === 207 ? "malformed_207" : "unknown";
          const detail = typeof json?.detail === "string" ? json.detail : answer.body.slice(0, 200);
          const retryIn = retryDelay(answer.status, code, answer.headers["retry-after"], 1);
          refused = { ok: false, status: answer.status, code, detail, ...(retryIn === undefined ? {} : { retryInMs: retryIn }) };
        }
      } catch (error) {
        bump(result.statusCounts, "transport");
        const attempt = Math.max(...items.map(({ i }) => attempts[i]!));
        refused = { ok: false, status: 0, code: error instanceof TransportError ? error.code : "error", detail: String((error as Error).message), retryInMs: Math.min(200 * attempt, MAX_RETRY_DELAY_MS) };
      }
      if (refused !== undefined) {
        // The whole request was refused (or got no answer): counted once, every account in it waits or stops.
        reject(refused);
        const at = performance.now();
        for (const a of new Set(items.map((it) => it.a))) {
          const attempt = Math.max(...items.filter((it) => it.a === a).map((it) => attempts[it.i]!));
          if (refused.retryInMs !== undefined && attempt < MAX_ATTEMPTS) retryAt[a] = at + refused.retryInMs;
          else dead[a] = 1;
        }
        result.retried += refused.retryInMs !== undefined ? items.length : 0;
        continue;
      }
      const answeredAt = performance.now();
      const failed = new Set<number>();
      const acceptedKeys: string[] = [];
      const acceptedFirst: number[] = [];
      const acceptedIds: string[] = [];
      outcomes.forEach((outcome, j) => {
        const { a, i } = items[j]!;
        if (failed.has(a)) {
          // After its own account's refused item: refused as a consequence (nonce or seq out of step).
          if (!outcome.ok) result.cascaded++;
          return;
        }
        if (outcome.ok) {
          sent[a]! += 1;
          result.accepted++;
          result.lastAcceptAt = answeredAt;
          result.acceptLatency.record(answeredAt - sentAt);
          ids[i] = outcome.id;
          acceptedKeys.push(prepared.keys[i]!);
          acceptedFirst.push(firstSentAt[i]!);
          acceptedIds.push(outcome.id ?? "?");
          return;
        }
        failed.add(a);
        reject(outcome);
        const retryIn = outcome.retryInMs ?? retryDelay(outcome.status, outcome.code, undefined, attempts[i]!);
        if (retryIn !== undefined && attempts[i]! < MAX_ATTEMPTS) {
          result.retried++;
          retryAt[a] = answeredAt + retryIn;
        } else {
          dead[a] = 1;
        }
      });
      if (acceptedKeys.length > 0) settings.onAccepted(acceptedKeys, acceptedFirst, acceptedIds);
    }
  }

  try {
    await Promise.all(Array.from({ length: lanes }, (_, j) => lane(j)));
  } finally {
    clearInterval(ticker);
  }
  result.stoppedAt = performance.now();
  result.released = released;
  result.exhausted = settings.loop === "closed" && !stopping;
  for (let a = 0; a < n; a++) {
    const due = released > a ? Math.floor((released - 1 - a) / n) + 1 : 0;
    if (dead[a]) result.dropped += Math.max(0, due - sent[a]!);
    else result.unsent += Math.max(0, due - sent[a]!);
  }
  return result;
}

// ------------------------------------------------------------------ the relayer's transactions

const SETTLE_SELECTOR = toFunctionSelector(pennyPostAbi.find((item) => item.type === "function" && item.name === "settleAnchoredFees") as never).toLowerCase();

export interface RelayerTransactions {
  transactions: number;
  settlementTransactions: number;
  blocks: number;
  gas: number;
  settlementGas: number;
  calldataBytes: number;
  floorGas: number;
  /** Items the transactions carried: Posted and Tipped events, and the posts of Anchored batches. */
  items: number;
  skipped: number;
  /** The last block with one of them. */
  lastBlock: bigint | undefined;
  scanned: boolean;
  note?: string;
}

/**
 * The relayer's transactions to the contract in blocks (from, to]: gas, calldata, items, skips.
 * `client` should not batch JSON-RPC requests (see below).
 */
export async function relayerTransactions(client: PublicClient, relayer: Address, contract: Address, from: bigint, to: bigint): Promise<RelayerTransactions> {
  const out: RelayerTransactions = { transactions: 0, settlementTransactions: 0, blocks: 0, gas: 0, settlementGas: 0, calldataBytes: 0, floorGas: 0, items: 0, skipped: 0, lastBlock: undefined, scanned: true };
  if (to - from > 50_000n) return { ...out, scanned: false, note: `${to - from} blocks: too many to scan for the relayer's transactions` };
  const blocks = new Set<string>();
  // Ten blocks at a time, each its own request: a block of a big batch is ~1 MB of JSON, and viem
  // refuses answers over 10 MiB (a JSON-RPC batch of many such blocks is one answer).
  for (let start = from + 1n; start <= to; start += 10n) {
    const numbers: bigint[] = [];
    for (let b = start; b <= to && b < start + 10n; b++) numbers.push(b);
    const fetched = await Promise.all(numbers.map((b) => client.request({ method: "eth_getBlockByNumber", params: [`0x${b.toString(16)}`, true] }) as Promise<{ transactions: { hash: Hex; from: Address; to: Address | null; input: Hex }[] } | null>));
    const mine = fetched.flatMap((block, j) => (block?.transactions ?? [])
      .filter((tx) => tx.from.toLowerCase() === relayer.toLowerCase() && tx.to?.toLowerCase() === contract.toLowerCase())
      .map((tx) => ({ tx, block: numbers[j]! })));
    const receipts = await Promise.all(mine.map(({ tx }) => client.request({ method: "eth_getTransactionReceipt", params: [tx.hash] }) as Promise<{ gasUsed: Hex; logs: unknown[] } | null>));
    mine.forEach(({ tx, block }, j) => {
      const receipt = receipts[j];
      if (!receipt) return;
      const gas = Number(BigInt(receipt.gasUsed));
      out.transactions++;
      blocks.add(String(block));
      if (out.lastBlock === undefined || block > out.lastBlock) out.lastBlock = block;
      if (tx.input.slice(0, 10).toLowerCase() === SETTLE_SELECTOR) {
        out.settlementTransactions++;
        out.settlementGas += gas;
        return;
      }
      out.gas += gas;
      out.calldataBytes += calldataBytes(tx.input);
      out.floorGas += calldataFloorGas(tx.input);
      for (const log of parseEventLogs({ abi: pennyPostAbi, logs: receipt.logs as never, strict: false })) {
        if (log.eventName === "Posted" || log.eventName === "Tipped") out.items++;
        else if (log.eventName === "ActionSkipped") out.skipped++;
        else if (log.eventName === "Anchored") out.items += Number((log.args as { count?: bigint }).count ?? 0n);
      }
    });
  }
  out.blocks = blocks.size;
  return out;
}

/**
 * When each block appeared, by wall clock: the chain head polled every `everyMs` (block timestamps
 * are no clock here: an automining node that mines many blocks a second runs its clock ahead).
 */
export function blockClock(client: PublicClient, everyMs = 100) {
  const seen: { block: bigint; at: number }[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    client.request({ method: "eth_blockNumber" }).then((head) => {
      const block = BigInt(head);
      if (seen.length === 0 || block > seen.at(-1)!.block) seen.push({ block, at: performance.now() });
    }, () => {}).finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    /** performance.now() of the first poll that saw `block` (or a later one); undefined if never seen. */
    seenAt(block: bigint): number | undefined {
      return seen.find((s) => s.block >= block)?.at;
    },
  };
}

/** The indexer's cursor (/status indexedBlock) by wall clock, polled every `everyMs`: when each block became readable. */
export function indexerClock(apiUrl: string, everyMs = 50) {
  const seen: { block: number; at: number }[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    fetch(`${apiUrl}/status`).then((r) => r.json() as Promise<{ indexedBlock: number | null }>).then((status) => {
      const block = status.indexedBlock ?? -1;
      if (seen.length === 0 || block > seen.at(-1)!.block) seen.push({ block, at: performance.now() });
    }, () => {}).finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    latest: () => seen.at(-1)?.block ?? -1,
    /** performance.now() of the first poll that found the cursor at or past `block`. */
    seenAt(block: number): number | undefined {
      return seen.find((s) => s.block >= block)?.at;
    },
  };
}

// ------------------------------------------------------------------ one scenario

export interface RelayerScenarioContext {
  apiUrl: string;
  client: HttpClient;
  /** Another client for the checks after the window (its own connections). */
  checkClient: HttpClient;
  chain: PublicClient;
  /** The same node without JSON-RPC batching, for reading whole blocks. */
  chainUnbatched: PublicClient;
  contract: Address;
  relayer: Address;
  chainPid: number | undefined;
  serverPid: number | undefined;
  form: HttpForm;
  formNote: string;
  connections: number;
  batchMax: number;
  visibilityTimeoutMs: number;
  /** Routes the stream's announcements (key, time, post id) to the scenario; undefined: nowhere. */
  watch(handler: ((key: string, at: number, postId?: string) => void) | undefined): void;
  /** Reopens the stream if the server dropped it (called while the scenario runs). */
  keepStreamOpen(): Promise<void>;
  /** How many times the stream was dropped and reopened so far in this scenario. */
  streamDrops(): number;
  /** Actions of the workload's accounts pending at the relayer now (queued or submitted, not included). */
  relayerPending(): Promise<number>;
  /** Actions of earlier scenarios still pending at the relayer when this one started, and how long the bench waited for them. */
  pendingAtStart: number;
  drainSeconds: number;
  onProgress?(visible: number, total: number): void;
}

const WINDOW_SECONDS = 10;
const zeroPercentiles = { p50: 0, p95: 0, p99: 0, max: 0, count: 0 };

/** Runs one relayer-http scenario end to end and returns its results.json entry. */
export async function runRelayerScenario(
  context: RelayerScenarioContext, prepared: Prepared, loop: "open" | "closed", rate: number | undefined, windowSeconds: number,
): Promise<{ scenario: Scenario; latencyCurve: { percentile: number; ms: number }[] }> {
  const book = new ItemBook();
  const postIds = new Map<string, string>();
  const acceptedIds = new Map<string, string>();
  // An action can be announced before its 202 is read (the answer waits behind others in the
  // lane's socket): such sightings are kept until it is accepted.
  const early = new Map<string, { at: number; postId: string | undefined }>();
  context.watch((key, at, postId) => {
    if (!book.items.has(key)) {
      if (early.size < 1_000_000) early.set(key, { at, postId });
      return;
    }
    book.see(key, at);
    if (postId !== undefined) postIds.set(key, postId);
  });
  const startBlock = await context.chain.getBlockNumber({ cacheTime: 0 });
  const events0 = await ingestedEvents(context.apiUrl);
  const lag = lagSampler(context.apiUrl);
  const usage = await usageMeter(context.chainPid, context.serverPid);
  const clock = blockClock(context.chainUnbatched);
  const cursor = indexerClock(context.apiUrl);
  const drops0 = context.streamDrops();
  const progressTimer = setInterval(() => {
    context.onProgress?.(book.visible, prepared.count);
    void context.keepStreamOpen();
  }, 500);

  let driven: DriveResult;
  try {
    driven = await drive(prepared, {
      client: context.client, form: context.form, connections: context.connections, batchMax: context.batchMax, loop, rate, windowSeconds,
      onAccepted(keys, firstSentAt, ids) {
        keys.forEach((key, j) => {
          book.submit([key], firstSentAt[j]!);
          acceptedIds.set(key, ids[j]!);
          const seen = early.get(key);
          if (seen !== undefined) {
            early.delete(key);
            book.see(key, seen.at);
            if (seen.postId !== undefined) postIds.set(key, seen.postId);
          }
        });
      },
    });
    // Until every accepted action is announced, or the relayer has none of ours left pending and
    // the indexer has caught up with the chain (the stream may have dropped the bench: a big
    // anchored block is more than the 1 MiB the server lets a stream client lag), bounded.
    const settleDeadline = performance.now() + context.visibilityTimeoutMs;
    while (book.visible < book.items.size && performance.now() < settleDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (book.visible === book.items.size) break;
      const pending = await context.relayerPending().catch(() => undefined);
      if (pending !== 0) continue;
      const head = await context.chain.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a cursor poll after the head was read
      if (head !== undefined && cursor.latest() >= Number(head)) break;
    }
  } finally {
    clearInterval(progressTimer);
  }
  cursor.stop();
  const settledAt = performance.now();
  context.watch(undefined);

  // Accepted actions the stream did not announce: the relayer's record says where each was
  // included (GET /v1/actions/:id); one post of each such block is asked for (GET /v1/posts/:id ->
  // 200), and the action counts as visible from the moment the indexer's cursor was seen at its
  // block. Bounded in count and time.
  const afterWindow: HttpStats["afterWindow"] = { checked: 0, byStatus: {}, blocksConfirmed: 0, visibleByCursor: 0 };
  const missing = [...book.items.entries()].filter(([, item]) => item.visibleAt === undefined).slice(0, 500_000);
  const checkDeadline = performance.now() + 180_000;
  const included: { key: string; block: number }[] = [];
  const postOfBlock = new Map<number, string>();
  let nextMissing = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (nextMissing < missing.length && performance.now() < checkDeadline) {
      const [key] = missing[nextMissing++]!;
      const id = acceptedIds.get(key);
      if (id === undefined) continue;
      afterWindow.checked++;
      const answer = await context.checkClient.request("GET", `/v1/actions/${id}`).catch(() => undefined);
      const record = (parseJson(answer?.body ?? "") as { data?: { status?: string; postId?: string; blockNumber?: number; reason?: string } } | undefined)?.data;
      const status = answer === undefined ? "no answer" : answer.status !== 200 ? `HTTP ${answer.status}` : `${record?.status ?? "?"}${record?.reason ? ` (${record.reason})` : ""}`;
      afterWindow.byStatus[status] = (afterWindow.byStatus[status] ?? 0) + 1;
      if (record?.status === "included" && typeof record.blockNumber === "number") {
        included.push({ key, block: record.blockNumber });
        if (record.postId !== undefined && !postOfBlock.has(record.blockNumber)) postOfBlock.set(record.blockNumber, record.postId);
      }
    }
  }));
  const confirmed = new Set<number>();
  const blocks = [...postOfBlock.entries()];
  let nextBlock = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (nextBlock < blocks.length && performance.now() < checkDeadline) {
      const [block, postId] = blocks[nextBlock++]!;
      const answer = await context.checkClient.request("GET", `/v1/posts/${postId}`).catch(() => undefined);
      if (answer?.status === 200) confirmed.add(block);
    }
  }));
  afterWindow.blocksConfirmed = confirmed.size;
  for (const { key, block } of included) {
    // Tips have no post of their own: their block is confirmed by the indexer's cursor alone.
    if (!confirmed.has(block) && !(prepared.mode === "vouchers" && !postOfBlock.has(block))) continue;
    const at = cursor.seenAt(block);
    if (at === undefined) continue;
    book.see(key, at);
    afterWindow.visibleByCursor++;
  }

  context.onProgress?.(book.visible, prepared.count);
  const started = driven.started;
  const items = [...book.items.entries()];
  let lastVisible = started;
  for (const [, item] of items) if ((item.visibleAt ?? 0) > lastVisible) lastVisible = item.visibleAt!;
  const visible = items.filter(([, item]) => item.visibleAt !== undefined).length;
  const notVisible = items.length - visible;
  const seconds = ((notVisible > 0 ? settledAt : lastVisible) - started) / 1000;
  const visibleSeconds = Math.max((lastVisible - started) / 1000, 1e-3);
  const events1 = await ingestedEvents(context.apiUrl);
  const maxLag = lag.stop();
  const cpu = await usage.stop();
  prepared.commit(driven.acceptedPerAccount);

  // GET /v1/posts/:id of a sample of the announced posts: 200, with the content the bench signed.
  const getCheck = { checked: 0, ok: 0 };
  const announced = [...postIds.entries()];
  const step = Math.max(1, Math.floor(announced.length / 20));
  for (let j = 0; j < announced.length && getCheck.checked < 20; j += step) {
    const [key, postId] = announced[j]!;
    getCheck.checked++;
    const answer = await context.checkClient.request("GET", `/v1/posts/${postId}`).catch(() => undefined);
    const content = (parseJson(answer?.body ?? "") as { data?: { content?: string } } | undefined)?.data?.content ?? "";
    if (answer?.status === 200 && content.startsWith(`#b`) && `p${/^#b\d+\.(\d+) /.exec(content)?.[1]}` === key) getCheck.ok++;
  }

  clock.stop();
  const endBlock = await context.chain.getBlockNumber({ cacheTime: 0 });
  const txs = await relayerTransactions(context.chainUnbatched, context.relayer, context.contract, startBlock, endBlock).catch((error: unknown) => ({
    transactions: 0, settlementTransactions: 0, blocks: 0, gas: 0, settlementGas: 0, calldataBytes: 0, floorGas: 0, items: 0, skipped: 0, lastBlock: undefined, scanned: false,
    note: `the relayer's transactions could not be read: ${String((error as Error).message).split("\n")[0]}`,
  } as RelayerTransactions));

  const latency = latencyHistogram();
  for (const [, item] of items) if (item.visibleAt !== undefined) latency.record(item.visibleAt - item.submittedAt);
  const windows = new Array<number>(Math.floor(seconds / WINDOW_SECONDS)).fill(0);
  for (const [, item] of items) {
    const w = item.visibleAt === undefined ? -1 : Math.floor((item.visibleAt - started) / 1000 / WINDOW_SECONDS);
    if (w >= 0 && w < windows.length) windows[w]! += 1;
  }
  const isTips = prepared.mode === "vouchers";
  const carried = txs.items > 0 ? txs.items : visible;
  const perItem = (x: number) => (txs.scanned && carried > 0 ? round3(x / carried) : null);
  const batchTxs = txs.transactions - txs.settlementTransactions;
  const lastAcceptSeconds = Math.max((driven.lastAcceptAt - started) / 1000, 1e-3);
  const lastIncludedAt = txs.lastBlock === undefined ? undefined : clock.seenAt(txs.lastBlock);
  const includedSeconds = lastIncludedAt === undefined ? undefined : Math.max((lastIncludedAt - started) / 1000, 1e-3);

  const byStream = visible - afterWindow.visibleByCursor;
  const notes = [
    `visible = announced on the API's SSE stream /v1/stream, which the server publishes after the indexer committed the ${isTips ? "tip" : "post"} (GET /v1/posts/:id answers 200 from then on; ${getCheck.ok}/${getCheck.checked} announced posts checked again with GET after the window): ${byStream} action(s); latency = first POST of the action -> visible`,
  ];
  if (afterWindow.visibleByCursor > 0) {
    notes.push(`${afterWindow.visibleByCursor} action(s) not announced to the bench (the server drops a stream client more than 1 MiB behind: ${context.streamDrops() - drops0} drop(s) in this scenario) are visible from the moment /status showed the indexer's cursor at the block GET /v1/actions/:id reported for them, a post of each such block answering 200 to GET /v1/posts/:id (${afterWindow.blocksConfirmed} block(s))`);
  }
  if (context.formNote !== "") notes.push(context.formNote);
  if (context.pendingAtStart > 0) notes.push(`started with ${context.pendingAtStart} action(s) of earlier scenarios still pending at the relayer (after waiting ${Math.round(context.drainSeconds)} s for them): they were included in this window too`);
  if (notVisible > 0) notes.push(`${notVisible} accepted action(s) not visible within ${context.visibilityTimeoutMs / 1000} s of the window's end (their relayer records after it: ${Object.entries(afterWindow.byStatus).map(([s, c]) => `${c} ${s}`).join(", ") || "not checked"})`);
  if (driven.dropped > 0) notes.push(`${driven.dropped} action(s) dropped: their account had a final rejection, so their nonces no longer follow`);
  if (driven.shrunkTo !== undefined) notes.push(`413 answers: requests shrank to ${driven.shrunkTo} actions`);
  if (!txs.scanned && txs.note) notes.push(txs.note);
  if (includedSeconds === undefined) notes.push("included/s: no relayer transaction found in the window's blocks");
  else notes.push("included/s: items the relayer's transactions carried / (start -> when the bench saw the last block with one)");

  const http: HttpStats = {
    form: context.form, formNote: context.formNote, connections: Math.max(1, Math.min(context.connections, prepared.accounts.length)), loop,
    offeredRate: loop === "open" ? (rate ?? null) : null,
    windowSeconds: round3((driven.stoppedAt - started) / 1000),
    prepared: prepared.count, released: driven.released, posted: driven.posted, accepted: driven.accepted,
    acceptedPerSecond: round3(driven.accepted / lastAcceptSeconds),
    visible,
    requests: driven.requests, actionsPerRequest: driven.requests > 0 ? round3(driven.actionsInRequests / driven.requests) : 0,
    acceptLatencyMs: driven.acceptLatency.summary(), scheduleLagMs: driven.scheduleLag.summary(),
    statusCounts: driven.statusCounts, rejections: driven.rejections, rejectionSamples: driven.rejectionSamples,
    cascaded: driven.cascaded, retried: driven.retried, droppedAfterRejection: driven.dropped,
    unsentAtWindowEnd: driven.unsent,
    exhausted: driven.exhausted,
    afterWindow, getCheck,
    pendingAtStart: context.pendingAtStart, drainSeconds: round3(context.drainSeconds),
    relayer: { address: context.relayer, transactions: txs.transactions, settlementTransactions: txs.settlementTransactions },
  };
  const scenario: Scenario = {
    path: "relayer-http", stack: "npm-start", mode: prepared.mode,
    batchSize: Math.max(1, batchTxs > 0 ? Math.round(carried / batchTxs) : 1),
    status: "ok",
    posts: isTips ? 0 : driven.accepted, tips: isTips ? driven.accepted : 0,
    transactions: txs.transactions, blocks: txs.blocks,
    seconds: round3(seconds),
    postsPerSecond: isTips ? 0 : round3(visible / visibleSeconds),
    tipsPerSecond: isTips ? round3(visible / visibleSeconds) : 0,
    includedPerSecond: includedSeconds === undefined ? 0 : round3(txs.items / includedSeconds),
    transactionsPerSecond: round3(txs.transactions / Math.max(seconds, 1e-3)),
    gasPerPost: isTips ? null : perItem(txs.gas + txs.settlementGas),
    gasPerTip: isTips ? perItem(txs.gas) : null,
    gasPerItemExcludingSettlement: prepared.mode.startsWith("anchored") ? perItem(txs.gas) : null,
    bytesPerPost: perItem(txs.calldataBytes),
    offchainDataBytesPerPost: null,
    calldataFloorGasPerItem: txs.floorGas > 0 ? perItem(txs.floorGas) : null,
    settlementGas: txs.settlementGas,
    latencyMs: latency.summary(),
    inclusionLatencyMs: zeroPercentiles,
    visibility: { method: afterWindow.visibleByCursor > 0 ? "api-get" : "api-stream", note: notes.join("; "), notVisible },
    visibleRateWindows: { windowSeconds: WINDOW_SECONDS, itemsPerSecond: windows.map((c) => round3(c / WINDOW_SECONDS)) },
    indexerEventsPerSecond: round3((events1 - events0) / Math.max(seconds, 1e-3)),
    indexerMaxLagBlocks: maxLag,
    skippedActions: txs.skipped,
    cpu,
    http,
  };
  return { scenario, latencyCurve: latency.curve() };
}
