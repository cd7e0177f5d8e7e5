import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';
import type { InventoryError } from '../../../src/core/inventory/model';

const fixture = readFileSync(path.join(__dirname, '../../../../test/fixtures/inventory/lab.yaml'), 'utf8');

function errorsOf(text: string): InventoryError[] {
  const r = parseClusterFile(text, { homeDir: '/home/u' });
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : [...r.errors];
}

test('the lab-shaped file parses with defaults and per-host ssh overrides', () => {
  const r = parseClusterFile(fixture, { homeDir: '/home/u' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const c = r.value.clusters[0]!;
  assert.equal(c.name, 'lab');
  assert.equal(c.postgresVersion, '15');
  assert.equal(c.pgpoolVersion, '4.3');
  assert.equal(c.ssh.identityFile, '/home/u/keys/id_ed25519');
  assert.deepEqual(c.database, { user: 'postgres', name: 'postgres', passfile: '/lab/pgpass', sslmode: 'prefer' });
  assert.equal(c.pgpool[0]!.pcpPort, 9898);
  assert.equal(c.nodes.length, 3);
  assert.equal(c.nodes[1]!.port, 5432, 'port defaults to 5432');
  assert.equal(c.nodes[1]!.ssh.port, 2223, 'host ssh overrides the cluster default');
  assert.equal(c.nodes[1]!.ssh.user, 'postgres', 'other ssh fields are inherited');
  assert.equal(c.nodes[2]!.ssh.sudoUser, 'postgres');
});

test('relative local paths resolve against the file directory; remote paths must be absolute', () => {
  const ok = parseClusterFile('version: 1\nclusters:\n  - name: a\n    database: { passfile: pgpass }\n    nodes: [{ host: h }]\n', { baseDir: '/work/x' });
  assert.ok(ok.ok);
  assert.equal(ok.value.clusters[0]!.database.passfile, '/work/x/pgpass');
  const errs = errorsOf('version: 1\nclusters:\n  - name: a\n    nodes:\n      - host: h\n        dataDirectory: data\n');
  assert.match(errs[0]!.message, /absolute path/);
  assert.deepEqual([errs[0]!.line, errs[0]!.column], [6, 24]);
});

test('a password key is refused with its line and column and advice', () => {
  const errs = errorsOf('version: 1\nclusters:\n  - name: a\n    ssh:\n      user: x\n      password: hunter2\n    nodes: [{ host: h }]\n');
  assert.equal(errs.length, 1);
  assert.deepEqual([errs[0]!.line, errs[0]!.column], [6, 7]);
  assert.match(errs[0]!.message, /never holds secrets/);
  assert.match(errs[0]!.message, /pgpass/);
  const e2 = errorsOf('version: 1\nclusters:\n  - name: a\n    nodes: [{ host: h }]\n    pgpool: [{ host: p, pcpPassword: x }]\n');
  assert.match(e2[0]!.message, /secret/);
  const e3 = errorsOf('version: 1\nclusters:\n  - name: a\n    ssh: { passphrase: x }\n    nodes: [{ host: h }]\n');
  assert.match(e3[0]!.message, /passphrase/);
});

test('bad values name the key, the expectation, line and column', () => {
  const text = [
    'version: 1', 'clusters:', '  - name: a', '    nodes:', '      - host: h1', '        port: 99999',
    '      - host: h2', '        prot: 5432', '    database: { sslmode: sometimes }',
  ].join('\n');
  const errs = errorsOf(text);
  const byPath = Object.fromEntries(errs.map((e) => [e.path, e]));
  assert.match(byPath['clusters[0].nodes[0].port']!.message, /1 to 65535/);
  assert.equal(byPath['clusters[0].nodes[0].port']!.line, 6);
  assert.equal(byPath['clusters[0].nodes[0].port']!.column, 15);
  assert.match(byPath['clusters[0].nodes[1].prot']!.message, /Unknown key "prot".*port/);
  assert.equal(byPath['clusters[0].nodes[1].prot']!.line, 8);
  assert.match(byPath['clusters[0].database.sslmode']!.message, /prefer/);
});

test('duplicate ids, names and missing parts are reported', () => {
  const errs = errorsOf('version: 1\nclusters:\n  - name: a\n    nodes:\n      - { id: 0, host: h1 }\n      - { id: 0, host: h2 }\n  - name: a\n    nodes: []\n');
  const msgs = errs.map((e) => e.message).join('\n');
  assert.match(msgs, /pgpool id 0/);
  assert.match(msgs, /Two clusters are named "a"/);
  assert.match(msgs, /nodes is empty/);
  assert.match(errorsOf('clusters: []\n')[0]!.message, /version: 1/);
  assert.match(errorsOf('version: 2\nclusters:\n  - name: a\n    nodes: [{host: h}]\n')[0]!.message, /Only "version: 1"/);
  assert.match(errorsOf('version: 1\nclusters:\n  - nodes: [{host: h}]\n')[0]!.message, /needs a "name"/);
  assert.match(errorsOf('version: 1\nclusters:\n  - name: a\n    nodes: [{ port: 1 }]\n')[0]!.message, /needs a "host"/);
});

test('YAML syntax errors carry a position', () => {
  const errs = errorsOf('version: 1\nclusters:\n  - name: a\n    nodes: [ { host: h\n');
  assert.match(errs[0]!.message, /YAML syntax/);
  assert.ok(errs[0]!.line >= 4);
});

test('a file that is not a mapping says so', () => {
  assert.match(errorsOf('- a\n- b\n')[0]!.message, /must be a mapping/);
  assert.match(errorsOf('version: 1\nclusters: nope\n')[0]!.message, /must be a list/);
});
