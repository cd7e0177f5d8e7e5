import { openPgpoolView, TIMEOUT, treeRow } from '../workbench';
import { lab, settledLab } from './labState';
import type { Step } from './step';

/** The pgpool-II view lists the lab's three nodes, each described with the role PostgreSQL reports. */
export const clusterTree: Step = {
  name: 'cluster-tree',
  async run({ page }) {
    const c = await lab();
    const { primary } = await settledLab();
    await openPgpoolView(page);
    for (const node of c.nodes) {
      const role = node.name === primary ? 'primary' : 'standby';
      const row = treeRow(page, node.name);
      await row.filter({ hasText: role }).waitFor({ timeout: TIMEOUT }).catch(async () => {
        throw new Error(`the tree row of ${node.name} does not say ${role}: "${(await row.textContent().catch(() => '')) ?? ''}"`);
      });
    }
  },
};
