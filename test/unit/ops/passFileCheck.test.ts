/** check's pass-file cells: the script runs for real in sh; no password ever comes back from the host. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { matchingEntry } from '../../../src/core/db/passFileEntries';
import { hostPassFile } from '../../../src/core/inventory/hostPath';
import { judgePassFile, nodeLookups, parsePassFileFields, readPassFileFieldsArgv } from '../../../src/core/ops/preflight/passFileCheck';
import { auditRecord } from '../../../src/core/ops/engine/audit';
import { planToJson, renderPlan } from '../../../src/core/ops/engine/plan';
import { withPcpPassEntry } from '../../../src/core/ops/setup/sshTrust';
import { cluster, HEALTHY, status, setupPlanFor } from './fixtures';

const SECRET = 'S3cr3t-pw';
const me = os.userInfo().username;

function onHost(argv: readonly string[], home: string): string {
  return execFileSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '', HOME: home }, encoding: 'utf8' });
}

test('libpq and pcp wildcard rules: first match, * anywhere, escapes, replication database, sockets as localhost', () => {
  const pg = `# comment:with:colons:x:y\n10.0.0.11:5432:replication:repl:${SECRET}\n*:*:postgres:postgres:${SECRET}\nh\\:1:5432:*:u:${SECRET}\nlocalhost:5432:*:sock:${SECRET}\n`;
  assert.ok(matchingEntry(pg, 'pgpass', { host: '10.0.0.11', port: 5432, database: 'replication', user: 'repl' }));
  assert.equal(matchingEntry(pg, 'pgpass', { host: '10.0.0.12', port: 5432, database: 'replication', user: 'repl' }), undefined);
  assert.equal(matchingEntry(pg, 'pgpass', { host: '10.0.0.11', port: 5433, database: 'replication', user: 'repl' }), undefined);
  assert.ok(matchingEntry(pg, 'pgpass', { host: 'any', port: 1, database: 'postgres', user: 'postgres' }));
  assert.equal(matchingEntry(pg, 'pgpass', { host: 'any', port: 1, database: 'template1', user: 'postgres' }), undefined);
  assert.ok(matchingEntry(pg, 'pgpass', { host: 'h:1', port: 5432, database: 'x', user: 'u' }));
  assert.ok(matchingEntry(pg, 'pgpass', { host: '/var/run/postgresql', port: 5432, database: 'x', user: 'sock' }));
  assert.ok(matchingEntry(`*:9898:pcpadmin:${SECRET}\n`, 'pcppass', { host: '10.0.0.10', port: 9898, user: 'pcpadmin' }));
  assert.equal(matchingEntry(`*:9898:pcpadmin:${SECRET}\n`, 'pcppass', { host: '10.0.0.10', port: 9898, user: 'postgres' }), undefined);
});

test('the host strips every password: only host:port:database:user come back, malformed lines not at all', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'passcheck-'));
  try {
    writeFileSync(path.join(home, '.pgpass'), `10.0.0.13:5432:replication:repl:${SECRET}\n*:*:postgres:postgres:pa\\:${SECRET}\nbroken:line:${SECRET}\n# note ${SECRET}\n`, { mode: 0o600 });
    const out = onHost(readPassFileFieldsArgv(hostPassFile(undefined, '.pgpass'), '.pgpass', 4), home);
    assert.ok(!out.includes(SECRET), out);
    const r = parsePassFileFields(out)!;
    assert.deepEqual([r.path, r.exists, r.mode, r.owner, r.reader], [path.join(home, '.pgpass'), true, 0o600, me, me]);
    const c = cluster('15', '4.3');
    const db1 = c.nodes[1]!;
    // db1 needs replication and superuser entries for db0 and db2: repl only for db2 is there (and postgres/* for all).
    const v = judgePassFile(r, 'pgpass', nodeLookups(c, db1), 'db1', 'Add them');
    assert.equal(v.ok, false);
    assert.match(v.detail, /no entry for 10\.0\.0\.11:5432:replication:repl$/);
    assert.ok(!v.detail.includes(SECRET) && !(v.fix ?? '').includes(SECRET));
    assert.equal(judgePassFile(r, 'pgpass', nodeLookups(c, c.nodes[0]!), 'db0', 'Add').ok, false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('missing file, group-readable file and a ~/ path under the host user\'s home are reported with fixes', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'passcheck-'));
  try {
    const missing = parsePassFileFields(onHost(readPassFileFieldsArgv(hostPassFile('~/pcp/pass', '.pcppass'), '.pcppass', 3), home))!;
    assert.deepEqual([missing.path, missing.exists], [path.join(home, 'pcp/pass'), false]);
    const m = judgePassFile(missing, 'pcppass', [{ host: 'p', port: 9898, user: 'pcpadmin' }], 'pgpool', 'Add the line');
    assert.equal(m.ok, false);
    assert.match(m.detail, /pcp\/pass on pgpool does not exist/);
    mkdirSync(path.join(home, 'pcp'));
    writeFileSync(path.join(home, 'pcp/pass'), `*:9898:pcpadmin:${SECRET}\n`);
    chmodSync(path.join(home, 'pcp/pass'), 0o640);
    const out = onHost(readPassFileFieldsArgv(hostPassFile('~/pcp/pass', '.pcppass'), '.pcppass', 3), home);
    assert.ok(!out.includes(SECRET));
    const loose = judgePassFile(parsePassFileFields(out)!, 'pcppass', [{ host: 'p', port: 9898, user: 'pcpadmin' }], 'pgpool', 'Add the line');
    assert.equal(loose.ok, false);
    assert.match(loose.detail, /mode 0640/);
    assert.match(loose.fix ?? '', /chmod 0600/);
    chmodSync(path.join(home, 'pcp/pass'), 0o600);
    const good = judgePassFile(parsePassFileFields(onHost(readPassFileFieldsArgv(hostPassFile('~/pcp/pass', '.pcppass'), '.pcppass', 3), home))!, 'pcppass', [{ host: 'p', port: 9898, user: 'pcpadmin' }], 'pgpool', 'Add');
    assert.equal(good.ok, true, good.detail);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('setup-replication stores the replication password in each node\'s own pass file: stdin only, first line, atomic 0600', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'passput-'));
  try {
    const pw = 'n3w:p@ss\\word';
    const c = cluster('15', '4.3');
    const plan = setupPlanFor({ cluster: c, status: status(c, HEALTHY) }, 'db2', { replicationPassword: pw, salt: Buffer.alloc(16, 1) });
    assert.ok(plan.ok);
    const puts = plan.plan.steps.filter((s) => s.id.startsWith('passfile-'));
    assert.deepEqual(puts.map((s) => s.id), ['passfile-db2', 'passfile-db0', 'passfile-db1']);
    const shown = [renderPlan(plan.plan), JSON.stringify(planToJson(plan.plan)), JSON.stringify(auditRecord(plan.plan, 'test', undefined))].join('\n');
    assert.ok(!shown.includes('n3w'), 'the password is never shown, put in --json or audited');
    assert.match(renderPlan(plan.plan), /< \(secret, not shown\)/);
    const a = puts[0]!.action;
    assert.ok(a.kind === 'ssh' && a.stdinSecret !== undefined && !a.argv.some((w) => w.includes('n3w')));
    // Run the step's script as the host would, on an existing file with an older entry for the same role.
    const file = path.join(home, '.pgpass');
    writeFileSync(file, `*:*:replication:repl:old\n10.0.0.11:5432:postgres:postgres:keep\n`, { mode: 0o644 });
    if (a.kind === 'ssh') execFileSync(a.argv[0]!, a.argv.slice(1), { input: a.stdinSecret, env: { PATH: process.env.PATH ?? '', HOME: home } });
    assert.equal(readFileSync(file, 'utf8'), '*:*:replication:repl:n3w\\:p@ss\\\\word\n10.0.0.11:5432:postgres:postgres:keep\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(home), ['.pgpass'], 'no temporary file left behind');
    // A second run finds the line first already and writes nothing.
    const before = statSync(file).mtimeMs;
    const inode = statSync(file).ino;
    if (a.kind === 'ssh') execFileSync(a.argv[0]!, a.argv.slice(1), { input: a.stdinSecret, env: { PATH: process.env.PATH ?? '', HOME: home } });
    assert.deepEqual([statSync(file).mtimeMs, statSync(file).ino], [before, inode]);
    assert.ok(matchingEntry(readFileSync(file, 'utf8'), 'pgpass', { host: '10.0.0.11', port: 5432, database: 'replication', user: 'repl' }));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('setup-ssh-trust with a pcp password writes the pgpool host\'s own ~/.pcppass there (the workstation file is never copied)', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pcpput-'));
  try {
    const c = { ...cluster('15', '4.3') };
    const hostDefault = { ...c, pgpool: c.pgpool.map(({ pcpPassFile: _p, ...p }) => p) };
    const base = { ok: true as const, plan: { operation: 'setup-ssh-trust' as const, cluster: 'c1', node: 'all hosts', summary: 's', steps: [], warnings: [], destructive: false, verify: [], versions: { postgres: '15', pgpool: '4.3' } } };
    const built = withPcpPassEntry(base, hostDefault, 'pcp-S3cret');
    assert.ok(built.ok);
    if (!built.ok) return;
    const step = built.plan.steps[0]!;
    assert.equal(step.title, "Store pcpadmin's pcp password in ~/.pcppass (the remote user's home on pgpool)");
    assert.ok(!renderPlan(built.plan).includes('S3cret') && !JSON.stringify(planToJson(built.plan)).includes('S3cret'));
    if (step.action.kind === 'ssh') execFileSync(step.action.argv[0]!, step.action.argv.slice(1), { input: step.action.stdinSecret, env: { PATH: process.env.PATH ?? '', HOME: home } });
    assert.equal(readFileSync(path.join(home, '.pcppass'), 'utf8'), '*:9898:pcpadmin:pcp-S3cret\n');
    assert.equal(statSync(path.join(home, '.pcppass')).mode & 0o777, 0o600);
    assert.equal(withPcpPassEntry(base, hostDefault, undefined), base, 'no password: nothing to write');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
