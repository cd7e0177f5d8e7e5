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

const one = (cluster: string, node = 'host: h'): string => `version: 1\nclusters:\n  - name: a\n${cluster}    nodes:\n      - { ${node} }\n`;

test('a version written as a plain number keeps the text written (4.10 is not 4.1); numbers are refused where text is meant', () => {
  const r = parseClusterFile(one('    pgpoolVersion: 4.10\n    postgresVersion: 15\n'));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.value.clusters[0]!.pgpoolVersion, '4.10');
  assert.equal(r.value.clusters[0]!.postgresVersion, '15');
  assert.match(errorsOf(one('    pgpoolVersion: 0x1F\n'))[0]!.message, /pgpoolVersion must look like/);
  const numberName = errorsOf(one('    replication: { user: 1234 }\n'));
  assert.match(numberName[0]!.message, /replication\.user must be text, but YAML reads 1234 as a number: write it in quotes \("1234"\)/);
  assert.match(errorsOf(one('', 'host: h, name: 0755'))[0]!.message, /nodes\[0\]\.name must be text, but YAML reads 0755 as a number/);
  assert.match(errorsOf(one('', 'host: true'))[0]!.message, /host must be text, but YAML reads true as a true\/false value/);
  const quoted = parseClusterFile(one('    replication: { user: "1234" }\n'));
  assert.ok(quoted.ok && quoted.value.clusters[0]!.replication.user === '1234');
});

test('host names may not start with "-" (they would read as an option of ssh or pg_basebackup)', () => {
  for (const h of ['-oProxyCommand=x', '-h']) assert.match(errorsOf(one('', `host: "${h}"`))[0]!.message, /is not a host name or address/, h);
  for (const h of ['db-1.example', '10.0.0.1', '[::1]', 'fe80::1%eth0']) assert.ok(parseClusterFile(one('', `host: "${h}"`)).ok, h);
});

test('names and users are checked against patterns: a quote, a space or a leading "-" is refused with the rule', () => {
  const cases: [string, string, RegExp][] = [
    ['', "host: h, name: \"o'brien\"", /nodes\[0\]\.name "o'brien" is not allowed: use letters, digits/],
    ['', 'host: h, name: "db 1"', /nodes\[0\]\.name "db 1" is not allowed/],
    ['', 'host: h, name: "-x"', /nodes\[0\]\.name "-x" is not allowed/],
    ['', `host: h, name: ${'n'.repeat(64)}`, /at most 63 characters/],
    ["    replication: { user: \"re'pl\" }\n", 'host: h', /replication\.user "re'pl" is not allowed: a user name/],
    ['    database: { user: "a\\\\b" }\n', 'host: h', /database\.user "a\\b" is not allowed/],
    ["    pgpool: [{ host: p, pcpUser: \"x'y\" }]\n", 'host: h', /pgpool\[0\]\.pcpUser "x'y" is not allowed/],
    ['    pgpool: [{ host: p, name: "pg pool" }]\n', 'host: h', /pgpool\[0\]\.name "pg pool" is not allowed/],
  ];
  for (const [cluster, node, re] of cases) assert.match(errorsOf(one(cluster, node)).map((e) => e.message).join('\n'), re);
  assert.match(errorsOf('version: 1\nclusters:\n  - name: "prod cluster"\n    nodes: [{ host: h }]\n')[0]!.message, /clusters\[0\]\.name "prod cluster" is not allowed/);
});

test('a cluster file over 1 MiB is refused before parsing, saying the limit', () => {
  const big = `${one('')}#${'x'.repeat(1024 * 1024)}\n`;
  const errs = errorsOf(big);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /the limit is 1048576 bytes \(1 MiB\)/);
});

test('duplicate checks stay linear: 128 nodes with distinct ids, and a duplicate among them is still found', () => {
  const nodes = Array.from({ length: 128 }, (_, i) => `      - { name: n${i}, id: ${i}, host: h${i} }`);
  const ok = parseClusterFile(`version: 1\nclusters:\n  - name: a\n    nodes:\n${nodes.join('\n')}\n`);
  assert.ok(ok.ok && ok.value.clusters[0]!.nodes.length === 128);
  const dup = [...nodes.slice(0, 127), '      - { name: n5, id: 127, host: hx }'];
  assert.match(errorsOf(`version: 1\nclusters:\n  - name: a\n    nodes:\n${dup.join('\n')}\n`)[0]!.message, /Two nodes are named "n5"/);
  const addr = [...nodes.slice(0, 127), '      - { name: z, id: 127, host: h3 }'];
  assert.match(errorsOf(`version: 1\nclusters:\n  - name: a\n    nodes:\n${addr.join('\n')}\n`)[0]!.message, /Two nodes are at h3:5432/);
});

test('the JSON schema\'s patterns accept and refuse the same names, users and hosts as the parser', () => {
  const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../../schemas/pgpool-cluster.schema.json'), 'utf8'));
  const c = schema.properties.clusters.items.properties;
  const patterns: [string, string, (v: string) => string][] = [
    ['node name', c.nodes.items.properties.name.pattern, (v) => one('', `host: h, name: ${JSON.stringify(v)}`)],
    ['node host', c.nodes.items.properties.host.pattern, (v) => one('', `host: ${JSON.stringify(v)}`)],
    ['replication user', c.replication.properties.user.pattern, (v) => one(`    replication: { user: ${JSON.stringify(v)} }\n`)],
    ['ssh user', schema.definitions.ssh.properties.user.pattern, (v) => one(`    ssh: { user: ${JSON.stringify(v)} }\n`)],
  ];
  const samples = ['db1', 'db-1.x', "o'b", 'a b', '-x', '_x', 'x@y', '[::1]', 'a\\b', 'n'.repeat(64), '.x'];
  for (const [what, pattern, file] of patterns) {
    for (const v of samples) assert.equal(new RegExp(pattern).test(v), parseClusterFile(file(v)).ok, `${what} ${JSON.stringify(v)}`);
  }
});
