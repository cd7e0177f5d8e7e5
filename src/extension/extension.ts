import * as vscode from 'vscode';
import type { ExtensionServices } from './context';
import { registerCommands } from './commands';
import { registerLanguageFeatures } from './language';
import { registerClusterTree } from './tree';
import { registerClusterTasks } from './tasks';

/** When the extension host began to load this code: the launcher (dist/extension.js) passes its first instant. */
let loadStart = performance.now();
/** The bundle's top level has run (this module is evaluated after everything it imports). */
const loadedAt = performance.now();

export function markLoadStart(instant: number): void {
  loadStart = instant;
}

/** What activate() returns to other extensions and to the extension-host tests. */
export interface ActivationInfo {
  /** Loading the code plus running activate(), in ms: what VS Code's "Running Extensions" view adds up too. */
  activationMs: number;
  /** Reading, compiling and running the bundle's top level (dist/extension.js's first line to here). */
  loadMs: number;
  /** activate() itself. */
  activateMs: number;
}

export function activate(context: vscode.ExtensionContext): ActivationInfo {
  const activateStart = performance.now();
  const log = vscode.window.createOutputChannel('pgpool-II', { log: true });
  context.subscriptions.push(log);
  const services: ExtensionServices = { context, log };
  registerCommands(services);
  registerLanguageFeatures(services);
  registerClusterTree(services);
  registerClusterTasks(services);
  const loadMs = loadedAt - loadStart;
  const activateMs = performance.now() - activateStart;
  const activationMs = loadMs + activateMs;
  log.info(`Activated in ${activationMs.toFixed(1)} ms (loading the code ${loadMs.toFixed(1)} ms, activate() ${activateMs.toFixed(1)} ms).`);
  return { activationMs, loadMs, activateMs };
}

export function deactivate(): void {
  // Disposables are released through context.subscriptions.
}
