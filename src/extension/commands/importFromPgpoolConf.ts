/**
 * "Import Cluster from pgpool.conf": builds a cluster definition from backend_* lines and opens it unsaved.
 * The pgpool host comes from listen_addresses when it names one address, else the user is asked; the local
 * copy's path is never written as configFile (configure-pgpool discovers the file pgpool runs with).
 */
import * as path from 'node:path';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { importFromPgpoolConf as importConf, pgpoolHostFromConf } from '../../core/inventory';
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

/** listen_addresses names no single address: the user says where pgpool runs. */
async function askPgpoolHost(text: string): Promise<string | undefined> {
  const found = pgpoolHostFromConf(text);
  const answer = await vscode.window.showInputBox({
    title: 'Import cluster from pgpool.conf',
    prompt: `listen_addresses = '${found.listen}' does not say where pgpool runs. Host name or address of the pgpool server:`,
    value: found.candidates[0] ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[A-Za-z0-9_.:[\]-]+$/.test(v.trim()) && !v.trim().startsWith('-') ? undefined : 'A host name or an IP address.'),
  });
  return answer?.trim() || undefined;
}

function localUser(): string | undefined {
  try { return userInfo().username; } catch { return undefined; }
}

export async function importFromPgpoolConf(services: ExtensionServices): Promise<void> {
  const conf = await pickConf();
  if (!conf) return;
  const user = localUser();
  const sshDefaults = user ? { user } : {};
  let result = importConf(conf.text, { sshDefaults });
  if (!result.ok) {
    const pgpoolHost = await askPgpoolHost(conf.text);
    if (!pgpoolHost) return;
    result = importConf(conf.text, { pgpoolHost, sshDefaults });
  }
  if (!result.ok) { void vscode.window.showErrorMessage(result.reason); return; }
  for (const w of result.warnings) services.log.warn(`import from ${conf.file}: ${w}`);
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: result.yaml });
  await vscode.window.showTextDocument(doc);
  const note = `Imported ${result.cluster.nodes.length} node(s) from ${path.basename(conf.file)}, pgpool at ${result.cluster.pgpool[0]?.host ?? '?'}. Save it as pgpool-cluster.yaml in the workspace.`;
  if (result.warnings.length > 0) void vscode.window.showWarningMessage(`${note} ${result.warnings.length} warning(s) in the log.`);
  else void vscode.window.showInformationMessage(note);
}
