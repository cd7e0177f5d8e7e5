import type { Page } from 'playwright-core';
import { screenshot } from '../artifacts';
import { editorLine, openFile, TIMEOUT } from '../workbench';
import type { Step } from './step';

/** The mistakes planted in test/e2e/workspace/pgpool.conf, as the Problems panel lists them. */
const EXPECTED_CODES = ['pgpool/renamed-parameter', 'pgpool/failover-without-health-check'];

async function problemRows(page: Page): Promise<string[]> {
  return page.locator('.markers-panel .monaco-list-row').allTextContents();
}

/** Open pgpool.conf: the Problems panel lists its mistakes, a hover documents a parameter, a quick fix applies. */
export const problemsAndQuickFix: Step = {
  name: 'problems-hover-quick-fix',
  async run({ page }) {
    await openFile(page, 'pgpool.conf');
    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ timeout: TIMEOUT });
    await page.waitForFunction((codes) => {
      const text = Array.from(document.querySelectorAll('.markers-panel .monaco-list-row')).map((r) => r.textContent ?? '').join('\n');
      return codes.every((c) => text.includes(c)) && text.includes('follow_master_command');
    }, EXPECTED_CODES, { timeout: TIMEOUT }).catch(async () => {
      throw new Error(`the Problems panel lacks ${EXPECTED_CODES.join(', ')}; it shows:\n${(await problemRows(page)).join('\n')}`);
    });
    await screenshot(page, '01a-problems-panel');

    // A click on a problem reveals its line; then hover over the parameter name, as a user points at it.
    await panel.locator('.monaco-list-row', { hasText: 'pgpool/failover-without-health-check' }).first().click();
    const line = editorLine(page, /^health_check_period/);
    await line.waitFor({ timeout: TIMEOUT });
    const box = await line.boundingBox();
    if (!box) throw new Error('the health_check_period line is not on screen');
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:visible', { hasText: 'health_check_period' }).first();
    await hover.waitFor({ timeout: TIMEOUT }).catch(async () => {
      throw new Error(`no hover documenting health_check_period (visible hovers: ${(await page.locator('.monaco-hover:visible').allTextContents()).join(' | ')})`);
    });
    const hoverText = (await hover.textContent()) ?? '';
    if (!/default/i.test(hoverText)) throw new Error(`the hover does not document the parameter: ${hoverText}`);
    // The hover fades in: wait for its animations to finish, not for a guessed time.
    await hover.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
    await screenshot(page, '01b-hover');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');

    // The renamed parameter's quick fix: cursor on the line, Ctrl+. and pick the rename.
    await panel.locator('.monaco-list-row', { hasText: 'follow_master_command' }).first().click();
    await editorLine(page, /^follow_master_command/).waitFor({ timeout: TIMEOUT });
    // Ctrl+. on the selected problem offers its quick fixes (the editor's lightbulb menu offers the same). On a busy
    // machine the first press can come before the editor has the line's code actions: pressed again, as a user would.
    const fix = page.locator('.action-widget .monaco-list-row, .context-view .action-label', { hasText: 'Rename to follow_primary_command' }).first();
    let shown = false;
    for (const until = Date.now() + TIMEOUT; !shown && Date.now() < until;) {
      await page.keyboard.press('Control+Period');
      shown = await fix.waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (!shown) {
        await page.keyboard.press('Escape');
        await panel.locator('.monaco-list-row', { hasText: 'follow_master_command' }).first().click();
      }
    }
    if (!shown) throw new Error(`no "Rename to follow_primary_command" quick fix (offered: ${(await page.locator('.action-widget .monaco-list-row').allTextContents()).join(' | ')})`);
    await screenshot(page, '01c-quick-fix-menu');
    await fix.click();
    await editorLine(page, /^follow_primary_command/).waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('.markers-panel .monaco-list-row')).some((r) => (r.textContent ?? '').includes('follow_master_command')),
      undefined, { timeout: TIMEOUT }).catch(async () => {
      throw new Error(`the follow_master_command problem is still listed after the fix:\n${(await problemRows(page)).join('\n')}`);
    });
  },
};
