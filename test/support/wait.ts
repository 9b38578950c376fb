/**
 * Waiting in tests: a test waits for the condition it checks, bounded generously (a machine running
 * other suites and benchmarks beside it can be many times slower than a quiet one), and never
 * asserts that a state was reached within a fixed time.
 */
import { AssertionError } from "node:assert";
import { setTimeout as sleep } from "node:timers/promises";

/** Generous bound for one wait; PENNYPOST_TEST_PATIENCE multiplies it (e.g. 3 on a crowded machine). */
export const PATIENCE_MS = 120_000 * Number(process.env.PENNYPOST_TEST_PATIENCE ?? "1");

/**
 * Polls `check` until it returns true (or a value other than false/undefined, which is returned).
 * A check that throws is tried again (a server restarting refuses connections), except a failed
 * assertion, which fails the wait at once.
 */
export async function until<T>(what: string, check: () => Promise<T | false | undefined> | T | false | undefined, options: { timeoutMs?: number; everyMs?: number } = {}): Promise<T> {
  const deadline = performance.now() + (options.timeoutMs ?? PATIENCE_MS);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
      last = undefined;
    } catch (error) {
      // A failed assertion inside the check is the answer, not a state to wait out.
      if (error instanceof AssertionError) throw error;
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`waited ${Math.round((options.timeoutMs ?? PATIENCE_MS) / 1000)} s for ${what}`, { cause: last });
    await sleep(options.everyMs ?? 25);
  }
}
