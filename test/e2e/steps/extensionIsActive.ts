import { runCommand, TIMEOUT } from '../workbench';
import type { Step } from './step';

/** The installed .vsix contributes its commands, and running one reaches the activated extension. */
export const extensionIsActive: Step = {
  name: 'show-log-command',
  async run({ page }) {
    await runCommand(page, 'pgpool-II: Show Log');
    // The Output view switches to the extension's log channel, which only activate() creates.
    const outputView = page.locator('.part.panel .pane-body.output-view, .part.panel [id="workbench.panel.output"]').first();
    await outputView.waitFor({ timeout: TIMEOUT });
    await page.locator('.part.panel .monaco-select-box[title="pgpool-II"], .part.panel select.monaco-select-box')
      .filter({ hasText: 'pgpool-II' }).first().waitFor({ timeout: TIMEOUT });
  },
};
