/**
 * The status bar item of a conf editor: the pgpool-II and PostgreSQL versions the file is checked against and
 * where they come from; a click changes them (a `# pgpool-cluster:` comment in the file, or the settings).
 */
import * as vscode from 'vscode';
import { detectVersions, languageIdForFile } from '../../core/conf';
import { PGPOOL_RELEASES } from '../../core/conf/catalog/pgpoolParams.generated';
import { PG_VERSIONS } from '../../core/conf/catalog/postgresVersions';
import { isConfDocument, targetVersionsOf } from './convert';

export const CHOOSE_VERSIONS_COMMAND = 'pgpoolCluster.chooseTargetVersions';
const DIRECTIVE_LINE = /^#\s*pgpool-cluster:.*$/m;

export function createVersionStatusBar(context: vscode.ExtensionContext): { update(): void } {
  const item = vscode.window.createStatusBarItem('pgpoolCluster.targetVersions', vscode.StatusBarAlignment.Right, 100);
  item.name = 'pgpool-cluster target versions';
  item.command = CHOOSE_VERSIONS_COMMAND;
  const update = (): void => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !isConfDocument(doc)) { item.hide(); return; }
    const t = targetVersionsOf(doc);
    const v = detectVersions(doc.getText(), t.pgpoolVersion, t.postgresVersion);
    const source = (s: string, from: string | undefined): string => (s === 'directive' ? 'the comment in this file' : s === 'option' ? from ?? 'settings' : 'the newest known');
    item.text = `$(versions) pgpool ${v.pgpool} · PG ${v.postgres}`;
    item.tooltip = `Checked against pgpool-II ${v.pgpool} (from ${source(v.pgpoolSource, t.pgpoolFrom)}) and PostgreSQL ${v.postgres} (from ${source(v.postgresSource, t.postgresFrom)}).\nClick to change.`;
    item.show();
  };
  context.subscriptions.push(
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === vscode.window.activeTextEditor?.document) update(); }),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('pgpoolCluster')) update(); }),
  );
  update();
  return { update };
}

/** The status bar item's command (registered with the others in commands/index.ts). */
export async function chooseTargetVersions(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  const pgpool = await vscode.window.showQuickPick([...PGPOOL_RELEASES].reverse(), { placeHolder: 'pgpool-II version to check against' });
  if (!pgpool) return;
  const postgres = await vscode.window.showQuickPick([...PG_VERSIONS].reverse().map(String), { placeHolder: 'PostgreSQL major version to check against' });
  if (!postgres) return;
  const inFile = 'In This File';
  const inSettings = 'In Workspace Settings';
  const where = await vscode.window.showQuickPick(
    doc && languageIdForFile(doc.fileName) !== undefined ? [inFile, inSettings] : [inSettings],
    { placeHolder: 'Where to keep the choice (a comment in the file wins over the cluster, which wins over the settings)' },
  );
  if (where === inSettings) {
    const cfg = vscode.workspace.getConfiguration('pgpoolCluster');
    await cfg.update('pgpoolVersion', pgpool, vscode.ConfigurationTarget.Workspace);
    await cfg.update('postgresVersion', postgres, vscode.ConfigurationTarget.Workspace);
  } else if (where === inFile && editor && doc) {
    const line = `# pgpool-cluster: pgpool=${pgpool} postgresql=${postgres}`;
    const m = DIRECTIVE_LINE.exec(doc.getText());
    await editor.edit((b) => {
      if (m) b.replace(new vscode.Range(doc.positionAt(m.index), doc.positionAt(m.index + m[0].length)), line);
      else b.insert(new vscode.Position(0, 0), `${line}\n`);
    });
  }
}
