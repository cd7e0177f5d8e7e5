// The "Clusters" view of a watchdog cluster (three pgpool nodes and a VIP) through the real vscode API. Its status
// comes from recorded pgpool-II 4.3.5 `pcp_watchdog_info --verbose` output and `ip -o -4 addr` lines, put through
// the core's own merge and watchdog analysis (what the collector does with live answers); nothing connects. The live
// watchdog cluster is covered by the integration watchdog tests.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { fixturesDir } from '../../harness/paths';
import { recordedTree, type RecordedTree } from './recordedTree';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import { parseWatchdogInfo } from '../../../src/core/db/watchdogInfo';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { parseIpAddrLines } from '../../../src/core/remote/ipAddr';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import type { ClusterStatus } from '../../../src/core/status/model';
import { analyseWatchdog, withWatchdog, type PgpoolSqlView, type WatchdogProbe } from '../../../src/core/status/watchdog';
import type { ClusterEntry, ClusterModel } from '../../../src/extension/tree/clusterModel';
import { ClusterItem, ClusterTreeProvider, NodeItem, PgpoolGroupItem, PgpoolItem } from '../../../src/extension/tree/clusterTreeProvider';

const HOSTS = ['10.213.12.10', '10.213.12.20', '10.213.12.30'];
const VIP = '10.213.12.100';
const CLUSTER_FILE = `version: 1
clusters:
  - name: wd
    pgpoolVersion: "4.3"
    ssh: { user: postgres }
    database: { user: postgres }
    pgpool:
${HOSTS.map((h, i) => `      - { name: pgpool${i}, host: ${h}, port: 9999, pcpPort: 9898 }`).join('\n')}
    nodes:
${[0, 1, 2].map((i) => `      - { name: node${i}, id: ${i}, host: 10.213.12.1${i + 1}, port: 5432 }`).join('\n')}
`;

/**
 * The recorded answer of the standby at .20 (leader .10), re-told from another node's side and with other roles:
 * its node blocks reordered (the queried node first, as pgpool prints), Status/Status Name and the cluster
 * header's quorum and leader lines replaced. Everything else is pgpool's own text.
 */
function recordedView(self: string, roles: Readonly<Record<string, string>>, quorum = 'QUORUM EXIST'): string {
  const text = readFileSync(join(fixturesDir, 'watchdog', 'pcp_watchdog_info-4.3.5-standby.txt'), 'utf8');
  const [header = '', ...rest] = text.trimEnd().split('\n\n');
  const blocks = rest.map((b) => b.replace(/^Watchdog Node Information \n/, ''));
  const hostOf = (b: string): string => /Host Name\s*: (\S+)/.exec(b)?.[1] ?? '';
  const ordered = [...blocks.filter((b) => hostOf(b) === self), ...blocks.filter((b) => hostOf(b) !== self)].map((b) => {
    const role = roles[hostOf(b)] ?? 'LOST';
    return b.replace(/^Status\s+: \d+$/m, `Status            : ${role === 'LEADER' ? 4 : role === 'STANDBY' ? 7 : 8}`)
      .replace(/^Status Name\s+: .*$/m, `Status Name       : ${role}`);
  });
  const leader = Object.entries(roles).find(([, r]) => r === 'LEADER')?.[0];
  const alive = Object.entries(roles).filter(([h, r]) => h !== self && (r === 'LEADER' || r === 'STANDBY')).length;
  const head = header.replace(/Quorum state\s*: .*/, `Quorum state             : ${quorum}`)
    .replace(/Alive Remote Nodes\s*: .*/, `Alive Remote Nodes       : ${alive}`)
    .replace(/Local node escalation\s*: .*/, `Local node escalation    : ${leader === self ? 'YES' : 'NO'}`)
    .replace(/Leader Node Name\s*: .*/, `Leader Node Name         : ${leader ? `${leader}:9999 Linux vm` : 'Not_Set'}`)
    .replace(/Leader Host Name\s*: .*/, `Leader Host Name         : ${leader ?? 'Not_Set'}`);
  return [head, `Watchdog Node Information \n${ordered.join('\n\n')}`].join('\n\n') + '\n';
}

/** `ip -o -4 addr show` of pgpool host i, with the VIP as a secondary address when it holds it. */
const ipAddr = (i: number, vip: boolean): string => [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  `2: eth0@if9    inet ${HOSTS[i]}/24 brd 10.213.12.255 scope global eth0\\       valid_lft forever preferred_lft forever`,
  ...(vip ? [`2: eth0@if9    inet ${VIP}/24 scope global secondary eth0:0\\       valid_lft forever preferred_lft forever`] : []),
].join('\n');

const backends: PgpoolNodeView[] = [0, 1, 2].map((id) => ({ id, host: `10.213.12.1${id + 1}`, port: 5432, role: id === 0 ? 'primary' : 'standby', status: 'up' }));
const primaryView: PgNodeView = { serverVersionNum: 150000, inRecovery: false, timeline: 1, currentLsn: '0/5000000', replication: [] };
const standbyView: PgNodeView = { serverVersionNum: 150000, inRecovery: true, timeline: 1, receiveLsn: '0/5000000', replayLsn: '0/5000000', replication: [] };

/** The status the collector would build from these answers: merge by the leader's view, then the watchdog analysis. */
function statusFrom(cluster: ClusterDefinition, probes: WatchdogProbe[], sql: PgpoolSqlView[]): ClusterStatus {
  const pgpool = cluster.pgpool.map((p) => {
    const s = sql.find((x) => x.name === p.name);
    return { name: p.name, host: p.host, port: p.port, ...(s?.reachable ? { reachable: true, version: '4.3.5', nodes: s.nodes ?? [] } : { reachable: false, error: s?.error ?? 'no answer' }) };
  });
  const analysis = analyseWatchdog(cluster, probes, sql);
  const leader = pgpool.find((p) => p.name === analysis.watchdog.leader && p.reachable);
  const merged = mergeClusterStatus({
    cluster, pgpool: leader ? [leader, ...pgpool.filter((p) => p !== leader)] : pgpool,
    nodes: new Map<number, NodeProbe>([[0, { ok: true, view: primaryView }], [1, { ok: true, view: standbyView }], [2, { ok: true, view: standbyView }]]),
    now: new Date('2026-11-29T23:00:00Z'), elapsedMs: 40,
  });
  return withWatchdog(merged, cluster, analysis);
}

const roles = (...r: string[]): Record<string, string> => Object.fromEntries(HOSTS.map((h, i) => [h, r[i] ?? 'LOST']));
const probe = (cluster: ClusterDefinition, i: number, info: string | undefined, vip: boolean, infoError?: string): WatchdogProbe => ({
  name: cluster.pgpool[i]!.name, ...(info ? { info: parseWatchdogInfo(info) } : {}), ...(infoError ? { infoError } : {}), addresses: parseIpAddrLines(ipAddr(i, vip)),
});
const sqlUp = (cluster: ClusterDefinition, up = [true, true, true]): PgpoolSqlView[] =>
  cluster.pgpool.map((p, i) => (up[i] ? { name: p.name, reachable: true, nodes: backends } : { name: p.name, reachable: false, error: 'connection refused' }));

interface Rendered {
  readonly cluster: ClusterItem;
  readonly group: PgpoolGroupItem;
  readonly pgpools: PgpoolItem[];
  readonly nodes: NodeItem[];
}

async function render(provider: ClusterTreeProvider): Promise<Rendered> {
  const roots = await provider.getChildren();
  const cluster = roots.find((r): r is ClusterItem => r instanceof ClusterItem);
  assert.ok(cluster, 'the watchdog cluster is in the tree');
  const children = await provider.getChildren(cluster);
  const groups = children.filter((c): c is PgpoolGroupItem => c instanceof PgpoolGroupItem);
  assert.equal(groups.length, 1, 'one group row for the pgpool nodes');
  const pgpools = (await provider.getChildren(groups[0])).filter((c): c is PgpoolItem => c instanceof PgpoolItem);
  // The backends are shown once, beside the group, not under every pgpool.
  const nodes = children.filter((c): c is NodeItem => c instanceof NodeItem);
  for (const p of pgpools) assert.deepEqual(await provider.getChildren(p), [], `${String(p.label)} has no children`);
  return { cluster, group: groups[0]!, pgpools, nodes };
}

const iconOf = (item: vscode.TreeItem): string => {
  const i = item.iconPath;
  return i instanceof vscode.ThemeIcon ? `${i.id}${i.color ? `/${(i.color as unknown as { id: string }).id}` : ''}` : String(i);
};
/** The tooltip's text as a reader sees it: markdown escapes and the &nbsp; of appendText undone. */
const tooltipOf = (item: vscode.TreeItem): string => (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? ''))
  .replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
const WATCHDOG_CODES = ['watchdog-no-leader', 'watchdog-leaders', 'watchdog-quorum-lost', 'vip-on-two-hosts', 'vip-not-held', 'pgpool-views-differ', 'pgpool-node-down', 'watchdog-unknown'];

suite('watchdog cluster in the tree (recorded status)', () => {
  let tree: RecordedTree;
  let model: ClusterModel;
  let provider: ClusterTreeProvider;
  let entry: ClusterEntry;

  suiteSetup(async () => {
    tree = await recordedTree('wd-tree-', CLUSTER_FILE);
    ({ model, provider } = tree);
    assert.deepEqual(model.fileProblems, []);
    const e = model.findCluster('wd');
    assert.ok(e, 'cluster wd loaded');
    entry = e;
  });

  suiteTeardown(() => tree?.dispose());

  test('healthy: the pgpool nodes as a group with quorum, leader and VIP; each with role, priority, VIP holder', async () => {
    const c = entry.definition;
    const r = roles('LEADER', 'STANDBY', 'STANDBY');
    entry.status = statusFrom(c, HOSTS.map((h, i) => probe(c, i, recordedView(h, r), i === 0)), sqlUp(c));
    const t = await render(provider);
    assert.equal(t.group.label, 'pgpool nodes');
    assert.equal(t.group.description, `3/3 up · quorum exist · leader pgpool0 · VIP on pgpool0`);
    assert.equal(t.group.contextValue, 'pgpool-group');
    assert.equal(iconOf(t.group), 'server-environment/charts.green');
    assert.deepEqual(t.pgpools.map((p) => [p.label, p.description]), [
      ['pgpool0', 'LEADER · priority 3 · holds VIP · primary node0'],
      ['pgpool1', 'STANDBY · priority 2 · primary node0'],
      ['pgpool2', 'STANDBY · priority 1 · primary node0'],
    ]);
    assert.deepEqual(t.pgpools.map((p) => p.contextValue), [
      'pgpool+up+wd-leader+vip+can-stop+can-recover', 'pgpool+up+wd-standby+can-stop+can-recover', 'pgpool+up+wd-standby+can-stop+can-recover',
    ]);
    assert.equal(iconOf(t.pgpools[0]!), 'star-full/charts.green');
    assert.match(tooltipOf(t.pgpools[0]!), /VIP 10\.213\.12\.100: held here \(checked on the host\)/);
    assert.match(tooltipOf(t.pgpools[1]!), /Quorum: exist; leader: pgpool0/);
    assert.deepEqual(t.nodes.map((n) => n.node.name), ['node0', 'node1', 'node2']);
    assert.deepEqual(entry.status.problems.map((p) => p.code).filter((code) => WATCHDOG_CODES.includes(code)), []);
  });

  test('two hosts hold the VIP: a killed leader kept it; the group turns red and the cluster row names both', async () => {
    const c = entry.definition;
    // pgpool0's parent was killed -9: its children still answer SQL, pcp does not, the VIP stayed on its host.
    const r = roles('SHUTDOWN', 'LEADER', 'STANDBY');
    entry.status = statusFrom(c, [
      probe(c, 0, undefined, true, 'pcp_watchdog_info: connection to socket failed'),
      probe(c, 1, recordedView(HOSTS[1]!, r), true), probe(c, 2, recordedView(HOSTS[2]!, r), false),
    ], sqlUp(c));
    const t = await render(provider);
    assert.equal(t.group.description, '3/3 up · quorum exist · leader pgpool1 · VIP on pgpool0 and pgpool1');
    assert.equal(iconOf(t.group), 'server-environment/errorForeground');
    assert.equal(t.pgpools[0]!.description, 'SHUTDOWN · priority 3 · holds VIP · primary node0');
    assert.equal(t.pgpools[0]!.contextValue, 'pgpool+up+wd-shutdown+vip+can-start+can-recover', 'orphans answer: start (stops them first) or recover');
    assert.match(tooltipOf(t.pgpools[0]!), /SHUTDOWN\*\*, priority 3 \(as pgpool1 reports it\)/);
    assert.equal(iconOf(t.pgpools[0]!), 'debug-disconnect/errorForeground');
    assert.match(tooltipOf(t.cluster), /The VIP 10\.213\.12\.100 is up on pgpool0 and pgpool1 at once/);
    assert.ok(entry.status.problems.some((p) => p.code === 'vip-on-two-hosts'));
  });

  test('no leader and quorum lost: two pgpool nodes down, the survivor alone; both problems on the cluster row', async () => {
    const c = entry.definition;
    const r = roles('LOST', 'LOST', 'STANDBY');
    entry.status = statusFrom(c, [
      probe(c, 0, undefined, false, 'connection refused'), probe(c, 1, undefined, false, 'connection refused'),
      probe(c, 2, recordedView(HOSTS[2]!, r, 'QUORUM ABSENT'), false),
    ], sqlUp(c, [false, false, true]));
    const t = await render(provider);
    assert.equal(t.group.description, '1/3 up · quorum absent · leader none · VIP on no host');
    assert.equal(iconOf(t.group), 'server-environment/errorForeground');
    assert.deepEqual(t.pgpools.map((p) => p.description), [
      'LOST · priority 3 · unreachable', 'LOST · priority 2 · unreachable', 'STANDBY · priority 1 · primary node0',
    ]);
    assert.deepEqual(t.pgpools.map((p) => p.contextValue), [
      'pgpool+unreachable+wd-lost+can-start+can-recover', 'pgpool+unreachable+wd-lost+can-start+can-recover', 'pgpool+up+wd-standby+can-stop+can-recover',
    ]);
    const codes = entry.status.problems.map((p) => p.code);
    assert.ok(codes.includes('watchdog-no-leader'), codes.join(', '));
    assert.ok(codes.includes('watchdog-quorum-lost'), codes.join(', '));
    const tip = tooltipOf(t.cluster);
    assert.match(tip, /No pgpool node is the watchdog leader/);
    assert.match(tip, /The watchdog has lost quorum \(1 of 3 pgpool nodes alive\)/);
  });

  test('before the first refresh the group says how many pgpool nodes there are and offers no operation', async () => {
    delete entry.status;
    entry.error = 'not refreshed in this test';
    const t = await render(provider);
    assert.equal(t.group.description, '3 pgpool nodes');
    assert.deepEqual(t.pgpools.map((p) => p.contextValue), ['pgpool+unknown', 'pgpool+unknown', 'pgpool+unknown']);
  });
});
