import { join, resolve } from 'node:path';

/** The launcher tells the extension host where to write results through this variable. */
export const RESULT_FILE_ENV = 'PGPOOL_VSCODE_RESULT_FILE';
/** Used when the suite runs without the launcher (e.g. from a desktop VS Code debug session). */
export const defaultResultFile = join(resolve(__dirname, '..', '..', '..', '..'), 'test-results', 'vscode-suite.json');

export interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'skipped';
  ms: number;
  error?: string;
}

/** The shape scripts/test.mjs reads, plus each test's outcome for the launcher to print. */
export interface SuiteResults {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** Each skipped test with the reason written in the test (none: an unexplained skip, which CI refuses). */
  skips: Array<{ name: string; reason?: string }>;
  tests: TestOutcome[];
}
