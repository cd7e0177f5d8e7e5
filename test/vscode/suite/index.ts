// The @vscode/test-electron contract: the extension host loads this module and awaits run().
// It runs every *.test.js beside it with mocha and writes the counts where the launcher waits for them.
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Mocha from 'mocha';
import { RESULT_FILE_ENV, defaultResultFile, type SuiteResults } from './results';
import { skipReasonOf } from './skip';

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

function writeResults(file: string, results: SuiteResults): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written whole and renamed, so a launcher polling for the file never reads half of it.
  writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
  renameSync(`${file}.tmp`, file);
}

export async function run(): Promise<void> {
  const resultFile = process.env[RESULT_FILE_ENV] ?? defaultResultFile;
  const results: SuiteResults = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [], tests: [] };
  // PGPOOL_VSCODE_GREP (e.g. "operations") runs only the matching tests, for a quick turn-around.
  const grep = process.env.PGPOOL_VSCODE_GREP;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  try {
    for (const file of findTests(__dirname)) mocha.addFile(file);
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (test) => {
        results.passed++;
        results.tests.push({ title: test.fullTitle(), state: 'passed', ms: test.duration ?? 0 });
      });
      runner.on('fail', (test, err: Error) => {
        results.failed++;
        results.failures.push(`vscode: ${test.fullTitle()}: ${err.message.split('\n')[0] ?? ''}`);
        results.tests.push({ title: test.fullTitle(), state: 'failed', ms: test.duration ?? 0, error: err.stack ?? err.message });
      });
      runner.on('pending', (test) => {
        results.skipped++;
        const reason = skipReasonOf(test);
        results.skips.push({ name: `vscode: ${test.fullTitle()}`, ...(reason ? { reason } : {}) });
        results.tests.push({ title: test.fullTitle(), state: 'skipped', ms: 0, ...(reason ? { error: `skipped: ${reason}` } : {}) });
      });
    });
  } catch (err) {
    results.failed++;
    results.failures.push(`vscode: suite could not run: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  writeResults(resultFile, results);
  if (results.failed > 0) throw new Error(`${results.failed} extension-host test(s) failed`);
}
