import { explorerRow, TIMEOUT, waitForWorkbench } from '../workbench';
import type { Step } from './step';

export const workbenchLoads: Step = {
  name: 'workbench-loads',
  async run({ page }) {
    await waitForWorkbench(page);
    await explorerRow(page, 'pgpool.conf').waitFor({ timeout: TIMEOUT });
  },
};
