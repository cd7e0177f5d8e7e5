import { inRecovery, poolNodes, primaries, waitUntil } from '../../harness/labCluster';
import { screenshot } from '../artifacts';
import { answerModal, chooseNodeIfAsked, contextMenu, openPgpoolView, TIMEOUT, treeRow } from '../workbench';
import { lab, promotion, settledLab } from './labState';
import type { Step } from './step';

/** Right-click a standby -> Promote: fence the running primary, read the plan, confirm, watch the progress. */
export const promoteByRightClick: Step = {
  name: 'promote-standby',
  async run({ page }) {
    const c = await lab();
    const { primary, standbys } = await settledLab();
    const target = standbys[0] ?? '';
    promotion.oldPrimary = primary;
    promotion.promoted = target;
    await openPgpoolView(page);
    await contextMenu(page, treeRow(page, target), 'Promote Node');
    await chooseNodeIfAsked(page, target);
    // The primary still runs: the extension refuses two primaries and offers to stop it first.
    await answerModal(page, `Stop ${primary}, Then Promote ${target}`);
    // The plan opens as a document, then the confirmation names the node.
    await page.locator('.tabs-container .tab', { hasText: `promote-${target}` }).waitFor({ timeout: TIMEOUT });
    await page.locator('.monaco-dialog-box').waitFor({ timeout: TIMEOUT });
    await screenshot(page, '03a-promote-plan-and-confirmation');
    await answerModal(page, `Run promote on ${target}`);
    const progress = page.locator('.notifications-toasts .notification-toast', { hasText: `promote ${target}` }).first();
    await progress.waitFor({ timeout: 10_000 }).then(() => screenshot(page, '03b-promote-progress')).catch(() => undefined);
    await waitUntil(`${target} to leave recovery`, async () => ((await inRecovery(c, target)) === false ? true : undefined), 90_000);
    await treeRow(page, target).filter({ hasText: 'primary' }).waitFor({ timeout: 60_000 });
    // The real cluster agrees: PostgreSQL has one primary, and pgpool routes to it.
    const p = await primaries(c);
    if (p.join() !== target) throw new Error(`PostgreSQL reports primaries [${p.join(', ')}], expected ${target}`);
    const host = c.nodes.find((n) => n.name === target)?.host;
    await waitUntil('pgpool to follow', async () => ((await poolNodes(c)).some((n) => n.hostname === host && n.role === 'primary') ? true : undefined), 30_000);
  },
};
