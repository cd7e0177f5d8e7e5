import * as vscode from 'vscode';
import { userActed, type ExtensionServices } from '../context';
import { forgetCredentials } from './forgetCredentials';
import { openPsql, openSshTerminal } from './openTerminal';
import { chooseTargetVersions } from '../language/versionStatusBar';
import { showStatusPanel } from '../panel/statusPanel';
import { createClusterFile } from './createClusterFile';
import { importFromPgpoolConf } from './importFromPgpoolConf';
import { startLab } from './startLab';
import { attachNode } from './attachNode';
import { detachNode } from './detachNode';
import { fenceNode } from './fenceNode';
import { promoteNode } from './promoteNode';
import { recoverNode } from './recoverNode';
import { switchoverNode } from './switchoverNode';
import { checkCluster } from './checkCluster';
import { configurePgpool } from './configurePgpool';
import { setupReplication } from './setupReplication';
import { setupSshTrust } from './setupSshTrust';
import { showClusterHistory, showNodeHistory } from './showHistory';
import { setSyncReplication } from './setSyncReplication';
import { recoverPgpool, startPgpool, stopPgpool } from './pgpoolNodeCommands';

export type CommandHandler = (services: ExtensionServices, ...args: unknown[]) => unknown;

/** Every command the extension contributes, keyed by its id without the `pgpoolCluster.` prefix. */
export const commands: Record<string, CommandHandler> = {
  showLog: (services) => services.log.show(true),
  refresh: (services) => { userActed(services); return services.clusters?.reload().then(() => services.clusters?.refresh()); },
  forgetCredentials,
  openPsql,
  openSshTerminal,
  chooseTargetVersions: () => chooseTargetVersions(),
  showStatus: showStatusPanel,
  createClusterFile,
  importFromPgpoolConf,
  startLab,
  promoteNode,
  switchoverNode,
  recoverNode,
  attachNode,
  detachNode,
  fenceNode,
  checkCluster,
  configurePgpool,
  setupReplication,
  setupSshTrust,
  showClusterHistory,
  showNodeHistory,
  setSyncReplication,
  startPgpool,
  stopPgpool,
  recoverPgpool,
};

export function registerCommands(services: ExtensionServices): void {
  for (const [name, handler] of Object.entries(commands)) {
    services.context.subscriptions.push(
      vscode.commands.registerCommand(`pgpoolCluster.${name}`, (...args: unknown[]) => handler(services, ...args)),
    );
  }
}
