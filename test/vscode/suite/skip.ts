import type { Context } from 'mocha';

/** mocha's skip() takes no reason: keep it on the runnable (test or suite) so the results can report it. */
export const SKIP_REASON = Symbol.for('pgpool-cluster.skipReason');

export function skipWithReason(ctx: Context, reason: string): never {
  const runnable = ctx.currentTest ?? ctx.test;
  // In a suiteSetup hook the tests to skip are the suite's: record the reason there.
  const holder = ((runnable as { type?: string } | undefined)?.type === 'hook' ? runnable?.parent : runnable) as unknown as Record<symbol, string> | undefined;
  if (holder) holder[SKIP_REASON] = reason;
  ctx.skip();
}

/** The reason recorded for a pending test, on itself or on one of its suites. */
export function skipReasonOf(test: { parent?: unknown } & object): string | undefined {
  let at: ({ parent?: unknown } & object) | undefined = test;
  while (at) {
    const r = (at as Record<symbol, string | undefined>)[SKIP_REASON];
    if (r) return r;
    at = at.parent as ({ parent?: unknown } & object) | undefined;
  }
  return undefined;
}
