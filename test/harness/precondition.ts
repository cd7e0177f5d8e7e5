// A test that needs something (the lab, a cluster file) and finds it missing: on a developer's machine it is
// skipped with the reason; under CI (CI=true) it fails, so a broken lab can never report green.

/** True under CI, where every precondition must hold. */
export const strictPreconditions = (env: NodeJS.ProcessEnv = process.env): boolean =>
  /^(1|true|yes)$/i.test(env.CI ?? '') || env.PGPOOL_CLUSTER_STRICT_TESTS === '1';

export class PreconditionFailed extends Error {
  constructor(reason: string) {
    super(`precondition not met (CI=true makes this a failure, not a skip): ${reason}`);
    this.name = 'PreconditionFailed';
  }
}

/**
 * `reason` is undefined when the precondition holds. Otherwise: throws under CI; elsewhere calls `skip` with
 * the reason and returns true, so the caller returns at once.
 */
export function unmetPrecondition(reason: string | undefined, skip: (reason: string) => void, env: NodeJS.ProcessEnv = process.env): boolean {
  if (reason === undefined) return false;
  if (strictPreconditions(env)) throw new PreconditionFailed(reason);
  skip(reason);
  return true;
}
