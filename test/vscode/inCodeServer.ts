// Runs the extension-host suite inside code-server, opened in headless Chromium.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../harness/browser';
import { startCodeServer } from '../harness/codeServer';
import { repoRoot } from '../harness/paths';
import { waitForFile } from '../harness/wait';
import { RESULT_FILE_ENV } from './suite/results';

export interface SuiteRun {
  workspace: string;
  suiteResultFile: string;
  logDir: string;
  timeoutMs: number;
}

export async function runInCodeServer(run: SuiteRun): Promise<void> {
  const server = await startCodeServer({
    logFile: join(run.logDir, 'vscode-code-server.log'),
    env: { [RESULT_FILE_ENV]: run.suiteResultFile },
  });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const consoleLog = createWriteStream(join(run.logDir, 'vscode-browser-console.log'));
  try {
    browser = await launchBrowser();
    // The extension host's console (mocha's spec reporter among it) is forwarded to the page's console.
    browser.page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    const url = server.url(run.workspace, [
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(join(repoRoot, 'out', 'test', 'vscode', 'suite', 'index.js'))],
    ]);
    await browser.page.goto(url);
    try {
      await waitForFile(run.suiteResultFile, run.timeoutMs);
    } catch (err) {
      await browser.page.screenshot({ path: join(run.logDir, 'vscode-timeout.png') }).catch(() => undefined);
      throw err;
    }
  } finally {
    await browser?.close();
    await server.stop();
    consoleLog.end();
  }
}
