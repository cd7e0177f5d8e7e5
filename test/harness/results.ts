import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The JSON shape scripts/test.mjs reads from a tier's result file. */
export interface TierResults {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** Each skipped test with the reason written in the test (none: an unexplained skip, which CI refuses). */
  skips?: Array<{ name: string; reason?: string }>;
}

export function writeTierResults(file: string, results: TierResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2));
}

export function failedRun(tier: string, err: unknown): TierResults {
  const message = err instanceof Error ? err.message : String(err);
  return { passed: 0, failed: 1, skipped: 0, failures: [`${tier}: ${message}`] };
}
