// Language features through the editor's own entry points: diagnostics of the fixture files (their
// *.expected.json), hovers, completions and quick fixes, as the workbench asks for them.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { fixturesDir } from '../../harness/paths';
import { activatedExtension } from './extension';
import { waitFor } from '../../harness/wait';

interface Expected { line: number; column: number; severity: string; code: string }

const SEVERITY: Record<vscode.DiagnosticSeverity, string> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

/** Fixture families whose findings depend on other files (cross-file) or that are long samples. */
const NOT_SINGLE_FILE = new Set(['samples', 'crossfile']);

/** The fixture files that have an `<name>.expected.json` beside them, as [family, file]. */
function fixtureFiles(confDir: string): [string, string][] {
  const found: [string, string][] = [];
  for (const family of readdirSync(confDir).filter((f) => !NOT_SINGLE_FILE.has(f)).sort()) {
    for (const file of readdirSync(join(confDir, family)).filter((f) => !f.endsWith('.json')).sort()) {
      if (existsSync(join(confDir, family, `${file.replace(/\..*$/, '')}.expected.json`))) found.push([family, file]);
    }
  }
  return found;
}

const ours = (d: vscode.Diagnostic): boolean => d.source === 'pgpool-cluster';
const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

/** Diagnostics arrive after the document opens (and after a 250 ms debounce on edits): poll for them. */
async function diagnosticsOf(uri: vscode.Uri, until: (ds: vscode.Diagnostic[]) => boolean, timeoutMs = 5000): Promise<vscode.Diagnostic[]> {
  // The caller asserts on what is there at the end, so a timeout returns the last diagnostics.
  const current = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter(ours);
  return waitFor('the diagnostics', () => { const ds = current(); return until(ds) ? ds : undefined; }, timeoutMs, 100).catch(() => current());
}

const asExpected = (ds: vscode.Diagnostic[]): Expected[] => ds
  // Cross-file findings depend on which sibling documents happen to be open; the fixtures list single-file ones.
  .filter((d) => !codeOf(d).startsWith('cross/'))
  .map((d) => ({ line: d.range.start.line + 1, column: d.range.start.character + 1, severity: SEVERITY[d.severity], code: codeOf(d) }))
  .sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));

suite('language features (fixtures)', () => {
  // A private copy: quick fixes edit documents, and the fixtures must stay as they are.
  const dir = mkdtempSync(join(tmpdir(), 'pgpool-language-features-'));
  const confDir = join(dir, 'conf');
  cpSync(join(fixturesDir, 'conf'), confDir, { recursive: true });

  suiteSetup(async () => {
    await activatedExtension();
  });

  suiteTeardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const files = fixtureFiles(confDir);
  test('there are fixture files to check', () => {
    assert.ok(files.length >= 10, `only ${files.length} fixture files with an expected.json`);
  });

  for (const [family, file] of files) {
    test(`${family}/${file} shows the diagnostics of its expected.json`, async () => {
      const expectedFile = join(confDir, family, `${file.replace(/\..*$/, '')}.expected.json`);
      const expected = (JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected[])
        .sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(confDir, family, file)));
      const actual = asExpected(await diagnosticsOf(doc.uri, (ds) => asExpected(ds).length >= expected.length));
      assert.deepEqual(actual, expected);
    });
  }

  test('hovering a parameter name shows its documentation', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(confDir, 'unknown', 'typos.pgpool.conf')));
    const line = doc.getText().split('\n').findIndex((l) => l.startsWith('port'));
    assert.ok(line >= 0, 'typos.pgpool.conf has a port line');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 1));
    const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.match(text, /\*\*port\*\*/);
    assert.match(text, /TCP port pgpool listens on/);
    assert.match(text, /default: `9999`/);
  });

  test('completion on an empty line offers parameter names', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'pgpool-conf', content: 'port = 9999\nhealth_che\n' });
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(1, 10));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const name of ['health_check_period', 'health_check_user', 'health_check_timeout']) {
      assert.ok(labels.includes(name), `completion lacks ${name} (${labels.length} items)`);
    }
    const period = list.items.find((i) => i.label === 'health_check_period');
    assert.equal(period?.kind, vscode.CompletionItemKind.Property);
  });

  test('the did-you-mean quick fix renames a misspelt parameter', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(confDir, 'unknown', 'typos.pgpool.conf')));
    const line = doc.getText().split('\n').findIndex((l) => l.startsWith('listen_adresses'));
    assert.ok(line >= 0, 'typos.pgpool.conf has listen_adresses');
    const at = (ds: vscode.Diagnostic[]): vscode.Diagnostic | undefined =>
      ds.find((d) => d.range.start.line === line && codeOf(d) === 'pgpool/unknown-parameter');
    const diagnostic = at(await diagnosticsOf(doc.uri, (ds) => at(ds) !== undefined));
    assert.ok(diagnostic, 'no pgpool/unknown-parameter on the listen_adresses line');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const rename = actions.find((a) => a.title === 'Rename to listen_addresses');
    assert.ok(rename?.edit, `no "Rename to listen_addresses" among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(rename.kind?.contains(vscode.CodeActionKind.QuickFix));

    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(doc.lineAt(line).text, "listen_addresses = 'localhost'");
    // The re-lint after the edit drops the finding on that line.
    const after = await diagnosticsOf(doc.uri, (ds) => at(ds) === undefined);
    assert.equal(at(after), undefined, 'the unknown-parameter diagnostic is still there after the fix');
    assert.ok(after.some((d) => codeOf(d) === 'pgpool/unknown-parameter'), 'the other typos are still reported');
  });

  test('cross-file findings come from the folder\'s files, open or not: postgresql.conf opened alone gets them', async () => {
    // Opened first and alone: pgpool.conf beside it is read from disk (it used to need pgpool.conf open first).
    const pg = await vscode.workspace.openTextDocument(vscode.Uri.file(join(confDir, 'crossfile', 'postgresql.conf')));
    const cross = await diagnosticsOf(pg.uri, (ds) => ds.some((d) => codeOf(d).startsWith('cross/')));
    assert.ok(cross.some((d) => codeOf(d).startsWith('cross/')), `no cross/ finding on postgresql.conf: ${cross.map(codeOf).join(', ')}`);
  });

  test('a pgpool.conf beside a cluster file is checked against that cluster\'s pgpool version', async () => {
    const folder = join(dir, 'cluster43');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'pgpool-cluster.yaml'), [
      'version: 1', 'clusters:', '  - name: old', '    pgpoolVersion: "4.3"', '    postgresVersion: 15',
      '    pgpool:', '      - name: pgpool', '        host: 127.0.4.250', '    nodes:',
      '      - name: node0', '        id: 0', '        host: 127.0.4.251', '',
    ].join('\n'));
    // work_dir is 4.7's name for 4.3's logdir: unknown to 4.3, known to 4.7 (the settings' default, the newest).
    writeFileSync(join(folder, 'pgpool.conf'), "work_dir = '/tmp'\n");
    const config = vscode.workspace.getConfiguration('pgpoolCluster');
    const before = config.inspect<string[]>('clusterFiles')?.globalValue;
    await config.update('clusterFiles', [...(before ?? []), join(folder, 'pgpool-cluster.yaml')], vscode.ConfigurationTarget.Global);
    try {
      // The setting change reloads the cluster files (its refresh finds nothing there: these addresses are unused).
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder, 'pgpool.conf')));
      const ds = await diagnosticsOf(doc.uri, (list) => list.some((d) => d.range.start.line === 0), 15_000);
      assert.ok(ds.some((d) => d.range.start.line === 0 && /4\.3/.test(d.message)), `work_dir is not reported against 4.3: ${ds.map((d) => `${codeOf(d)}: ${d.message}`).join(' | ')}`);
    } finally {
      await config.update('clusterFiles', before, vscode.ConfigurationTarget.Global);
    }
  });
});
