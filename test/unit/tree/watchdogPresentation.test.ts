import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../conf/paths';
import type { ClusterStatus, PgpoolStatus } from '../../../src/core/status/model';
import {
  isWatchdogCluster, pgpoolContextValue, pgpoolWatchdogDescription, pgpoolWatchdogTooltip, watchdogGroupDescription,
} from '../../../src/extension/tree/watchdogPresentation';
import type { ClusterStatusView } from '../../../src/shared/statusView';
import { PGPOOL_OPERATION_COMMANDS } from '../../../src/shared/nodeOperations';

const leader: PgpoolStatus = { name: 'pgpool0', host: '10.0.0.10', port: 9999, reachable: true, version: '4.3.5', watchdog: { role: 'LEADER', priority: 3, holdsVip: true, reportedBy: 'pgpool0' }, backends: { primary: 'node0', down: [] } };
const standby: PgpoolStatus = { name: 'pgpool1', host: '10.0.0.20', port: 9999, reachable: true, watchdog: { role: 'STANDBY', priority: 2, holdsVip: false, reportedBy: 'pgpool1' }, backends: { primary: 'node0', down: ['node2'] } };
const down: PgpoolStatus = { name: 'pgpool2', host: '10.0.0.30', port: 9999, reachable: false, error: 'connection refused', watchdog: { role: 'SHUTDOWN', priority: 1, reportedBy: 'pgpool0', error: 'pcp: connection refused' } };

const status: ClusterStatus = {
  name: 'c', pgpool: leader, pgpoolInstances: [leader, standby, down], nodes: [], problems: [], health: 'degraded', refreshedAt: '2026-01-01T00:00:00Z', elapsedMs: 1,
  watchdog: { quorum: 'exist', leader: 'pgpool0', vip: '10.0.0.100', vipHolders: ['pgpool0'] },
};

test('the group row says how many pgpools are up, quorum, leader and where the VIP is', () => {
  assert.equal(watchdogGroupDescription(status, 3), '2/3 up · quorum exist · leader pgpool0 · VIP on pgpool0');
  assert.equal(watchdogGroupDescription({ ...status, watchdog: { quorum: 'absent', leader: null, vip: '10.0.0.100', vipHolders: [] } }, 3), '2/3 up · quorum absent · leader none · VIP on no host');
  assert.equal(watchdogGroupDescription(undefined, 3), '3 pgpool nodes');
  assert.equal(isWatchdogCluster(1), false);
  assert.equal(isWatchdogCluster(3), true);
});

test('each pgpool row: role, priority, VIP, the backends it reports; down ones say so', () => {
  assert.equal(pgpoolWatchdogDescription(leader, leader.host, leader.port), 'LEADER · priority 3 · holds VIP · primary node0');
  assert.equal(pgpoolWatchdogDescription(standby, standby.host, standby.port), 'STANDBY · priority 2 · primary node0, down node2');
  assert.equal(pgpoolWatchdogDescription(down, down.host, down.port), 'SHUTDOWN · priority 1 · unreachable');
  assert.equal(pgpoolWatchdogDescription(undefined, '10.0.0.10', 9999), '10.0.0.10:9999');
});

test('contextValue keeps pgpool+<reachability> and appends the watchdog role and +vip', () => {
  assert.equal(pgpoolContextValue(leader), 'pgpool+up+wd-leader+vip+can-stop+can-recover');
  assert.equal(pgpoolContextValue(standby), 'pgpool+up+wd-standby+can-stop+can-recover');
  assert.equal(pgpoolContextValue(down), 'pgpool+unreachable+wd-shutdown+can-start+can-recover');
  assert.equal(pgpoolContextValue({ ...standby, watchdog: { role: 'STANDING FOR LEADER' } }), 'pgpool+up+wd-standing-for-leader+can-recover');
  assert.equal(pgpoolContextValue(undefined), 'pgpool+unknown');
  assert.equal(pgpoolContextValue({ name: 'p', host: 'h', port: 1, reachable: true }), 'pgpool+up', 'a single pgpool is unchanged');
});

test('tooltip: watchdog role with who reported it, the VIP checked on the host, quorum, backends, errors', () => {
  const t = pgpoolWatchdogTooltip(down, status, 'pgpool2', down.host, down.port, 9898);
  assert.match(t, /SHUTDOWN\*\*, priority 1 \(as pgpool0 reports it\)/);
  assert.match(t, /VIP 10\\\.0\\\.0\\\.100: unknown/);
  assert.match(t, /Error: connection refused/);
  assert.match(pgpoolWatchdogTooltip(leader, status, 'pgpool0', leader.host, leader.port, 9898), /held here \(checked on the host\)/);
});

test('the core status with watchdog fields is what the panel reads (assignable to ClusterStatusView)', () => {
  const view: ClusterStatusView = status;
  assert.equal(view.watchdog?.leader, 'pgpool0');
  assert.deepEqual(view.pgpoolInstances?.map((p) => p.watchdog?.role), ['LEADER', 'STANDBY', 'SHUTDOWN']);
});

test('the pgpool row menus: stop a running member, start a stopped or orphaned one, recover either; a single pgpool offers none', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
  const menus = pkg.contributes.menus['view/item/context'] ?? [];
  const pgpoolCommands = new Set<string>(Object.values(PGPOOL_OPERATION_COMMANDS));
  const offered = (cv: string): string[] => menus.filter((m) => pgpoolCommands.has(m.command)).filter((m) => {
    const re = /^view == pgpoolCluster\.clusters && viewItem =~ \/(.*)\/$/.exec(m.when ?? '');
    assert.ok(re, `when clause of ${m.command}`);
    return new RegExp(re[1] ?? '').test(cv);
  }).map((m) => m.command.replace('pgpoolCluster.', ''));
  assert.deepEqual(offered(pgpoolContextValue(leader)), ['stopPgpool', 'recoverPgpool']);
  assert.deepEqual(offered(pgpoolContextValue(standby)), ['stopPgpool', 'recoverPgpool']);
  assert.deepEqual(offered(pgpoolContextValue(down)), ['startPgpool', 'recoverPgpool']);
  assert.deepEqual(offered(pgpoolContextValue({ ...standby, watchdog: { role: 'SHUTDOWN' } })), ['startPgpool', 'recoverPgpool'], 'orphans still answer');
  assert.deepEqual(offered(pgpoolContextValue({ name: 'p', host: 'h', port: 1, reachable: true })), []);
  assert.deepEqual(offered('pgpool+unknown'), []);
});
