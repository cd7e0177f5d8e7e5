// Where the E2E suite leaves what a person (or the README) looks at: screenshots and logs.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../harness/paths';

export const e2eResultsDir = process.env.PGPOOL_E2E_RESULTS_DIR ?? join(repoRoot, 'test-results', 'e2e');

export function resetResultsDir(): void {
  rmSync(e2eResultsDir, { recursive: true, force: true });
  mkdirSync(e2eResultsDir, { recursive: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(e2eResultsDir, `${name}.png`);
  await page.screenshot({ path }).catch((err: unknown) => console.error(`screenshot ${name} failed: ${String(err)}`));
  return path;
}

/** Copies code-server's logs (extension host, the pgpool-II output channel) next to the screenshots. */
export function saveLogs(userDataDir: string, name: string): void {
  const logs = join(userDataDir, 'logs');
  if (existsSync(logs)) cpSync(logs, join(e2eResultsDir, `${name}-logs`), { recursive: true });
}
