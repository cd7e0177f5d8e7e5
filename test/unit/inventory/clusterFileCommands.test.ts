/** `pgpool-cluster init` and `import-pgpool-conf`: what they write loads with the real parser; they never overwrite. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';
import { repoRoot } from '../conf/paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'pgc-clusterfile-'));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('init writes the starter file, which loads; a second init refuses and leaves it as it is', () => {
  const first = run('init');
  assert.equal(first.code, 0, first.stderr);
  const file = path.join(dir, 'pgpool-cluster.yaml');
  const text = readFileSync(file, 'utf8');
  assert.ok(parseClusterFile(text).ok);
  writeFileSync(file, `${text}# mine\n`);
  const again = run('init');
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists; init never overwrites a cluster file/);
  assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');
  assert.match(readFileSync(file, 'utf8'), /# mine\n$/);
  const other = run('init', '-o', 'other.yaml');
  assert.equal(other.code, 0, other.stderr);
});

test('import-pgpool-conf: the pgpool host from listen_addresses, --pgpool-host otherwise; -o never overwrites', () => {
  const conf = path.join(dir, 'pgpool.conf');
  writeFileSync(conf, "listen_addresses = '10.1.2.3'\nport = 9999\nbackend_hostname0 = 'db0.example'\nbackend_port0 = 5432\nbackend_data_directory0 = '/srv/pg'\n");
  const printed = run('import-pgpool-conf', conf, '--name', 'prod');
  assert.equal(printed.code, 0, printed.stderr);
  const parsed = parseClusterFile(printed.stdout);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const c = parsed.value.clusters[0]!;
  assert.deepEqual([c.name, c.pgpool[0]!.host, c.pgpool[0]!.configFile, c.nodes[0]!.host, c.nodes[0]!.dataDirectory], ['prod', '10.1.2.3', undefined, 'db0.example', '/srv/pg']);

  const star = path.join(dir, 'star.conf');
  writeFileSync(star, "listen_addresses = '*'\nbackend_hostname0 = 'db0.example'\n");
  const refused = run('import-pgpool-conf', star);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /listen_addresses = '\*' does not name one address .* Pass --pgpool-host HOST\./);
  const given = run('import-pgpool-conf', star, '--pgpool-host', 'pool.example', '-o', 'imported.yaml');
  assert.equal(given.code, 0, given.stderr);
  const written = readFileSync(path.join(dir, 'imported.yaml'), 'utf8');
  assert.match(written, /host: pool\.example/);
  const twice = run('import-pgpool-conf', star, '--pgpool-host', 'pool.example', '-o', 'imported.yaml');
  assert.equal(twice.code, 2);
  assert.equal(readFileSync(path.join(dir, 'imported.yaml'), 'utf8'), written);
  assert.equal(run('import-pgpool-conf', star, '--pgpool-host', '-oops').code, 2);
  assert.match(run('import-pgpool-conf', path.join(dir, 'missing.conf')).stderr, /Cannot read .*missing\.conf: no such file/);
});
