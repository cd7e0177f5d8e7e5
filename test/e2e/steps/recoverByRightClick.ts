import { inRecovery, primaryAndUpStandbys, waitUntil } from '../../harness/labCluster';
import { answerModal, chooseNodeIfAsked, contextMenu, openPgpoolView, TIMEOUT, treeRow } from '../workbench';
import { lab, promotion } from './labState';
import type { Step } from './step';

/** Right-click the old (fenced) primary -> Recover: it comes back as a standby of the new primary. */
export const recoverByRightClick: Step = {
  name: 'recover-old-primary',
  async run({ page }) {
    const c = await lab();
    const target = promotion.oldPrimary;
    if (!target) throw new Error('the promote step recorded no old primary');
    await openPgpoolView(page);
    await contextMenu(page, treeRow(page, target), 'Recover Node');
    await chooseNodeIfAsked(page, target);
    const method = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Fastest safe method' }).first();
    await method.waitFor({ timeout: TIMEOUT });
    await method.click();
    await answerModal(page, `Run recover on ${target}`, 60_000);
    await waitUntil(`${target} up in pgpool as a standby`, async () => ((await primaryAndUpStandbys(c))?.standbys.includes(target) ? true : undefined), 120_000);
    if ((await inRecovery(c, target)) !== true) throw new Error(`${target} is not in recovery after Recover`);
    await treeRow(page, target).filter({ hasText: 'standby' }).waitFor({ timeout: 60_000 });
  },
};
