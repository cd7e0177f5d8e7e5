/**
 * Configure pgpool edits the files pgpool runs with instead of replacing them: a hand-written pgpool.conf
 * (comments, SSL, watchdog, memory cache, stored passwords, a duplicate key) keeps every line it does not
 * manage; a second run changes nothing; pool_hba.conf and pcp.conf keep what the tool does not own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConf } from '../../../src/core/conf/parser';
import { buildConfigurePgpoolPlan, fileKey, type CurrentFiles } from '../../../src/core/ops/setup/configurePgpool';
import type { PgpoolPaths } from '../../../src/core/ops/setup/configurePgpoolDiscovery';
import { editPcpConf, editPoolHba } from '../../../src/core/ops/setup/pgpoolConfig/editAuthFiles';
import { DUPLICATE_PREFIX, editPgpoolConf, MANAGED_BLOCK_MARKER } from '../../../src/core/ops/setup/pgpoolConfig/editPgpoolConf';
import { repoRoot } from '../conf/paths';
import { cluster, HEALTHY, status } from './fixtures';

const FIXTURE = readFileSync(join(repoRoot, 'test', 'fixtures', 'ops', 'handwritten.pgpool.conf'), 'utf8');
const CONF = '/srv/pgpool/etc/pgpool.conf';
const HBA = '/srv/pgpool/etc/pool_hba.conf';
const PCP = '/srv/pgpool/etc/pcp.conf';
const PATHS: PgpoolPaths = { configFile: CONF, hbaFile: HBA, pcpFile: PCP, source: 'discovered: /srv/pgpool/etc/pgpool.conf from pid 4242 (pgpool -f)', pid: 4242, clientAddress: '10.0.0.99' };
const USER_HBA = `# TYPE  DATABASE  USER  ADDRESS  METHOD
local   all  all                 trust
host    all  app   10.1.0.0/16   scram-sha-256
host    all  all   0.0.0.0/0     reject
`;
const USER_FAILOVER = '#!/bin/sh\n# our own failover script\nexit 0\n';

function currentFiles(files: Record<string, string>, paths: PgpoolPaths = PATHS): CurrentFiles {
  const m = new Map<string, string | undefined>(Object.entries(files).map(([p, text]) => [fileKey('pgpool', p), text]));
  return Object.assign(m, { paths });
}

const c43 = cluster('15', '4.3');

function built(files: Record<string, string>, options: { profile?: 'fast' | 'balanced'; pcpPassword?: string } = {}) {
  const r = buildConfigurePgpoolPlan({ cluster: c43, status: status(c43, HEALTHY), options: { now: new Date(0), ...options } }, currentFiles(files));
  if (!r.ok) assert.fail(r.reason);
  return r;
}

/** Lines of `before` missing from `after` and the reverse (a multiset difference keeps duplicates apart). */
function lineDelta(before: string, after: string): { removed: string[]; added: string[] } {
  const count = new Map<string, number>();
  for (const l of before.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of after.split('\n')) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1); else added.push(l);
  }
  const removed = [...count.entries()].flatMap(([l, n]) => Array<string>(n).fill(l));
  return { removed, added };
}

const nameOf = (line: string): string | undefined => parseConf(line.startsWith(DUPLICATE_PREFIX) ? line.slice(DUPLICATE_PREFIX.length) : line, 'pgpool').entries[0]?.name;

test('the hand-written pgpool.conf differs only in managed lines; comments, SSL, watchdog, memqcache and passwords stay', () => {
  const r = built({ [CONF]: FIXTURE }, { profile: 'balanced' });
  const after = r.files.find((f) => f.path === CONF)?.content ?? '';
  const managed = new Set(r.changes.map((ch) => ch.name));
  const { removed, added } = lineDelta(FIXTURE, after);
  assert.ok(removed.length > 0 && added.length > 0, 'something changed');
  for (const l of removed) assert.ok(managed.has(nameOf(l) ?? ''), `removed an unmanaged line: ${l}`);
  for (const l of added) {
    if (l === '' || l.startsWith('# ')) continue;
    assert.ok(managed.has(nameOf(l) ?? ''), `added an unmanaged line: ${l}`);
  }
  for (const keep of [
    "ssl_ciphers = 'HIGH:MEDIUM:+3DES:!aNULL'", 'use_watchdog = on', "heartbeat_hostname0 = '10.0.0.10'", 'memqcache_total_size = 64MB',
    "health_check_password = 'AESdGhpcyBpcyBub3QgYSByZWFsIHNlY3JldA=='", "sr_check_password = 'AESc3RpbGwgbm90IGEgcmVhbCBzZWNyZXQ='",
    "listen_addresses = '10.0.0.10'      # the service address only", 'num_init_children = 64              # sized for the app servers',
    "backend_flag1 = 'DISALLOW_TO_FAILOVER'", 'backend_weight1 = 2                 # the bigger machine', '# Local overrides, added during an incident:',
  ]) assert.ok(after.split('\n').includes(keep), `kept: ${keep}`);
  // The last health_check_period (the one pgpool reads) is written in place; the earlier one is commented out.
  assert.match(after, /^health_check_period = 5$/m);
  assert.ok(after.includes(`${DUPLICATE_PREFIX}health_check_period = 10`));
  assert.match(after, /^backend_application_name0 = 'db0'$/m, 'a managed value is replaced where it is');
  assert.match(after, /^failover_on_backend_error = on$/m);
  // Missing managed parameters go to one marked block: node 2 and the 4.3 recovery settings.
  const block = after.slice(after.indexOf(MANAGED_BLOCK_MARKER));
  assert.match(block, /^backend_hostname2 = '10\.0\.0\.13'$/m);
  assert.match(block, /^connect_timeout = 3000$/m);
  const byName = new Map(r.changes.map((ch) => [ch.name, ch]));
  assert.equal(byName.get('health_check_timeout')?.kind, 'changed');
  assert.equal(byName.get('health_check_timeout')?.old, '20');
  assert.equal(byName.get('num_init_children')?.kind, 'kept');
  assert.equal(byName.get('backend_hostname2')?.kind, 'added');
  assert.equal(byName.get('port')?.kind, 'unchanged');
  assert.equal(byName.get('health_check_period')?.duplicatesCommented, 1);
});

test('the plan lists each managed parameter and where the file was found; the diff has only managed lines; no stored password shown', () => {
  const r = built({ [CONF]: FIXTURE }, { profile: 'balanced' });
  assert.match(r.plan.summary, /discovered: \/srv\/pgpool\/etc\/pgpool\.conf from pid 4242/);
  assert.match(r.plan.summary, /health_check_timeout: '20' -> '5'/);
  assert.match(r.plan.summary, /backend_hostname2: added = '10\.0\.0\.13'/);
  assert.match(r.plan.summary, /num_init_children: left alone \(site value '64'\)/);
  assert.match(r.plan.summary, /port: left alone \(already '9999'\)/);
  assert.doesNotMatch(r.plan.summary + r.diff, /AESdGhp|AESc3Rp/);
  const confDiff = r.diff.slice(r.diff.indexOf(`--- pgpool:${CONF}`), r.diff.indexOf('--- ', r.diff.indexOf(`+++ pgpool:${CONF}`)));
  for (const l of confDiff.split('\n').filter((x) => /^[-+][^-+]/.test(x))) {
    const text = l.slice(1);
    if (text === '' || text.startsWith('# ')) continue;
    assert.ok(nameOf(text) !== undefined && r.changes.some((ch) => ch.name === nameOf(text)), `diff line not managed: ${l}`);
  }
  const step = r.plan.steps.find((s) => s.action.kind === 'write-file' && s.action.path === CONF);
  assert.ok(step && step.action.kind === 'write-file');
  assert.match(step.title, /^Edit /);
  assert.equal(step.action.backupSuffix, '.pgpool-cluster-19700101-000000');
});

test('a second run on the edited files changes nothing (idempotent)', () => {
  const first = built({ [CONF]: FIXTURE, [HBA]: USER_HBA }, { profile: 'balanced' });
  const again = Object.fromEntries(first.files.filter((f) => f.host === 'pgpool').map((f) => [f.path, f.content]));
  const second = buildConfigurePgpoolPlan(
    { cluster: c43, status: status(c43, HEALTHY), options: { profile: 'balanced', now: new Date(0) } },
    Object.assign(new Map<string, string | undefined>([
      ...Object.entries(again).map(([p, t]): [string, string] => [fileKey('pgpool', p), t]),
      ...first.files.filter((f) => f.host !== 'pgpool').map((f): [string, string] => [fileKey(f.host, f.path), f.content]),
    ]), { paths: PATHS }),
  );
  assert.ok(second.ok, !second.ok ? second.reason : '');
  assert.equal(second.diff, '');
  assert.deepEqual(second.plan.steps.filter((s) => s.action.kind === 'write-file'), []);
  assert.ok(second.changes.every((ch) => ch.kind === 'unchanged' || ch.kind === 'kept'), JSON.stringify(second.changes.filter((ch) => ch.kind === 'changed' || ch.kind === 'added')));
  const gen = "port = 9999\nhealth_check_period = 1\nsearch_primary_node_timeout = 10\n";
  const once = editPgpoolConf(FIXTURE, gen).text;
  assert.equal(editPgpoolConf(once, gen).text, once);
});

test('refuses, saying why, when the current pgpool.conf has errors pgpool would refuse', () => {
  const broken = `${FIXTURE}num_init_children = lots\n`;
  const r = buildConfigurePgpoolPlan({ cluster: c43, status: status(c43, HEALTHY), options: {} }, currentFiles({ [CONF]: broken }));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.reason, /\/srv\/pgpool\/etc\/pgpool\.conf on pgpool .*error\(s\) pgpool-II 4\.3 would refuse; nothing was changed/);
  assert.match(r.reason, new RegExp(`line ${FIXTURE.split('\n').length}: .*num_init_children expects an integer`));
});

test('pool_hba.conf: rules it does not own are kept; its rule goes before the catch-all reject; then nothing more', () => {
  const r = built({ [CONF]: FIXTURE, [HBA]: USER_HBA });
  const hba = r.files.find((f) => f.path === HBA)?.content ?? '';
  const lines = hba.split('\n');
  for (const l of USER_HBA.split('\n')) assert.ok(lines.includes(l), `kept: ${l}`);
  const mine = lines.indexOf('host    postgres  postgres  10.0.0.99/32  scram-sha-256');
  assert.ok(mine >= 0 && mine < lines.indexOf('host    all  all   0.0.0.0/0     reject'), hba);
  assert.ok(r.plan.warnings.some((w) => /before "host +all +all +0\.0\.0\.0\/0 +reject"/.test(w)));
  assert.equal(editPoolHba(hba, { address: '10.0.0.99', database: 'postgres', user: 'postgres' }).outcome, 'satisfied');
  // A rule that already lets the client in (network, mask form) leaves the file alone.
  const covered = 'host all all 10.0.0.0 255.255.255.0 md5\nhost all all 0.0.0.0/0 reject\n';
  assert.deepEqual(editPoolHba(covered, { address: '10.0.0.99', database: 'postgres', user: 'postgres' }), { text: covered, outcome: 'satisfied', decidingRule: 'host all all 10.0.0.0 255.255.255.0 md5' });
  // Another user's or another database's rule does not count.
  assert.equal(editPoolHba('host app app 10.0.0.0/8 trust\n', { address: '10.0.0.99', database: 'postgres', user: 'postgres' }).outcome, 'added');
});

test('pcp.conf keeps the other pcp users; the user\'s script is replaced only with a warning and a backup', () => {
  const pcp = '# pcp users\nmonitor:0123456789abcdef0123456789abcdef\npcpadmin:ffffffffffffffffffffffffffffffff\n';
  const r = built({ [CONF]: FIXTURE, [PCP]: pcp, '/etc/pgpool2/failover.sh': USER_FAILOVER }, { pcpPassword: 'pcp-S3cret!' });
  const edited = r.files.find((f) => f.path === PCP)?.content ?? '';
  assert.match(edited, /^# pcp users$/m);
  assert.match(edited, /^monitor:0123456789abcdef0123456789abcdef$/m);
  assert.doesNotMatch(edited, /ffffffff/);
  assert.equal(editPcpConf(edited, 'pcpadmin', 'pcp-S3cret!'), edited);
  const script = r.plan.steps.find((s) => s.action.kind === 'write-file' && s.action.path === '/etc/pgpool2/failover.sh');
  assert.ok(script && script.action.kind === 'write-file');
  assert.match(script.title, /^Replace your own /);
  assert.ok(script.action.backupSuffix);
  assert.ok(r.plan.warnings.some((w) => /failover\.sh on pgpool is not a script pgpool-cluster wrote/.test(w)));
  assert.match(r.diff, /^-# our own failover script$/m);
});

test('no file yet: the generated pgpool.conf is written whole (every parameter "added")', () => {
  const r = built({});
  const conf = r.files.find((f) => f.path === CONF);
  assert.match(conf?.content ?? '', /^# Generated by pgpool-cluster/m);
  assert.ok(r.changes.every((ch) => ch.kind === 'added'));
  assert.match(r.plan.steps[0]?.title ?? '', /^Create /);
});

test('parameters under an older name (pgpool before 4.2) carry the new name in place; the other old lines are commented out', () => {
  const old = [
    'master_slave_mode = on            # streaming',
    "master_slave_sub_mode = 'stream'",
    "follow_master_command = '/etc/pgpool2/follow_master.sh %d %h'",
    'fail_over_on_backend_error = off',
    '',
  ].join('\n');
  const gen = [
    "backend_clustering_mode = 'streaming_replication'",
    "follow_primary_command = '/etc/pgpool2/follow_primary.sh %d'",
    'failover_on_backend_error = on',
    '',
  ].join('\n');
  const r = editPgpoolConf(old, gen);
  assert.deepEqual(r.text.split('\n'), [
    '#pgpool-cluster: old name, superseded: master_slave_mode = on            # streaming',
    "backend_clustering_mode = 'streaming_replication'",
    "follow_primary_command = '/etc/pgpool2/follow_primary.sh %d'",
    'failover_on_backend_error = on',
    '',
  ]);
  assert.deepEqual(r.changes.map((ch) => [ch.name, ch.kind, ch.renamedFrom, ch.duplicatesCommented]), [
    ['backend_clustering_mode', 'changed', 'master_slave_sub_mode', 1],
    ['follow_primary_command', 'changed', 'follow_master_command', 0],
    ['failover_on_backend_error', 'changed', 'fail_over_on_backend_error', 0],
  ]);
  assert.equal(editPgpoolConf(r.text, gen).text, r.text, 'idempotent');
  // The new name already present: the old one is only commented out.
  const both = editPgpoolConf("follow_master_command = 'a'\nfollow_primary_command = 'b'\n", "follow_primary_command = 'b'\n");
  assert.equal(both.text, `${'#pgpool-cluster: old name, superseded: '}follow_master_command = 'a'\nfollow_primary_command = 'b'\n`);
});

test('a per-node health check setting that overrides the profile for its node is left alone and reported', () => {
  const r = built({ [CONF]: `${FIXTURE}health_check_period1 = 30\nhealth_check_timeout1 = 40\n` }, { profile: 'balanced' });
  const after = r.files.find((f) => f.path === CONF)?.content ?? '';
  assert.match(after, /^health_check_period1 = 30$/m);
  const w = r.plan.warnings.find((x) => /Per-node settings/.test(x)) ?? '';
  assert.match(w, /health_check_period1 = 30 \(line \d+\) overrides health_check_period for node 1/);
  assert.match(w, /health_check_timeout1 = 40 \(line \d+\) overrides health_check_timeout for node 1/);
  assert.ok(!built({ [CONF]: FIXTURE }).plan.warnings.some((x) => /Per-node settings/.test(x)));
});
