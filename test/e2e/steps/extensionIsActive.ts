import { runCommand, TIMEOUT } from '../workbench';
import type { Step } from './step';

/** The installed .vsix contributes its commands, and running one reaches the activated extension. */
export const extensionIsActive: Step = {
  name: 'show-log-command',
  async run({ page }) {
    // The Output view switches to the extension's log channel, which only activate() creates.
    const channel = page.locator('.part.panel select.monaco-select-box').first();
    // The first command can reach an extension host still starting (CI once: activated, but no Output view after
    // 30 s); run again, as a user would, until the view shows or TIMEOUT passes.
    let shown = false;
    for (const until = Date.now() + TIMEOUT; !shown && Date.now() < until;) {
      await runCommand(page, 'pgpool-II: Show Log');
      shown = await channel.waitFor({ timeout: 8_000 }).then(() => true, () => false);
    }
    if (!shown) await channel.waitFor({ timeout: 1_000 });
    await page.waitForFunction(
      () => (document.querySelector('.part.panel select.monaco-select-box') as HTMLSelectElement | null)?.selectedOptions[0]?.text === 'pgpool-II',
      undefined,
      { timeout: TIMEOUT },
    ).catch(async (err: unknown) => {
      const shown = await channel.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.text ?? '');
      throw new Error(`the Output view shows channel "${shown}", not "pgpool-II" (${String(err)})`);
    });
  },
};
