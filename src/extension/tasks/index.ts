/** Registers the TaskProvider for `pgpool-cluster` tasks (contributes.taskDefinitions). */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { TASK_TYPE, buildTask, clusterFileFor, isClusterTaskDefinition, providedDefinitions, type KnownCluster } from './clusterTasks';

function knownClusters(services: ExtensionServices): KnownCluster[] {
  return (services.clusters?.entries ?? []).map((e) => ({ file: e.file, name: e.definition.name, nodes: e.definition.nodes.map((n) => n.name) }));
}

export function registerClusterTasks(services: ExtensionServices): void {
  const cliPath = vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'cli.js').fsPath;
  const folder = (): vscode.WorkspaceFolder | undefined => vscode.workspace.workspaceFolders?.[0];

  const provider: vscode.TaskProvider = {
    async provideTasks() {
      await services.clusters?.reload();
      const scope = folder() ?? vscode.TaskScope.Workspace;
      return providedDefinitions(knownClusters(services)).map((d) => buildTask(d, scope, cliPath, d.file ?? ''));
    },
    resolveTask(task) {
      if (!isClusterTaskDefinition(task.definition)) return undefined;
      const file = clusterFileFor(task.definition, knownClusters(services), folder()?.uri.fsPath);
      if (!file) {
        services.log.warn(`task ${task.name}: no cluster file (set "file" in the task, or add a pgpool-cluster.yaml)`);
        return undefined;
      }
      const scope = task.scope === undefined || task.scope === vscode.TaskScope.Global ? vscode.TaskScope.Workspace : task.scope;
      return buildTask(task.definition, scope, cliPath, file);
    },
  };
  services.context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, provider));
}
