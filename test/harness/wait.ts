// The one polling loop of the test suites: every wait is on a condition, bounded by a deadline, never a fixed sleep.
import { existsSync } from 'node:fs';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const describe = (v: unknown): string => (v instanceof Error ? v.message : v === undefined ? 'nothing yet' : JSON.stringify(v));

/**
 * Polls until `check` returns a value other than undefined (false counts as "not yet" too), or throws after
 * `timeoutMs` naming what it waited for and the last answer or error. A throwing check means "not yet".
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${describe(last)})`);
    await sleep(everyMs);
  }
}

/** Waits until `check` resolves true. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 200): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined), timeoutMs, everyMs);
}

/** Calls `fn` until it succeeds and `ok` accepts its value; returns that value. */
export function retry<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean = () => true, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  return waitFor(what, async () => {
    const v = await fn();
    if (!ok(v)) throw new Error(`not accepted: ${describe(v)}`);
    return { v };
  }, timeoutMs, everyMs).then((r) => r.v);
}

export function waitForFile(path: string, timeoutMs: number): Promise<string> {
  return waitFor(`file ${path}`, () => (existsSync(path) ? path : undefined), timeoutMs);
}
