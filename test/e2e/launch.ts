// `node out/test/e2e/launch.js <resultFile>`: packages the .vsix, installs it into a fresh code-server,
// and drives the workbench in headless Chromium like a user, one step at a time (steps/index.ts).
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, type Browser } from '../harness/browser';
import { installExtension, makeExtensionsDir, startCodeServer, type CodeServer } from '../harness/codeServer';
import { repoRoot } from '../harness/paths';
import { failedRun, writeTierResults, type TierResults } from '../harness/results';
import { makeWorkspace } from '../harness/workspace';
import { e2eResultsDir, resetResultsDir } from './artifacts';
import { packageVsix } from './packageVsix';
import { runSteps } from './runSteps';
import { steps } from './steps';

async function main(): Promise<number> {
  const resultFile = process.argv[2] ?? join(repoRoot, 'test-results', 'e2e.json');
  resetResultsDir();
  const workspace = makeWorkspace();
  // The suite's own files (a pgpool.conf with mistakes) on top of the shared fixtures.
  cpSync(join(repoRoot, 'test', 'e2e', 'workspace'), workspace.dir, { recursive: true });
  const extensionsDir = makeExtensionsDir();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let results: TierResults;
  try {
    const vsix = packageVsix();
    const installed = installExtension(vsix, extensionsDir, join(e2eResultsDir, 'install-extension.log'));
    console.log(`installed ${vsix} as ${installed}`);
    server = await startCodeServer({ logFile: join(e2eResultsDir, 'code-server.log'), extensionsDir });
    browser = await launchBrowser();
    await browser.page.goto(server.url(workspace.dir));
    results = await runSteps({ page: browser.page, server, workspace }, steps);
  } catch (err) {
    console.error(err);
    results = failedRun('e2e', err);
  } finally {
    await browser?.close();
    await server?.stop();
    workspace.remove();
    rmSync(extensionsDir, { recursive: true, force: true, maxRetries: 3 });
  }
  writeTierResults(resultFile, results);
  console.log(`screenshots and logs: ${e2eResultsDir}`);
  return results.failed > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => { console.error(err); process.exit(1); });
