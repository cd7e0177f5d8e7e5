// What a user does in the workbench, in Playwright terms: selectors of VS Code 1.100 (code-server 4.100.3).
import type { Locator, Page } from 'playwright-core';

export const TIMEOUT = 30_000;

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.part.statusbar').waitFor({ timeout: TIMEOUT });
  await page.locator('.part.activitybar, .part.sidebar').first().waitFor({ timeout: TIMEOUT });
}

/** The explorer row of a workspace file. */
export function explorerRow(page: Page, fileName: string): Locator {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${fileName}"]`);
}

/**
 * Types into the Command Palette (F1) and returns the row whose label matches, without running it.
 * The palette lists what is registered when it opens, so until the extension host has scanned the
 * extensions it is closed and opened again, as a user would.
 */
export async function findInCommandPalette(page: Page, title: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: TIMEOUT });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 3_000 });
      return row;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Command Palette does not offer "${title}" (${String(err)})`);
      await page.keyboard.press('Escape');
    }
  }
}

export async function runCommand(page: Page, title: string): Promise<void> {
  const row = await findInCommandPalette(page, title);
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: TIMEOUT });
}

/** Opens a workspace file through Quick Open, as a user typing its name would. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: TIMEOUT });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[data-resource-name="${fileName}"]`).waitFor({ timeout: TIMEOUT });
}

/** The language mode shown in the status bar for the active editor. */
export function languageStatus(page: Page): Locator {
  return page.locator('[id="status.editor.mode"]');
}

/** Opens the activity-bar container of this extension ("pgpool-II") and returns its side bar. */
export async function openPgpoolView(page: Page): Promise<Locator> {
  const sidebar = page.locator('.part.sidebar');
  const title = sidebar.locator('.composite.title', { hasText: 'pgpool-II' });
  if (!(await title.isVisible().catch(() => false))) await page.locator('.activitybar [aria-label^="pgpool-II"]').first().click();
  await title.waitFor({ timeout: TIMEOUT });
  return sidebar;
}

/** A row of the Clusters tree, by its label (a node name). */
export function treeRow(page: Page, label: string): Locator {
  return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
}

/** Right-clicks a tree row and chooses a context-menu entry. */
export async function contextMenu(page: Page, row: Locator, entry: string): Promise<void> {
  await row.click({ button: 'right' });
  const item = page.locator('.context-view .action-label', { hasText: entry }).first();
  await item.waitFor({ timeout: TIMEOUT });
  await item.click();
  // A click that lands while the menu is still laying out only highlights the entry: Enter runs it then.
  const menu = page.locator('.context-view .monaco-menu');
  if (await menu.waitFor({ state: 'hidden', timeout: 1_000 }).then(() => false, () => true)) await page.keyboard.press('Enter');
}

/**
 * A context-menu command chosen while the tree redraws arrives without its node (VS Code drops the item's handle
 * during a redraw) and the extension then asks which node: answer with the node that was right-clicked. Returns
 * whether it was asked, for the log.
 */
export async function chooseNodeIfAsked(page: Page, node: string): Promise<boolean> {
  const input = page.locator('.quick-input-widget input[placeholder^="Node to"]');
  if (!(await input.waitFor({ timeout: 1_500 }).then(() => true, () => false))) return false;
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${node}$`) }) }).first().click();
  console.log(`  (the context menu's command arrived without its node; chose ${node} in the extension's node pick)`);
  return true;
}

/** Clicks the button of the modal dialog (e.g. "Run promote on node1") and waits for the dialog to close. */
export async function answerModal(page: Page, button: string | RegExp, timeoutMs = TIMEOUT): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: timeoutMs });
  const message = (await dialog.locator('.dialog-message-text').textContent().catch(() => '')) ?? '';
  const b = dialog.locator('.monaco-button', { hasText: button }).first();
  await b.waitFor({ timeout: 5_000 }).catch(async () => {
    const buttons = await dialog.locator('.monaco-button').allTextContents();
    throw new Error(`the dialog "${message}" has no button ${String(button)} (buttons: ${buttons.join(' | ')})`);
  });
  await b.click();
  await dialog.waitFor({ state: 'hidden', timeout: TIMEOUT });
  return message;
}

/** The active editor's line that contains `text`. */
export function editorLine(page: Page, text: string | RegExp): Locator {
  return page.locator('.editor-instance .monaco-editor .view-lines .view-line', { hasText: text }).first();
}

/** The inner frame of the webview panel whose tab has this title. */
export function webviewFrame(page: Page): ReturnType<Page['frameLocator']> {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}
