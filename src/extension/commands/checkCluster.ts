/** "Check Cluster": the read-only preflight matrix in a Markdown document. */
import * as vscode from 'vscode';
import { checkCluster as runCheck } from '../../core/ops/preflight/checkCluster';
import { renderCheckReport } from '../../core/ops/preflight/checkClusterReport';
import type { ExtensionServices } from '../context';
import { openSessionOrSay, pickCluster, showText } from './setupSession';

export async function checkCluster(services: ExtensionServices, arg?: unknown): Promise<void> {
  const entry = await pickCluster(services, arg);
  if (!entry) return;
  const cluster = entry.definition;
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${cluster.name}` },
      async () => runCheck(cluster, await s.status(), s.env));
    await showText(services, `check-${cluster.name}`, renderCheckReport(report), 'markdown');
    if (!report.ok) void vscode.window.showWarningMessage(`${report.cells.filter((c) => !c.ok).length} check(s) fail on ${cluster.name}; the document says how to fix each.`);
  } finally {
    await s.close();
  }
}
