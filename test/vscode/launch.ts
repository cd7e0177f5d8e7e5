// `node out/test/vscode/launch.js <resultFile>`: runs the extension-host suite in a desktop VS Code when
// VSCODE_EXECUTABLE is set (or VSCODE_TEST_DOWNLOAD=1 on a machine with internet), else in code-server.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { failedRun, writeTierResults, type TierResults } from '../harness/results';
import { repoRoot } from '../harness/paths';
import { makeWorkspace } from '../harness/workspace';
import { runInCodeServer } from './inCodeServer';
import { runInDesktop } from './inDesktop';
import type { SuiteResults } from './suite/results';

async function main(): Promise<number> {
  const resultFile = process.argv[2] ?? join(repoRoot, 'test-results', 'vscode.json');
  const logDir = dirname(resultFile);
  mkdirSync(logDir, { recursive: true });
  const suiteResultFile = join(logDir, 'vscode-suite.json');
  rmSync(suiteResultFile, { force: true });
  const workspace = makeWorkspace();
  const run = { workspace: workspace.dir, suiteResultFile, logDir, timeoutMs: Number(process.env.PGPOOL_VSCODE_TIMEOUT_S ?? 300) * 1000 };
  let results: TierResults;
  try {
    const executable = process.env.VSCODE_EXECUTABLE;
    if (executable || process.env.VSCODE_TEST_DOWNLOAD === '1') await runInDesktop(run, executable);
    else await runInCodeServer(run);
    if (!existsSync(suiteResultFile)) throw new Error('the suite wrote no results (did the extension host start?)');
    const suite = JSON.parse(readFileSync(suiteResultFile, 'utf8')) as SuiteResults;
    for (const t of suite.tests) console.log(`  ${t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip'} ${t.title} (${t.ms} ms)`);
    for (const t of suite.tests.filter((x) => x.error)) console.log(`\n${t.title}\n${t.error}`);
    results = { passed: suite.passed, failed: suite.failed, skipped: suite.skipped, failures: suite.failures, skips: suite.skips };
  } catch (err) {
    console.error(err);
    results = failedRun('vscode', err);
  } finally {
    workspace.remove();
  }
  writeTierResults(resultFile, results);
  return results.failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => { console.error(err); process.exit(1); });
