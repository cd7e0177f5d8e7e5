// What every extension-host test needs: the extension under test, activated, and its manifest.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'pgpool-cluster.pgpool-cluster';

export interface ContributedCommand { command: string; title: string; category?: string }
export interface MenuItem { command?: string; submenu?: string; when?: string; group?: string }
export interface Contributes {
  commands?: ContributedCommand[];
  menus?: Record<string, MenuItem[]>;
  submenus?: { id: string; label: string }[];
  languages?: { id: string; configuration?: string }[];
  grammars?: { language?: string; scopeName: string; path: string }[];
  views?: Record<string, { id: string; name?: string }[]>;
}

export async function activatedExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  await ext.activate();
  assert.ok(ext.isActive, `extension ${EXTENSION_ID} did not activate`);
  return ext;
}

export function contributes(ext: vscode.Extension<unknown>): Contributes {
  return (ext.packageJSON as { contributes?: Contributes }).contributes ?? {};
}
