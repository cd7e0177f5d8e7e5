import * as vscode from 'vscode';
import type { ExtensionServices } from './context';
import { registerCommands } from './commands';
import { registerLanguageFeatures } from './language';
import { registerClusterTree } from './tree';
import { registerClusterTasks } from './tasks';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('pgpool-II', { log: true });
  context.subscriptions.push(log);
  const services: ExtensionServices = { context, log };
  registerCommands(services);
  registerLanguageFeatures(services);
  registerClusterTree(services);
  registerClusterTasks(services);
}

export function deactivate(): void {
  // Disposables are released through context.subscriptions.
}
