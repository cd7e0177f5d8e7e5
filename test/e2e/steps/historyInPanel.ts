import { screenshot } from '../artifacts';
import { runCommand, TIMEOUT, webviewFrame } from '../workbench';
import { settledLab } from './labState';
import type { Step } from './step';

/**
 * After the status panel's detach + attach of a standby: that node's History in the panel shows the attach the
 * panel ran (from the audit log) and what pgpool logged about the node, and a log line opens where it came from
 * (an excerpt of the host's log, read over SSH).
 */
export const historyInPanel: Step = {
  name: 'history-in-panel',
  async run({ page }) {
    const { standbys } = await settledLab();
    const target = standbys[standbys.length - 1] ?? '';
    await runCommand(page, 'pgpool-II: Show Cluster Status');
    const frame = webviewFrame(page);
    await frame.locator(`vscode-button[title="History of ${target}"]`).click({ timeout: TIMEOUT });
    const history = frame.locator('.history', { hasText: `History of ${target}` });
    await history.waitFor({ timeout: TIMEOUT });
    // The attach the panel ran, from the audit log, and pgpool's own account of the node (a log line).
    await history.locator('li.event .kind', { hasText: 'attach-done' }).first().waitFor({ timeout: 60_000 });
    const logLine = history.locator('li.event a.where', { hasText: /^[^ ]+:\/.+:\d+$/ }).first();
    await logLine.waitFor({ timeout: TIMEOUT });
    await logLine.scrollIntoViewIfNeeded();
    await screenshot(page, '06a-history');
    const where = (await logLine.textContent()) ?? '';
    const file = where.replace(/:\d+$/, '').replace(/^.*\//, '');
    await logLine.click();
    await page.locator('.tabs-container .tab', { hasText: file }).first().waitFor({ timeout: TIMEOUT });
    await screenshot(page, '06b-history-source');
  },
};
