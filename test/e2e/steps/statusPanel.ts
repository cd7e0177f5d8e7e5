import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { poolNodes, waitUntil } from '../../harness/labCluster';
import { labClusterFile, repoRoot } from '../../harness/paths';
import { screenshot } from '../artifacts';
import { answerModal, runCommand, TIMEOUT, webviewFrame } from '../workbench';
import { lab, settledLab } from './labState';
import type { Step } from './step';

function attachWithCli(node: string): void {
  spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'attach', node, '--file', labClusterFile, '--yes'], { stdio: 'ignore', timeout: 60_000 });
}

/** The status panel's grid shows every node with its lag; its Detach and Attach buttons round-trip a standby. */
export const statusPanel: Step = {
  name: 'status-panel',
  async run({ page }) {
    const c = await lab();
    const { standbys } = await settledLab();
    const target = standbys[standbys.length - 1] ?? '';
    await runCommand(page, 'pgpool-II: Show Cluster Status');
    const frame = webviewFrame(page);
    await frame.locator('vscode-data-grid-cell', { hasText: 'Lag' }).first().waitFor({ timeout: TIMEOUT });
    for (const n of c.nodes) await frame.locator('vscode-data-grid-cell', { hasText: `${n.name} (#${n.id})` }).first().waitFor({ timeout: TIMEOUT });
    // A standby's lag cell reads "<bytes> / <seconds>" once the panel has the cluster's status.
    await frame.locator('vscode-data-grid-cell', { hasText: / B \/ / }).first().waitFor({ timeout: TIMEOUT });
    await screenshot(page, '05a-status-panel');

    const host = c.nodes.find((n) => n.name === target)?.host;
    const pgpoolStatus = async (): Promise<string | undefined> => (await poolNodes(c)).find((n) => n.hostname === host)?.status;
    const backUp = async (): Promise<true | undefined> => {
      const s = await pgpoolStatus();
      return s === 'up' || s === 'waiting' ? true : undefined;
    };
    try {
      await frame.locator(`vscode-button[title="Detach ${target}"]`).click();
      await answerModal(page, `Run detach on ${target}`);
      await waitUntil(`pgpool to show ${target} down`, async () => ((await pgpoolStatus()) === 'down' ? true : undefined), 30_000);
      // The plan document took the editor: back to the panel, which enables Attach once it has fresh status.
      await page.locator('.tabs-container .tab', { hasText: 'Cluster Status' }).click();
      await frame.locator('#refresh').click().catch(() => undefined);
      await frame.locator(`vscode-button[title="Attach ${target}"]`).click({ timeout: 30_000 });
      await answerModal(page, `Run attach on ${target}`);
      await waitUntil(`pgpool to show ${target} up again`, backUp, 30_000);
    } finally {
      // Whatever failed above, the shared lab gets its node back.
      if (!(await backUp().catch(() => undefined))) attachWithCli(target);
    }
  },
};
