/** "Import Cluster from pgpool.conf": builds a cluster definition from backend_* lines and opens it unsaved. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { importFromPgpoolConf as importConf } from '../../core/inventory';
import type { ExtensionServices } from '../context';

async function pickConf(): Promise<{ text: string; file: string } | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor && (editor.document.languageId === 'pgpool-conf' || /pgpool\.conf/.test(path.basename(editor.document.fileName)))) {
    return { text: editor.document.getText(), file: editor.document.uri.fsPath };
  }
  const picked = await vscode.window.showOpenDialog({ title: 'Import cluster from pgpool.conf', canSelectMany: false, openLabel: 'Import' });
  const uri = picked?.[0];
  if (!uri) return undefined;
  return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), file: uri.fsPath };
}

export async function importFromPgpoolConf(services: ExtensionServices): Promise<void> {
  const conf = await pickConf();
  if (!conf) return;
  const result = importConf(conf.text, { configFile: conf.file });
  for (const w of result.warnings) services.log.warn(`import from ${conf.file}: ${w}`);
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: result.yaml });
  await vscode.window.showTextDocument(doc);
  const note = `Imported ${result.cluster.nodes.length} node(s) from ${path.basename(conf.file)}. Save it as pgpool-cluster.yaml in the workspace.`;
  if (result.warnings.length > 0) void vscode.window.showWarningMessage(`${note} ${result.warnings.length} warning(s) in the log.`);
  else void vscode.window.showInformationMessage(note);
}
