/** "Set Synchronous Replication": ANY n / FIRST n / off for the chosen cluster (synchronous_standby_names on every node). */
import * as vscode from 'vscode';
import { pcpEndpoint } from '../../core/ops/engine/environment';
import { renderPlan } from '../../core/ops/engine/plan';
import { buildSyncPlan, parseSyncSpec, type SyncSpec } from '../../core/ops/setup/syncReplication';
import type { ExtensionServices } from '../context';
import { editorWords } from './editorWords';
import { openSessionOrSay, pickCluster, runWithProgress, showText } from './setupSession';

const MODES: { label: string; description: string; spec?: SyncSpec }[] = [
  { label: 'ANY 1', description: 'each commit waits until any one standby has it (quorum)', spec: { method: 'ANY', count: 1 } },
  { label: 'FIRST 1', description: 'each commit waits for the first listed standby that streams', spec: { method: 'FIRST', count: 1 } },
  { label: 'ANY n / FIRST n…', description: 'type the mode' },
  { label: 'Off', description: 'asynchronous: commits wait for no standby (a failover can lose acknowledged commits)', spec: { method: 'off' } },
];

export async function setSyncReplication(services: ExtensionServices, arg?: unknown): Promise<void> {
  const entry = await pickCluster(services, arg);
  if (!entry) return;
  const pick = await vscode.window.showQuickPick(MODES, { placeHolder: 'Synchronous replication for this cluster' });
  if (!pick) return;
  let spec = pick.spec;
  if (!spec) {
    const typed = await vscode.window.showInputBox({
      prompt: 'ANY n or FIRST n', value: 'ANY 2',
      validateInput: (v) => { const r = parseSyncSpec(v); return typeof r === 'string' ? r : undefined; },
    });
    if (typed === undefined) return;
    const parsed = parseSyncSpec(typed);
    if (typeof parsed === 'string') return;
    spec = parsed;
  }
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const built = buildSyncPlan({ cluster: s.cluster, status: await s.status() }, spec);
    if (!built.ok) { void vscode.window.showWarningMessage(editorWords(built.reason)); return; }
    await showText(services, `sync-replication-${s.cluster.name}`, renderPlan(built.plan, pcpEndpoint(s.cluster)));
    const run = 'Run';
    const detail = built.plan.warnings.map(editorWords).join('\n');
    if ((await vscode.window.showInformationMessage(built.plan.summary, { modal: true, ...(detail ? { detail } : {}) }, run)) !== run) return;
    await runWithProgress(services, s, built.plan);
  } finally {
    await s.close();
  }
}
