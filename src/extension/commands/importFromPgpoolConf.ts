/**
 * "Import Cluster from pgpool.conf": builds a cluster definition from backend_* lines and opens it unsaved.
 * The pgpool host comes from listen_addresses when it names one address, else the user is asked; the local
 * copy's path is never written as configFile (configure-pgpool discovers the file pgpool runs with). With
 * consent, the hosts are asked for their versions.
 */
import * as path from 'node:path';
import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { importedYaml, importFromPgpoolConf as importConf, pgpoolHostFromConf, type ClusterDefinition } from '../../core/inventory';
import { probeImportedCluster } from '../../core/status/probeImported';
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

/**
 * With the user's consent (and only in a trusted workspace), asks the hosts for their versions and missing
 * data directories; the file is left as imported when they do not answer.
 */
async function probeWithConsent(services: ExtensionServices, cluster: ClusterDefinition): Promise<ClusterDefinition> {
  if (!vscode.workspace.isTrusted) return cluster;
  const pgpool = cluster.pgpool[0];
  const hosts = [...(pgpool ? [`pgpool  ${pgpool.host}:${pgpool.port}`] : []), ...cluster.nodes.map((n) => `${n.name}  ${n.host}:${n.port}`)];
  const ask = 'Ask the Hosts';
  const answer = await vscode.window.showInformationMessage('Ask these hosts for their versions (and missing data directories)?', {
    modal: true, detail: `${hosts.join('\n')}\n\nOnly read-only queries are sent. Skip to fill pgpoolVersion and postgresVersion by hand.`,
  }, ask);
  if (answer !== ask) return cluster;
  const probed = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Asking the hosts…' },
    () => probeImportedCluster(cluster, { timeoutMs: 3000, log: (line) => services.log.warn(`import: ${line}`) }));
  services.log.info(`import: ${probed.note}`);
  return probed.cluster;
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
  const cluster = await probeWithConsent(services, result.cluster);
  const content = cluster === result.cluster ? result.yaml : importedYaml(cluster, sshDefaults);
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content });
  await vscode.window.showTextDocument(doc);
  const note = `Imported ${cluster.nodes.length} node(s) from ${path.basename(conf.file)}, pgpool at ${cluster.pgpool[0]?.host ?? '?'}. Save it as pgpool-cluster.yaml in the workspace.`;
  if (result.warnings.length > 0) void vscode.window.showWarningMessage(`${note} ${result.warnings.length} warning(s) in the log.`);
  else void vscode.window.showInformationMessage(note);
}
