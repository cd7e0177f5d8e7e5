/*
 * The fence guard: its bound from pgpool's health check, the plans, and the generated script run for real (bash):
 * its decision for every case, and how it reads pgpool's table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuardInstallPlan, buildGuardRemovePlan, parseGuardStatus } from '../../../src/core/ops/setup/fenceGuard';
import {
  guardPaths, guardTiming, healthCheckFromPoolStatus, GUARD_LOG_PREFIX, PROMOTE_GRACE_S, type HealthCheckSettings,
} from '../../../src/core/ops/setup/fenceGuardFacts';
import { guardScript } from '../../../src/core/ops/setup/fenceGuardScript';
import { detectionProfiles } from '../../../src/core/ops/setup/pgpoolConfig';
import { cluster, status as clusterStatus } from './fixtures';

const hcOf = (name: keyof typeof detectionProfiles): HealthCheckSettings => {
  const p = detectionProfiles[name];
  return { period: p.healthCheckPeriod, timeout: p.healthCheckTimeout, maxRetries: p.healthCheckMaxRetries, retryDelay: p.healthCheckRetryDelay, connectTimeoutMs: p.connectTimeoutMs };
};

test('the bound is half of pgpool\'s fastest detection of a silent primary, one tick at least', () => {
  // balanced: 3 attempts of min(3 s connect_timeout, 5 s timeout) + 2 retry delays of 1 s = 11 s.
  const balanced = guardTiming(hcOf('balanced'));
  assert.equal(balanced.detectionS, 11);
  assert.equal(balanced.boundS, 5);
  assert.ok(balanced.boundS < balanced.detectionS);
  // conservative: 4 x 5 s + 3 x 2 s = 26 s.
  assert.equal(guardTiming(hcOf('conservative')).boundS, 13);
  // fast: pgpool declares it down after 1 s; the guard cannot look more often than its tick.
  const fast = guardTiming(hcOf('fast'));
  assert.equal(fast.detectionS, 1);
  assert.equal(fast.boundS, 1);
  assert.match(fast.explanation, /not shorter than pgpool's detection/);
  // No health check: pgpool notices nothing by itself.
  assert.equal(guardTiming({ ...hcOf('fast'), period: 0 }).detectionS, Infinity);
  assert.equal(guardTiming(undefined).boundS, 10);
});

test('health-check settings come from SHOW pool_status rows', () => {
  const rows = [
    { item: 'health_check_period', value: '5' }, { item: 'health_check_timeout', value: '20' }, { item: 'health_check_max_retries', value: '3' },
    { item: 'health_check_retry_delay', value: '2' }, { item: 'connect_timeout', value: '4000' }, { item: 'port', value: '9999' },
  ];
  assert.deepEqual(healthCheckFromPoolStatus(rows), { period: 5, timeout: 20, maxRetries: 3, retryDelay: 2, connectTimeoutMs: 4000 });
  assert.equal(healthCheckFromPoolStatus([{ item: 'port', value: '9999' }]), undefined);
});

function scriptFile(pgpoolVersion = '4.3', pgMajor = 15, node = cluster('15', '4.3').nodes[0]!): string {
  const dir = mkdtempSync(join(tmpdir(), 'fence-guard-'));
  const file = join(dir, 'guard.sh');
  writeFileSync(file, guardScript({
    node, peers: [{ name: 'db1', host: '10.0.0.12', port: 5432 }], pgpools: [{ host: '10.0.0.10', port: 9999 }], dbUser: 'postgres', postgresMajor: pgMajor, pgpoolVersion,
    timing: guardTiming(hcOf('balanced')), dir,
  }));
  return file;
}

function bash(file: string, args: string[], input?: string): string {
  const r = spawnSync('bash', [file, ...args], { encoding: 'utf8', input, timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the guard\'s decision: stop only when pgpool failed over away from it, or when it is cut off past the bound', () => {
  const f = scriptFile();
  const decide = (view: string, fresh: number, silentMs: number, recent = 0, newer = ''): string => bash(f, ['decide', view, String(fresh), String(silentMs), String(recent), newer]);
  assert.match(decide('demoted', 2, 0), /^stop pgpool has failed over away/);
  assert.match(decide('primary', 0, 60_000), /^keep /);
  // pgpool says down but names no other primary: stopping would leave no primary at all.
  assert.match(decide('unsure', 0, 60_000), /^keep pgpool names no other primary/);
  // pgpool down, standbys streaming (fault 6): never a stop, however long.
  assert.match(decide('none', 1, 600_000), /^keep no pgpool answers but 1 standby/);
  // Cut off from pgpool and every standby: counted, then stopped past the bound (5 s for the balanced profile).
  assert.match(decide('none', 0, 4000), /^keep no pgpool and no standby for 4000 ms \(bound 5000 ms\)/);
  assert.match(decide('none', 0, 5001), /^stop no pgpool answered and no standby replied for 5001 ms/);
  // Just promoted: pgpool names the new primary only once its failover script returns.
  assert.match(decide('demoted', 0, 0, 1), /^keep promoted lately/);
  // Just promoted by pgpool's failover: pgpool busy, the standbys not yet following. Not cut off.
  assert.match(decide('none', 0, 30_000, 1), /^keep promoted lately/);
  // Cut off from pgpool only, a standby still streaming, but another node was promoted (a newer timeline): stop.
  assert.match(decide('none', 1, 0, 0, 'db1 3'), /^stop node db1 is a primary on a newer timeline \(3\)/);
  assert.match(decide('unsure', 0, 0, 0, 'db1 3'), /^stop node db1/);
  // pgpool still has this node as its primary: another node's timeline does not overrule it.
  assert.match(decide('primary', 0, 0, 0, 'db1 3'), /^keep /);
});

const TABLE_43 = [
  'node_id|hostname|port|status|role|last_status_change|total_count|success_count',
  '0|10.0.0.11|5432|down|standby|2026-11-29 23:00:00|10|9',
  '1|10.0.0.12|5432|up|primary|2026-11-29 23:00:00|10|10',
  '2|10.0.0.13|5432|up|standby|2026-11-29 23:00:00|10|10',
].join('\n');

test('pgpool\'s table is read by column name: this node down with another primary up is "demoted"', () => {
  const f = scriptFile();
  assert.equal(bash(f, ['parse-view'], `${TABLE_43}\n`), 'demoted|down|standby|1');
  const healthy = TABLE_43.replace('0|10.0.0.11|5432|down|standby', '0|10.0.0.11|5432|up|primary').replace('1|10.0.0.12|5432|up|primary', '1|10.0.0.12|5432|up|standby');
  assert.equal(bash(f, ['parse-view'], `${healthy}\n`), 'primary|up|primary|');
  // Down, and pgpool has no primary (failover refused or still running): not a reason to stop.
  const none = TABLE_43.replace('1|10.0.0.12|5432|up|primary', '1|10.0.0.12|5432|up|standby');
  assert.equal(bash(f, ['parse-view'], `${none}\n`), 'unsure|down|standby|');
  // Older pgpool (SHOW pool_nodes, other columns around): the same answer.
  const poolNodes = ['node_id|hostname|port|status|lb_weight|role|select_cnt', '0|a|5432|up|0.5|standby|0', '1|b|5432|up|0.5|primary|3'].join('\n');
  assert.equal(bash(scriptFile('4.0'), ['parse-view'], `${poolNodes}\n`), 'demoted|up|standby|1');
});

test('another node that is a primary on a newer timeline is found (psql stand-in answering per host)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-guard-peers-'));
  // The stand-in prints FAKE/<host> for -h host; a missing file is a node that does not answer.
  writeFileSync(join(dir, 'psql'), '#!/bin/bash\nwhile [ $# -gt 0 ]; do [ "$1" = -h ] && h=$2; shift; done\n[ -f "$FAKE/$h" ] && cat "$FAKE/$h"\n', { mode: 0o755 });
  const node = { ...cluster('15', '4.3').nodes[0]!, binDir: dir };
  const file = join(dir, 'guard.sh');
  writeFileSync(file, guardScript({
    node, peers: [{ name: 'db1', host: 'h1', port: 5432 }, { name: 'db2', host: 'h2', port: 5432 }, { name: 'db3', host: 'h3', port: 5432 }],
    pgpools: [{ host: 'p', port: 9999 }], dbUser: 'postgres', postgresMajor: 15, pgpoolVersion: '4.3', timing: guardTiming(undefined), dir,
  }));
  const newer = (answers: Record<string, string>): string => {
    for (const h of ['10.0.0.11', 'h1', 'h2', 'h3']) writeFileSync(join(dir, h), answers[h] ?? '');
    const r = spawnSync('bash', [file, 'newer'], { encoding: 'utf8', env: { ...process.env, FAKE: dir }, timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  // This node (10.0.0.11) is on timeline 1; db2 was promoted (timeline 2), db1 is its standby, db3 does not answer.
  assert.equal(newer({ '10.0.0.11': 'f|1', h1: 't', h2: 'f|2' }), 'db2 2');
  // Another primary on the same or an older timeline is not a reason to stop this one.
  assert.equal(newer({ '10.0.0.11': 'f|3', h1: 'f|3', h2: 'f|2' }), '');
  assert.equal(newer({ '10.0.0.11': 'f|1', h1: 't', h2: 't' }), '');
});

test('the script asks pgpool without making it connect to every backend, and leaves its reason in the server log', () => {
  const s43 = guardScript({ node: cluster('15', '4.3').nodes[0]!, peers: [], pgpools: [{ host: '10.0.0.10', port: 9999 }, { host: 'pg pool', port: 9999 }], dbUser: 'postgres', postgresMajor: 15, pgpoolVersion: '4.3', timing: guardTiming(hcOf('fast')), dir: '/data' });
  assert.match(s43, /PGPOOL_QUERY='SHOW pool_health_check_stats'/);
  assert.match(s43, /PGPOOLS=\(10\.0\.0\.10:9999 'pg pool:9999'\)/);
  assert.match(s43, /reply_time > clock_timestamp\(\)/);
  assert.match(s43, /pg_logical_emit_message/);
  assert.match(s43, new RegExp(`RAISE WARNING .*fence_guard_reason`));
  assert.ok(s43.includes(`${GUARD_LOG_PREFIX}: stopping`));
  assert.match(s43, new RegExp(`PROMOTE_GRACE_MS=${PROMOTE_GRACE_S * 1000}`));
  const s40 = guardScript({ node: cluster('11', '4.0').nodes[0]!, peers: [], pgpools: [{ host: 'h', port: 9999 }], dbUser: 'postgres', postgresMajor: 11, pgpoolVersion: '4.0', timing: guardTiming(undefined), dir: '/data' });
  assert.match(s40, /PGPOOL_QUERY='SHOW pool_nodes'/);
  assert.doesNotMatch(s40, /reply_time/);
  const r = spawnSync('bash', ['-n'], { input: s43, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('a node\'s pass file on its host is what the guard reads', () => {
  const node = { ...cluster('15', '4.3').nodes[0]!, pgpassFile: '~/conf/pgpass' };
  const s = guardScript({ node, peers: [], pgpools: [{ host: 'h', port: 9999 }], dbUser: 'postgres', postgresMajor: 15, pgpoolVersion: '4.3', timing: guardTiming(undefined), dir: '/data' });
  assert.match(s, /export PGPASSFILE="\$HOME\/"conf\/pgpass/);
});

test('install writes, unit and starts the guard on every node; remove stops it; without a data directory it refuses', () => {
  const c = cluster('15', '4.3');
  const input = { cluster: c, status: clusterStatus(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby' }]) };
  const built = buildGuardInstallPlan(input, hcOf('balanced'));
  assert.ok(built.ok);
  assert.equal(built.plan.steps.length, 9);
  assert.deepEqual(built.plan.steps.map((s) => s.action.kind), ['write-file', 'write-file', 'ssh', 'write-file', 'write-file', 'ssh', 'write-file', 'write-file', 'ssh']);
  assert.match(built.plan.summary, /for 5 s/);
  const first = built.plan.steps[0]!.action;
  assert.ok(first.kind === 'write-file' && first.path === guardPaths(c.nodes[0]!).script && !first.path.startsWith('/data/db0/'));
  const unit = built.plan.steps[1]!.action;
  assert.ok(unit.kind === 'write-file' && /User=postgres/.test(unit.content) && /Restart=always/.test(unit.content));
  const one = buildGuardInstallPlan(input, hcOf('balanced'), c.nodes[1]);
  assert.ok(one.ok && one.plan.steps.every((s) => s.id.endsWith('node1') || s.id.endsWith('db1')));
  const noData = { ...c, nodes: c.nodes.map((n, i) => (i === 2 ? { ...n, dataDirectory: undefined } : n)) };
  const refused = buildGuardInstallPlan({ cluster: noData, status: input.status }, hcOf('fast'));
  assert.ok(!refused.ok && /db2 has no dataDirectory/.test(refused.reason));
  const removed = buildGuardRemovePlan(input);
  assert.ok(removed.ok && removed.plan.steps.length === 3);
});

test('the status script\'s answer', () => {
  assert.deepEqual(parseGuardStatus('running 42 detached\nline 1\nline 2\n'), { state: { state: 'running', pid: 42, how: 'detached' }, log: ['line 1', 'line 2'] });
  assert.deepEqual(parseGuardStatus('installed, not running\n').state, { state: 'stopped' });
  assert.deepEqual(parseGuardStatus('not installed\n').state, { state: 'absent' });
});
