/** Paths that belong to their host: the cluster file's model, the examples users copy, and how a host resolves `~`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../conf/paths';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';
import { hostPassFile, isHostPath, withPassFileVariable } from '../../../src/core/inventory/hostPath';
import { confLinesArgv, replicationConninfo, confLiteral } from '../../../src/core/ops/engine/pgCommands';
import { cluster } from '../ops/fixtures';

/** Every ```yaml block of a markdown file. */
function yamlBlocks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

test('every YAML example in README.md and the walkthrough parses with the real parser', () => {
  const files = [path.join(repoRoot, 'README.md'),
    ...readdirSync(path.join(repoRoot, 'media', 'walkthrough')).filter((f) => f.endsWith('.md')).map((f) => path.join(repoRoot, 'media', 'walkthrough', f))];
  let count = 0;
  for (const f of files) {
    for (const block of yamlBlocks(f)) {
      count++;
      const r = parseClusterFile(block, { homeDir: '/home/u', baseDir: '/work' });
      assert.ok(r.ok, `${path.relative(repoRoot, f)} example ${count}: ${JSON.stringify(!r.ok && r.errors)}`);
    }
  }
  assert.ok(count >= 1, 'README.md has at least one cluster file example');
});

test('pass files on hosts: ~/... is kept for the host, never expanded against the workstation home', () => {
  const text = `version: 1
clusters:
  - name: c
    database: { passfile: ~/.pgpass }
    pgpool: [{ host: p, pcpPassFile: ~/.pcppass }]
    nodes:
      - { host: a, pgpassFile: ~/conf/pgpass }
      - { host: b, pgpassFile: /etc/pg/pgpass }
      - { host: c }
`;
  const r = parseClusterFile(text, { homeDir: '/home/workstation-user' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const c = r.value.clusters[0]!;
  assert.equal(c.database.passfile, '/home/workstation-user/.pgpass', 'the workstation file is the workstation\'s');
  assert.equal(c.pgpool[0]!.pcpPassFile, '~/.pcppass');
  assert.deepEqual(c.nodes.map((n) => n.pgpassFile), ['~/conf/pgpass', '/etc/pg/pgpass', undefined]);
});

test('pass files on hosts: relative, other users\' homes, .. and shell characters are refused with advice', () => {
  for (const bad of ['pgpass', '~root/.pgpass', '~/../x', '~/a b', '~/$(id)', '~/`x`', "~/a'b", '~']) {
    const r = parseClusterFile(`version: 1\nclusters:\n  - name: c\n    nodes: [{ host: a, pgpassFile: ${JSON.stringify(bad)} }]\n`);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.errors[0]!.message, /must be a path on that host: absolute, or ~\/\.\.\./, bad);
    assert.equal(isHostPath(bad), false, bad);
  }
  for (const good of ['/x', '~/.pcppass', '~/a/b.c-d_e']) assert.equal(isHostPath(good), true, good);
});

test('PGPASSFILE / PCPPASSFILE: none for the default, env for an absolute path, $HOME expanded on the host for ~/...', () => {
  const argv = ['printenv', 'PCPPASSFILE'];
  assert.deepEqual(withPassFileVariable('PCPPASSFILE', hostPassFile(undefined, '.pcppass'), argv), argv);
  assert.deepEqual(withPassFileVariable('PCPPASSFILE', hostPassFile('~/.pcppass', '.pcppass'), argv), argv);
  assert.deepEqual(withPassFileVariable('PCPPASSFILE', hostPassFile('/etc/x', '.pcppass'), argv), ['env', 'PCPPASSFILE=/etc/x', ...argv]);
  const home = withPassFileVariable('PCPPASSFILE', hostPassFile('~/pcp/pass', '.pcppass'), argv);
  assert.equal(home[0], 'sh');
  // Run it as a host would: the user's HOME there, not this process's.
  const out = execFileSync(home[0]!, home.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: '/var/lib/postgresql' }, encoding: 'utf8' });
  assert.equal(out.trim(), '/var/lib/postgresql/pcp/pass');
});

test('primary_conninfo: no passfile for ~/.pgpass, the absolute one as given, $HOME/... resolved by the script on the host', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hostpaths-'));
  try {
    const base = cluster('15', '4.3');
    const primary = base.nodes[0]!;
    assert.equal(replicationConninfo(base, primary, base.nodes[1]!), 'host=10.0.0.11 port=5432 user=repl application_name=db1');
    const abs = { ...base.nodes[1]!, pgpassFile: '/etc/pg/pass' };
    assert.equal(replicationConninfo(base, primary, abs), 'host=10.0.0.11 port=5432 user=repl application_name=db1 passfile=/etc/pg/pass');
    const rel = { ...base.nodes[1]!, pgpassFile: '~/conf/pgpass' };
    const file = path.join(dir, 'postgresql.auto.conf');
    const argv = confLinesArgv(rel, 'append', file, [`primary_conninfo = ${confLiteral(replicationConninfo(base, primary, rel, true))}`, "x = 'y'"]);
    execFileSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: '/home/pg' } });
    assert.equal(readFileSync(file, 'utf8'), "primary_conninfo = 'host=10.0.0.11 port=5432 user=repl application_name=db1 passfile=/home/pg/conf/pgpass'\nx = 'y'\n");
    // A home that libpq would need quoted is refused with advice, and nothing is written.
    const bad = spawnSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: "/home/o'brien" }, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /set pgpassFile to a simpler absolute path/);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
