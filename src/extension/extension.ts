import * as vscode from 'vscode';
import type { ExtensionServices } from './context';
import { registerCommands } from './commands';
import { registerLanguageFeatures } from './language';
import { registerClusterTree } from './tree';
import { registerClusterTasks } from './tasks';

/** When the extension host began to load this code: the launcher (dist/extension.js) passes its first instant. */
let loadStart = performance.now();

export function markLoadStart(instant: number): void {
  loadStart = instant;
}

/** What activate() returns to other extensions and to the extension-host tests. */
export interface ActivationInfo {
  /** Milliseconds from the first line of dist/extension.js to the end of activate(): loading the code and activating. */
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): ActivationInfo {
  const log = vscode.window.createOutputChannel('pgpool-II', { log: true });
  context.subscriptions.push(log);
  const services: ExtensionServices = { context, log };
  registerCommands(services);
  registerLanguageFeatures(services);
  registerClusterTree(services);
  registerClusterTasks(services);
  const activationMs = performance.now() - loadStart;
  log.info(`Activated in ${activationMs.toFixed(1)} ms (loading the code and activate()).`);
  return { activationMs };
}

export function deactivate(): void {
  // Disposables are released through context.subscriptions.
}
