import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixturesDir, repoRoot } from './paths';

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'lint', ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'pgpool-lint-'));
const clean = path.join(dir, 'clean.pgpool.conf');
writeFileSync(clean, "# pgpool-cluster: pgpool=4.4\nport = 9999\n");
const warnOnly = path.join(dir, 'warn.pgpool.conf');
writeFileSync(warnOnly, "listen_adresses = '*'\n");
const broken = path.join(fixturesDir, 'values', 'values.pgpool.conf');

test('text output is file:line:col: severity code: message and exit 1 on errors', () => {
  const r = run(broken);
  assert.equal(r.code, 1, r.stderr);
  const first = r.stdout.split('\n')[0] ?? '';
  assert.equal(first, `${broken}:2:8: error pgpool/value-out-of-range: 80 is outside the valid range of port: 1024 .. 65535.`);
});

test('exit 0 with no findings and with warnings only', () => {
  const a = run(clean);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, '');
  const b = run(warnOnly);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /warning pgpool\/unknown-parameter/);
});

test('json output is 1-based with end positions', () => {
  const r = run('--format', 'json', broken);
  assert.equal(r.code, 1, r.stderr);
  const items = JSON.parse(r.stdout) as { file: string; line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }[];
  assert.deepEqual(items[0], { file: broken, line: 2, column: 8, endLine: 2, endColumn: 10, severity: 'error', code: 'pgpool/value-out-of-range', message: '80 is outside the valid range of port: 1024 .. 65535.' });
});

test('sarif output is SARIF 2.1.0 with rules and locations', () => {
  const r = run('--format', 'sarif', broken, warnOnly);
  assert.equal(r.code, 1, r.stderr);
  const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  assert.equal(log.version, '2.1.0');
  const run0 = log.runs[0];
  assert.ok(run0);
  assert.ok(run0.tool.driver.rules.some((x) => x.id === 'pgpool/value-out-of-range'));
  assert.ok(run0.results.some((x) => x.ruleId === 'pgpool/unknown-parameter' && x.level === 'warning'));
  assert.equal(run0.results[0]?.locations[0]?.physicalLocation.region.startLine, 2);
});

test('version options change the verdict', () => {
  const f = path.join(dir, 'old.pgpool.conf');
  writeFileSync(f, "follow_master_command = '/bin/true'\n");
  assert.equal(run('--pgpool-version', '4.1', f).stdout, '');
  assert.match(run('--pgpool-version', '4.2', f).stdout, /renamed-parameter/);
});

test('usage errors exit 2', () => {
  assert.equal(run('--format', 'xml', clean).code, 2);
  assert.equal(run(path.join(dir, 'missing.pgpool.conf')).code, 2);
  assert.equal(run(path.join(dir, 'notes.txt')).code, 2);
  assert.equal(run().code, 2);
});

test('files of one cluster are cross-checked together', () => {
  const files = ['pgpool.conf', 'postgresql.conf', 'pg_hba.conf'].map((f) => path.join(fixturesDir, 'crossfile', f));
  const r = run(...files);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /postgresql\.conf:1:13: error cross\/wal-level-minimal/);
});

test('sarif locations are relative to the repository (%SRCROOT%) for code scanning; files outside it stay absolute file:// URIs', () => {
  const r = run('--format', 'sarif', broken, warnOnly);
  type Loc = { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } };
  const log = JSON.parse(r.stdout) as { runs: { originalUriBaseIds: Record<string, { uri: string }>; results: { locations: Loc[] }[] }[] };
  const run0 = log.runs[0]!;
  assert.equal(run0.originalUriBaseIds['%SRCROOT%']?.uri, pathToFileURL(`${repoRoot}/`).href);
  assert.match(run0.originalUriBaseIds['%SRCROOT%']!.uri, /\/$/, 'a base URI ends with "/"');
  const locations = run0.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation);
  assert.equal(path.relative(repoRoot, broken), 'test/fixtures/conf/values/values.pgpool.conf');
  assert.ok(locations.some((l) => l.uri === path.relative(repoRoot, broken).split(path.sep).join('/') && l.uriBaseId === '%SRCROOT%'), JSON.stringify(locations[0]));
  const outside = locations.find((l) => l.uri.endsWith('warn.pgpool.conf'));
  assert.deepEqual(outside, { uri: pathToFileURL(warnOnly).href });
  assert.ok(!locations.some((l) => l.uriBaseId && (l.uri.startsWith('/') || l.uri.includes('..'))), 'relative URIs never climb out of the root');
});

test('lint --format json|sarif: a file it cannot read is a JSON error on stdout with exit 2', () => {
  const missing = path.join(dir, 'missing.pgpool.conf');
  for (const format of ['json', 'sarif']) {
    const r = run('--format', format, missing);
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'bad-file', message: `${missing}: no such file`, file: missing } });
  }
});
