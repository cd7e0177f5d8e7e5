import { languageStatus, openFile, TIMEOUT } from '../workbench';
import type { Step } from './step';

export const languageMode: Step = {
  name: 'pgpool-conf-language-mode',
  async run({ page }) {
    await openFile(page, 'pgpool.conf');
    const status = languageStatus(page);
    await status.waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(
      () => document.querySelector('[id="status.editor.mode"]')?.textContent?.trim() === 'pgpool.conf',
      undefined,
      { timeout: TIMEOUT },
    ).catch(async (err: unknown) => {
      throw new Error(`status bar shows language "${(await status.textContent())?.trim() ?? ''}", not "pgpool.conf" (${String(err)})`);
    });
  },
};
