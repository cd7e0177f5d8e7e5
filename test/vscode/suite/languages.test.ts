// The language table (file names -> language ids), checked through the editor's own file association.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activatedExtension } from './extension';

const EXPECTED_LANGUAGE: [fileName: string, languageId: string][] = [
  ['pgpool.conf', 'pgpool-conf'],
  ['pgpool.conf.sample-stream', 'pgpool-conf'],
  ['node1.pgpool.conf', 'pgpool-conf'],
  ['postgresql.conf', 'postgresql-conf'],
  ['postgresql.auto.conf', 'postgresql-conf'],
  ['standby.postgresql.conf', 'postgresql-conf'],
  ['recovery.conf', 'recovery-conf'],
  ['recovery.done', 'recovery-conf'],
  ['pg_hba.conf', 'pg-hba-conf'],
  ['pool_hba.conf', 'pg-hba-conf'],
  ['pcp.conf', 'pcp-conf'],
];

const OURS = new Set(EXPECTED_LANGUAGE.map(([, id]) => id));

suite('language ids', () => {
  let dir: string;

  suiteSetup(async () => {
    await activatedExtension();
    dir = mkdtempSync(join(tmpdir(), 'pgpool-languages-'));
  });

  for (const [fileName, languageId] of EXPECTED_LANGUAGE) {
    test(`${fileName} opens as ${languageId}`, async () => {
      const path = join(dir, fileName);
      writeFileSync(path, '# pgpool-cluster language test\n');
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      assert.equal(doc.languageId, languageId);
    });
  }

  test('an unrelated *.conf is not claimed by this extension', async () => {
    const path = join(dir, 'nginx.conf');
    writeFileSync(path, 'worker_processes 1;\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    assert.ok(!OURS.has(doc.languageId), `nginx.conf opened as ${doc.languageId}`);
  });
});
