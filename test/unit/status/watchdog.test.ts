import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../conf/paths';
import { statusToJson, statusToTable } from '../../../src/cli/statusFormat';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import { parseWatchdogInfo, WatchdogInfoError } from '../../../src/core/db/watchdogInfo';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import { analyseWatchdog, withWatchdog, type PgpoolSqlView, type WatchdogProbe } from '../../../src/core/status/watchdog';
import { parseIpAddrLines } from '../../../src/core/remote/ipAddr';

/** The layout pgpool-II 4.3.5's pcp_watchdog_info --verbose prints (format strings read from the Debian binary). */
function verbose(self: number, roles: string[], opts: { quorum?: string; leader?: number; escalated?: boolean } = {}): string {
  const leader = opts.leader ?? roles.indexOf('LEADER');
  const order = [self, ...roles.map((_, i) => i).filter((i) => i !== self)];
  const name = (i: number): string => `10.213.12.2${i}:9999 Linux pgpool${i}`;
  return [
    'Watchdog Cluster Information ',
    `Total Nodes              : ${roles.length}`,
    `Remote Nodes             : ${roles.length - 1}`,
    `Member Remote Nodes      : ${roles.length - 1}`,
    `Alive Remote Nodes       : ${roles.filter((r, i) => i !== self && (r === 'LEADER' || r === 'STANDBY')).length}`,
    `Nodes required for quorum: ${Math.floor(roles.length / 2) + 1}`,
    `Quorum state             : ${opts.quorum ?? 'QUORUM EXIST'}`,
    `Local node escalation    : ${opts.escalated ?? self === leader ? 'YES' : 'NO'}`,
    `Leader Node Name         : ${leader >= 0 ? name(leader) : 'Not_Set'}`,
    `Leader Host Name         : ${leader >= 0 ? `10.213.12.2${leader}` : 'Not_Set'}`,
    '',
    'Watchdog Node Information ',
    ...order.flatMap((i) => [
      `Node Name         : ${name(i)}`, `Host Name         : 10.213.12.2${i}`, 'Delegate IP       : 10.213.12.100',
      'Pgpool port       : 9999', 'Watchdog port     : 9000', `Node priority     : ${3 - i}`, `Status            : ${roles[i] === 'LEADER' ? 4 : 7}`,
      `Status Name       : ${roles[i]}`, 'Membership Status : MEMBER', '',
    ]),
  ].join('\n');
}

const ip = (i: number, vip: boolean): string => [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  `2: eth0@if9    inet 10.213.12.2${i}/24 brd 10.213.12.255 scope global eth0\\       valid_lft forever preferred_lft forever`,
  ...(vip ? ['2: eth0@if9    inet 10.213.12.100/24 scope global secondary eth0:0\\       valid_lft forever preferred_lft forever'] : []),
].join('\n');

const cluster: ClusterDefinition = {
  name: 'wd', ssh: {}, database: {}, replication: {},
  pgpool: [0, 1, 2].map((i) => ({ name: `pool-${['a', 'b', 'c'][i]}`, host: `10.213.12.2${i}`, port: 9999, pcpPort: 9898, ssh: {} })),
  nodes: [0, 1, 2].map((id) => ({ name: `pg${id}`, id, host: `10.213.12.1${id}`, port: 5432, ssh: {} })),
};

const backends = (primary = 0, down: number[] = []): PgpoolNodeView[] => [0, 1, 2].map((id) => ({
  id, host: `10.213.12.1${id}`, port: 5432, role: id === primary ? 'primary' : 'standby', status: down.includes(id) ? 'down' : 'up',
}));
const sqlUp = (nodes = backends()): PgpoolSqlView[] => cluster.pgpool.map((p) => ({ name: p.name, reachable: true, nodes }));
const probe = (i: number, roles: string[], vip: boolean, opts?: Parameters<typeof verbose>[2]): WatchdogProbe =>
  ({ name: cluster.pgpool[i]!.name, info: parseWatchdogInfo(verbose(i, roles, opts)), addresses: parseIpAddrLines(ip(i, vip)) });
const codes = (a: ReturnType<typeof analyseWatchdog>): string[] => a.problems.map((p) => p.code);

test('pcp_watchdog_info --verbose (4.3 layout): cluster block and every node, the queried one first', () => {
  const w = parseWatchdogInfo(verbose(1, ['LEADER', 'STANDBY', 'STANDBY']));
  assert.equal(w.quorum, 'exist');
  assert.equal(w.totalNodes, 3);
  assert.equal(w.nodesRequiredForQuorum, 2);
  assert.equal(w.localEscalation, false);
  assert.equal(w.leaderName, '10.213.12.20:9999 Linux pgpool0');
  assert.deepEqual(w.nodes.map((n) => [n.name, n.host, n.role, n.priority, n.pgpoolPort, n.wdPort, n.membership]), [
    ['10.213.12.21:9999 Linux pgpool1', '10.213.12.21', 'STANDBY', 2, 9999, 9000, 'MEMBER'],
    ['10.213.12.20:9999 Linux pgpool0', '10.213.12.20', 'LEADER', 3, 9999, 9000, 'MEMBER'],
    ['10.213.12.22:9999 Linux pgpool2', '10.213.12.22', 'STANDBY', 1, 9999, 9000, 'MEMBER'],
  ]);
  assert.equal(w.nodes[0]?.delegateIp, '10.213.12.100');
});

test('pre-4.2 output says MASTER and "VIP up on local node"; read as LEADER; unset values and errors', () => {
  const old = ['Watchdog Cluster Information ', 'Total Nodes          : 2', 'Remote Nodes         : 1', 'Quorum state         : QUORUM IS ON THE EDGE',
    'Alive Remote Nodes   : 0', 'VIP up on local node : YES', 'Master Node Name     : Linux_pgsql1_9999', 'Master Host Name     : 10.155.92.101', '',
    'Watchdog Node Information ', 'Node Name      : Linux_pgsql1_9999', 'Host Name      : 10.155.92.101', 'Delegate IP    : 10.155.92.100', 'Pgpool port    : 9999',
    'Watchdog port  : 9000', 'Node priority  : 1', 'Status         : 4', 'Status Name    : MASTER', '',
    'Node Name      : Not_Set', 'Host Name      : 10.155.92.102', 'Delegate IP    : Not_Set', 'Pgpool port    : 9999', 'Watchdog port  : 9000',
    'Node priority  : 0', 'Status         : 0', 'Status Name    : DEAD', ''].join('\n');
  const w = parseWatchdogInfo(old);
  assert.equal(w.quorum, 'edge');
  assert.equal(w.localEscalation, true);
  assert.equal(w.leaderName, 'Linux_pgsql1_9999');
  assert.deepEqual(w.nodes.map((n) => n.role), ['LEADER', 'DEAD']);
  assert.equal(w.nodes[1]?.delegateIp, undefined);
  assert.throws(() => parseWatchdogInfo('ERROR: connection to socket "/tmp/.s.PGSQL.9898" failed'), WatchdogInfoError);
});

test('healthy three-node watchdog: one leader, quorum, the VIP on the leader only, roles and priorities by cluster-file name', () => {
  const roles = ['LEADER', 'STANDBY', 'STANDBY'];
  const a = analyseWatchdog(cluster, [probe(0, roles, true), probe(1, roles, false), probe(2, roles, false)], sqlUp());
  assert.deepEqual(a.watchdog, { quorum: 'exist', leader: 'pool-a', vip: '10.213.12.100', vipHolders: ['pool-a'] });
  assert.deepEqual(codes(a), []);
  assert.deepEqual(cluster.pgpool.map((p) => [a.pgpool.get(p.name)?.watchdog.role, a.pgpool.get(p.name)?.watchdog.priority, a.pgpool.get(p.name)?.watchdog.holdsVip]),
    [['LEADER', 3, true], ['STANDBY', 2, false], ['STANDBY', 1, false]]);
  assert.deepEqual(a.pgpool.get('pool-b')?.backends, { primary: 'pg0', down: [] });
});

test('two hosts holding the VIP (a killed leader never ran if_down_cmd) is an error naming both', () => {
  const roles = ['SHUTDOWN', 'LEADER', 'STANDBY'];
  // pool-a's parent was killed: its children still answer SQL, pcp is gone, the VIP stayed.
  const a = analyseWatchdog(cluster, [{ name: 'pool-a', infoError: 'pcp_watchdog_info failed', addresses: parseIpAddrLines(ip(0, true)) }, probe(1, roles, true), probe(2, roles, false)], sqlUp());
  assert.equal(a.watchdog.leader, 'pool-b');
  assert.deepEqual(a.watchdog.vipHolders, ['pool-a', 'pool-b']);
  const p = a.problems.find((x) => x.code === 'vip-on-two-hosts');
  assert.ok(p);
  assert.match(p.message, /pool-a and pool-b/);
  assert.equal(a.pgpool.get('pool-a')?.watchdog.role, 'SHUTDOWN', 'what the leader says of it');
  assert.equal(a.pgpool.get('pool-a')?.watchdog.reportedBy, 'pool-b');
  assert.ok(codes(a).includes('pgpool-node-down'));
});

test('no leader and quorum lost: the lone survivor reports itself; both problems; a down pgpool is named', () => {
  const a = analyseWatchdog(cluster, [
    { name: 'pool-a', infoError: 'connection refused' }, { name: 'pool-b', infoError: 'connection refused' },
    probe(2, ['LOST', 'LOST', 'STANDBY'], false, { quorum: 'QUORUM ABSENT' }),
  ], [{ name: 'pool-a', reachable: false, error: 'refused' }, { name: 'pool-b', reachable: false, error: 'refused' }, { name: 'pool-c', reachable: true, nodes: backends() }]);
  assert.equal(a.watchdog.leader, null);
  assert.equal(a.watchdog.quorum, 'absent');
  assert.ok(codes(a).includes('watchdog-no-leader'));
  const q = a.problems.find((x) => x.code === 'watchdog-quorum-lost');
  assert.match(q?.message ?? '', /1 of 3/);
  assert.equal(a.problems.filter((x) => x.code === 'pgpool-node-down').length, 2);
});

test('pgpool nodes that disagree about the primary or the down backends; the VIP on a non-leader', () => {
  const roles = ['LEADER', 'STANDBY', 'STANDBY'];
  const sql: PgpoolSqlView[] = [
    { name: 'pool-a', reachable: true, nodes: backends(1, [0]) },
    { name: 'pool-b', reachable: true, nodes: backends(0) },
    { name: 'pool-c', reachable: true, nodes: backends(1, [0]) },
  ];
  const a = analyseWatchdog(cluster, [probe(0, roles, false), probe(1, roles, true), probe(2, roles, false)], sql);
  const differ = a.problems.filter((x) => x.code === 'pgpool-views-differ');
  assert.deepEqual(differ.map((d) => d.severity), ['error', 'warning']);
  assert.match(differ[0]?.message ?? '', /pool-b: pg0/);
  const vip = a.problems.find((x) => x.code === 'vip-not-held');
  assert.match(vip?.message ?? '', /on pool-b, but pool-a is the leader/);
});

test('two pgpool nodes each calling themselves leader (a split) is an error', () => {
  const a = analyseWatchdog(cluster, [probe(0, ['LEADER', 'LOST', 'LOST'], true, { quorum: 'QUORUM ABSENT' }), probe(1, ['LOST', 'LEADER', 'STANDBY'], true), probe(2, ['LOST', 'LEADER', 'STANDBY'], false)], sqlUp());
  assert.ok(codes(a).includes('watchdog-leaders'));
  assert.ok(codes(a).includes('vip-on-two-hosts'));
});

const pgView = (inRecovery: boolean): PgNodeView => ({ serverVersionNum: 150018, inRecovery, timeline: 1, currentLsn: '0/5000000', replication: [],
  ...(inRecovery ? { walReceiver: { status: 'streaming', receivedTimeline: 1, senderHost: '10.213.12.10', senderPort: 5432, applicationName: 'x' }, replayLsn: '0/5000000' } : {}) });

test('status JSON: a watchdog cluster lists every pgpool under "pgpool" with its watchdog and adds "watchdog"; text shows them; a single pgpool is unchanged', () => {
  const roles = ['STANDBY', 'LEADER', 'STANDBY'];
  const probes: [number, NodeProbe][] = [[0, { ok: true, view: pgView(false) }], [1, { ok: true, view: pgView(true) }], [2, { ok: true, view: pgView(true) }]];
  const pgpool = cluster.pgpool.map((p) => ({ name: p.name, host: p.host, port: p.port, reachable: true, nodes: backends() }));
  const analysis = analyseWatchdog(cluster, [probe(0, roles, false), probe(1, roles, true), probe(2, roles, false)], pgpool);
  const merged = mergeClusterStatus({ cluster, pgpool: [pgpool[1]!, pgpool[0]!, pgpool[2]!], nodes: new Map(probes), now: new Date(0) });
  const status = withWatchdog(merged, cluster, analysis);
  assert.equal(status.health, 'healthy');
  assert.equal(status.pgpool.name, 'pool-b', 'the leader\'s view is the one used');
  const json = JSON.parse(statusToJson([status])) as { clusters: { pgpool: { name: string; host: string; port: number; reachable: boolean; watchdog: { role: string; priority: number; holdsVip: boolean } }[]; watchdog: unknown }[] };
  const c = json.clusters[0]!;
  assert.ok(Array.isArray(c.pgpool));
  assert.deepEqual(c.pgpool.map((p) => [p.name, p.host, p.port, p.reachable, p.watchdog.role, p.watchdog.priority, p.watchdog.holdsVip]), [
    ['pool-a', '10.213.12.20', 9999, true, 'STANDBY', 3, false], ['pool-b', '10.213.12.21', 9999, true, 'LEADER', 2, true], ['pool-c', '10.213.12.22', 9999, true, 'STANDBY', 1, false],
  ]);
  assert.deepEqual(c.watchdog, { quorum: 'exist', leader: 'pool-b', vip: '10.213.12.100', vipHolders: ['pool-b'] });
  const text = statusToTable([status]);
  assert.match(text, /Watchdog: quorum exist, leader pool-b, VIP 10\.213\.12\.100 on pool-b/);
  assert.match(text, /pool-b\s+10\.213\.12\.21:9999\s+yes\s+LEADER\s+2\s+HOLDS\s+pg0/);

  const single: ClusterDefinition = { ...cluster, pgpool: [cluster.pgpool[0]!] };
  const one = mergeClusterStatus({ cluster: single, pgpool: [pgpool[0]!], nodes: new Map(probes), now: new Date(0) });
  const oneJson = JSON.parse(statusToJson([one])) as { clusters: { pgpool: unknown; watchdog?: unknown }[] };
  assert.equal(Array.isArray(oneJson.clusters[0]!.pgpool), false);
  assert.equal('watchdog' in oneJson.clusters[0]!, false);
  assert.doesNotMatch(statusToTable([one]), /Watchdog/);
});

test('real output captured from pgpool-II 4.3.5 on the watchdog lab (a standby pgpool asked) parses', () => {
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'watchdog', 'pcp_watchdog_info-4.3.5-standby.txt'), 'utf8');
  const w = parseWatchdogInfo(text);
  assert.equal(w.quorum, 'exist');
  assert.equal(w.localEscalation, false);
  assert.equal(w.leaderHost, '10.213.12.10');
  assert.deepEqual(w.nodes.map((n) => [n.host, n.role, n.priority, n.delegateIp]), [
    ['10.213.12.20', 'STANDBY', 2, '10.213.12.100'], ['10.213.12.10', 'LEADER', 3, '10.213.12.100'], ['10.213.12.30', 'STANDBY', 1, '10.213.12.100'],
  ]);
});

test('several pgpools without watchdog (use_watchdog = off): role OFF, no watchdog problems; disagreeing views still reported', () => {
  const off = (i: number): WatchdogProbe => ({ name: cluster.pgpool[i]!.name, infoError: 'pcp_watchdog_info on x failed (exit 1): ERROR: watchdog is not enabled.', addresses: parseIpAddrLines(ip(i, false)) });
  const a = analyseWatchdog(cluster, [off(0), off(1), off(2)], sqlUp());
  assert.deepEqual(codes(a), []);
  assert.deepEqual(cluster.pgpool.map((p) => a.pgpool.get(p.name)?.watchdog.role), ['OFF', 'OFF', 'OFF']);
  assert.equal(a.watchdog.leader, null);
  const differ = analyseWatchdog(cluster, [off(0), off(1), off(2)], [...sqlUp().slice(0, 2), { name: 'pool-c', reachable: true, nodes: backends(1, [0]) }]);
  assert.ok(codes(differ).includes('pgpool-views-differ'));
  // Any other pcp failure on a reachable pgpool is said.
  const broken = analyseWatchdog(cluster, [{ name: 'pool-a', infoError: 'authentication failed' }, probe(1, ['LOST', 'LEADER', 'STANDBY'], true), probe(2, ['LOST', 'LEADER', 'STANDBY'], false)], sqlUp());
  assert.ok(codes(broken).includes('watchdog-unknown') || codes(broken).includes('pgpool-node-down'));
});
