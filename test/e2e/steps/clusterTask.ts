import { findInCommandPalette, TIMEOUT } from '../workbench';
import type { Step } from './step';

/** Tasks: Run Task -> pgpool-cluster -> status: the bundled CLI prints the lab's nodes in a terminal. */
export const clusterTask: Step = {
  name: 'cluster-task',
  async run({ page }) {
    await (await findInCommandPalette(page, 'Tasks: Run Task')).click();
    const row = (text: string) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    await row('pgpool-cluster').waitFor({ timeout: TIMEOUT });
    await row('pgpool-cluster').click();
    // The picker lists the provider's tasks as "<source>: <label>"; type to filter, as a user would.
    await page.locator('.quick-input-widget input').fill('status');
    const status = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^pgpool-II: status$/ }) }).first();
    await status.waitFor({ timeout: TIMEOUT });
    await status.click();
    // VS Code may ask which problem matcher to scan the output with; a status task needs none.
    const never = row('Continue without scanning the task output');
    if (await never.waitFor({ timeout: 3_000 }).then(() => true, () => false)) await never.click();
    const terminal = page.locator('.terminal-wrapper.active .xterm-rows, .terminal .xterm-rows').last();
    await page.waitForFunction(() => {
      const text = Array.from(document.querySelectorAll('.xterm-rows')).map((e) => e.textContent ?? '').join('\n');
      return ['node0', 'node1', 'node2'].every((n) => text.includes(n)) && /primary/.test(text);
    }, undefined, { timeout: 45_000 }).catch(async () => {
      throw new Error(`the task's terminal does not show the lab's nodes:\n${(await terminal.textContent().catch(() => '')) ?? ''}`);
    });
  },
};
