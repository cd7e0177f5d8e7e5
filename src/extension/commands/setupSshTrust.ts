/** "Set Up SSH Trust": keys, authorized_keys and verified known_hosts for every hop pgpool's scripts need, each proven. */
import * as vscode from 'vscode';
import { renderPlan } from '../../core/ops/engine/plan';
import { prepareSshTrustPlan } from '../../core/ops/setup/sshTrust';
import type { ExtensionServices } from '../context';
import { editorWords } from './editorWords';
import { openSessionOrSay, pickCluster, runWithProgress, showText } from './setupSession';

export async function setupSshTrust(services: ExtensionServices, arg?: unknown): Promise<void> {
  const entry = await pickCluster(services, arg);
  if (!entry) return;
  const cluster = entry.definition;
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const built = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading host keys of ${cluster.name}` },
      async () => prepareSshTrustPlan({ cluster, status: await s.status() }, s.env));
    if (!built.ok) { void vscode.window.showWarningMessage(editorWords(built.reason)); return; }
    await showText(services, `setup-ssh-trust-${cluster.name}`, renderPlan(built.plan, await s.env.planPcpEndpoint()));
    const choice = await vscode.window.showInformationMessage(built.plan.summary, { modal: true, detail: 'The plan is open beside this dialog.' }, 'Run');
    if (choice !== 'Run') return;
    await runWithProgress(services, s, built.plan);
  } finally {
    await s.close();
  }
}
