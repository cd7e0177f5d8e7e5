/** Where the cluster definitions are: every workspace `pgpool-cluster.yaml` plus `pgpoolCluster.clusterFiles`. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_CLUSTER_FILE } from '../../core/inventory';

export const CLUSTER_FILE_GLOB = `**/${DEFAULT_CLUSTER_FILE}`;

/** Absolute paths, workspace files first, without duplicates. */
export async function discoverClusterFiles(): Promise<string[]> {
  const found = await vscode.workspace.findFiles(CLUSTER_FILE_GLOB, '**/node_modules/**', 50);
  const fromWorkspace = found.map((u) => u.fsPath).sort();
  const configured = vscode.workspace.getConfiguration('pgpoolCluster').get<string[]>('clusterFiles') ?? [];
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const fromSettings = configured
    .filter((p) => typeof p === 'string' && p.trim() !== '')
    .map((p) => (path.isAbsolute(p) || !base ? path.resolve(p) : path.resolve(base, p)));
  return [...new Set([...fromWorkspace, ...fromSettings])];
}
