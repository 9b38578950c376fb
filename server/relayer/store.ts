/**
 * The relayer's durable state, in its own LevelDB:
 *   a!<id>        an action's record (status, tx, post id, reason)
 *   q!<seq>       the queue: ids of actions accepted and not yet submitted, in acceptance order
 *   s!<seq>       a submission written ahead of its broadcast (actions, nonce, every signed tx)
 *   d!<hash>      hash-mode batch data, served to indexers
 *   n!<author>    an author's anchored-fee state (newest accepted post, newest included)
 *   b!<account>   an account throttled after the chain skipped one of its accepted actions
 *   meta!*        the deployment this data is for, and the two sequence counters
 *
 * Writes go through one group committer: every write of the same tick goes into one LevelDB batch,
 * and batches are written one at a time, in order. A write's promise resolves once it is on disk.
 * The sequence counters are each owned by one writer (accept: actions; submitter: submissions) and
 * are written as they are at flush time, so a slower writer never puts back an older value; on
 * open each is also raised past every key still in use.
 */
import { Level } from "level";

const bigints = (_key: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

export type Op = { type: "put"; key: string; value: string } | { type: "del"; key: string };

/** `v` as JSON, bigints as decimal strings (the replacer, ~2x slower, only for a value that holds one). */
function json(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch (error) {
    if (error instanceof TypeError) return JSON.stringify(v, bigints);
    throw error;
  }
}

/** A put of `v` as JSON, bigints as decimal strings. */
export const put = (k: string, v: unknown): Op => ({ type: "put", key: k, value: typeof v === "string" ? v : json(v) });
export const del = (k: string): Op => ({ type: "del", key: k });

const pad = (n: number) => n.toString().padStart(16, "0");
export const keys = {
  action: (id: string) => `a!${id}`,
  queue: (seq: number) => `q!${pad(seq)}`,
  submission: (seq: number) => `s!${pad(seq)}`,
  data: (hash: string) => `d!${hash.toLowerCase()}`,
  anchored: (author: string) => `n!${author.toLowerCase()}`,
  throttled: (account: string) => `b!${account.toLowerCase()}`,
  actionSeq: "meta!seq",
  submissionSeq: "meta!sseq",
  origin: "meta!origin",
};

export class RelayerStore {
  readonly db: Level<string, string>;
  actionSeq = 0;
  submissionSeq = 0;
  private pending: Op[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;

  constructor(dir: string) {
    this.db = new Level(dir);
  }

  async open(origin: string): Promise<string | undefined> {
    await this.db.open();
    const stored = await this.db.get(keys.origin);
    if (stored === undefined) await this.db.put(keys.origin, origin);
    else if (stored !== origin) return stored;
    const last = async (prefix: string) => {
      for await (const k of this.db.keys({ gte: prefix, lt: `${prefix}\xff`, reverse: true, limit: 1 })) return Number(k.slice(prefix.length));
      return 0;
    };
    this.actionSeq = Math.max(Number((await this.db.get(keys.actionSeq)) ?? 0), await last("q!"));
    this.submissionSeq = Math.max(Number((await this.db.get(keys.submissionSeq)) ?? 0), await last("s!"));
    return undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.db.close();
  }

  async get<T>(k: string): Promise<T | undefined> {
    const value = await this.db.get(k);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  async *entries<T>(prefix: string): AsyncGenerator<[string, T]> {
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt: `${prefix}\xff` })) yield [k, JSON.parse(v) as T];
  }

  /** Writes `ops` atomically with every other write of this tick; resolves once on disk. */
  write(ops: Op[]): Promise<void> {
    for (const op of ops) this.pending.push(op);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  private async flushLoop(): Promise<void> {
    // One tick of writes gathers before the first batch goes out.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiters.length > 0) {
      const ops = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      ops.push(put(keys.actionSeq, String(this.actionSeq)), put(keys.submissionSeq, String(this.submissionSeq)));
      try {
        await this.db.batch(ops);
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.flushing = undefined;
  }
}
