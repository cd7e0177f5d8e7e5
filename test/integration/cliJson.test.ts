import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cliPath } from '../lab/labFixture';

/*
 * With --json every failure is `{"error":{"code","message","file?","line?","column?"}}` on stdout, with the same exit
 * code as without it, through the bundled CLI. The cluster file points at closed ports on this engineer's loopback
 * net (127.0.5.x), so nothing answers and nothing outside the machine is contacted.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'cli-json-'));
const good = path.join(dir, 'pgpool-cluster.yaml');
writeFileSync(good, `version: 1
clusters:
  - name: a
    pgpoolVersion: "4.3"
    postgresVersion: 15
    ssh: { user: postgres, port: 2222 }
    pgpool: [{ host: 127.0.5.250 }]
    nodes:
      - { name: n0, host: 127.0.5.251 }
      - { name: n1, host: 127.0.5.252 }
`);
const bad = path.join(dir, 'bad.yaml');
writeFileSync(bad, 'version: 1\nclusters:\n  - name: a\n    nodes:\n      - { host: "-oProxyCommand=x" }\n');

interface ErrorJson { error: { code: string; message: string; file?: string; line?: number; column?: number } }

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000, env: { ...process.env, PGPOOL_CLUSTER_FILE: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function jsonError(args: string[]): { code: number; error: ErrorJson['error']; plain: { code: number; stdout: string } } {
  const r = cli(args);
  const parsed = JSON.parse(r.stdout) as ErrorJson;
  assert.deepEqual(Object.keys(parsed), ['error'], r.stdout);
  const plain = cli(args.filter((a) => a !== '--json'));
  assert.equal(r.code, plain.code, 'the same exit code with and without --json');
  return { code: r.code, error: parsed.error, plain: { code: plain.code, stdout: plain.stdout } };
}

test('no cluster file: code no-cluster-file, the path, exit 2', () => {
  const missing = path.join(dir, 'none.yaml');
  for (const cmd of [['status'], ['promote', 'n1', '--dry-run'], ['check']]) {
    const r = jsonError([...cmd, '--json', '-f', missing]);
    assert.equal(r.code, 2, cmd.join(' '));
    assert.deepEqual(r.error, { code: 'no-cluster-file', message: `No cluster file at ${missing}. Create pgpool-cluster.yaml, pass --file, or set PGPOOL_CLUSTER_FILE.`, file: missing });
    assert.equal(r.plain.stdout, '', 'without --json stdout stays empty');
  }
});

test('a bad cluster file: code bad-cluster-file with the file, line and column of the first error', () => {
  const r = jsonError(['status', '--json', '-f', bad]);
  assert.equal(r.code, 2);
  assert.equal(r.error.code, 'bad-cluster-file');
  assert.equal(r.error.file, bad);
  assert.deepEqual([r.error.line, r.error.column], [5, 17]);
  assert.match(r.error.message, /is not a host name or address/);
});

test('an unknown cluster and a usage error are JSON errors with exit 2', () => {
  const unknown = jsonError(['status', '--json', '-f', good, '-c', 'nope']);
  assert.deepEqual(unknown.error, { code: 'unknown-cluster', message: 'No cluster named "nope"; the file defines: a.', file: good });
  const usage = jsonError(['recover', 'n1', '--json', '--method', 'magic', '-f', good]);
  assert.equal(usage.code, 2);
  assert.equal(usage.error.code, 'usage');
  assert.match(usage.error.message, /--method must be one of/);
  const node = jsonError(['promote', 'nope', '--dry-run', '--json', '-f', good]);
  assert.equal(node.code, 2);
  assert.equal(node.error.code, 'usage');
  assert.match(node.error.message, /^Cluster a has no node "nope" \(nodes: n\d/);
  const option = jsonError(['status', '--json', '--no-such-option']);
  assert.equal(option.code, 2);
  assert.deepEqual(option.error, { code: 'usage', message: "unknown option '--no-such-option' (see --help)" });
});

test('a refused operation: code refused with the reason, exit 3', () => {
  const r = jsonError(['promote', 'n1', '--dry-run', '--json', '-f', good]);
  assert.equal(r.code, 3);
  assert.equal(r.error.code, 'refused');
  assert.match(r.error.message, /n1 does not answer .*only a running standby can be promoted/);
});
