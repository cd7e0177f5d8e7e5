/** A status bar item with every cluster's health; warning/error background when something is wrong. */
import * as vscode from 'vscode';
import type { ClusterModel } from './clusterModel';
import { summarizeHealth } from './healthSummary';

export function createHealthStatusBar(model: ClusterModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pgpoolCluster.health', vscode.StatusBarAlignment.Left, 50);
  item.name = 'pgpool-II cluster health';
  item.command = 'pgpoolCluster.showStatus';
  const update = (): void => {
    if (model.entries.length === 0) {
      item.hide();
      return;
    }
    const summary = summarizeHealth(model.statuses());
    item.text = model.refreshing && !summary.worst ? '$(sync~spin) pgpool-II' : summary.text;
    item.tooltip = summary.details.length > 0 ? `${summary.details.join('\n')}\n\nClick for the status panel.` : 'Cluster status not refreshed yet.';
    item.backgroundColor = summary.worst === 'degraded'
      ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : summary.worst === 'unreachable' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  };
  const sub = model.onDidChange(update);
  update();
  return vscode.Disposable.from(sub, item);
}
