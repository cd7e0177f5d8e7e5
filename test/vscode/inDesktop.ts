// Runs the extension-host suite in a desktop VS Code through @vscode/test-electron.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../harness/paths';
import type { SuiteRun } from './inCodeServer';
import { RESULT_FILE_ENV } from './suite/results';

/** `executable` is a VS Code binary; undefined lets test-electron download one (needs internet). */
export async function runInDesktop(run: SuiteRun, executable: string | undefined): Promise<void> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'pgpool-vscode-user-'));
  try {
    await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : {}),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'vscode', 'suite', 'index.js'),
      extensionTestsEnv: { [RESULT_FILE_ENV]: run.suiteResultFile },
      launchArgs: [run.workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userDataDir],
    });
  } catch {
    // runTests rejects when run() throws, i.e. when a test failed; the result file tells which.
  } finally {
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  }
}
