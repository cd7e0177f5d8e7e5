// Split brain offers Fence right on the problem in the tree: the cluster row's tooltip links "Fence NODE" (a trusted
// command link, enabled for that one command) for the node pgpool does not write to, never for the one it does. The
// status is recorded (the core's merge of pgpool's and each node's answers); nothing connects.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recordedTree, type RecordedTree } from './recordedTree';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import type { ClusterStatus } from '../../../src/core/status/model';
import type { ClusterEntry, ClusterModel } from '../../../src/extension/tree/clusterModel';
import { ClusterItem, ClusterTreeProvider, NodeItem } from '../../../src/extension/tree/clusterTreeProvider';

const CLUSTER_FILE = `version: 1
clusters:
  - name: sb
    ssh: { user: postgres }
    database: { user: postgres }
    pgpool:
      - { name: pgpool, host: 10.213.12.10, port: 9999, pcpPort: 9898 }
    nodes:
${[0, 1, 2].map((i) => `      - { name: node${i}, id: ${i}, host: 10.213.12.1${i + 1}, port: 5432 }`).join('\n')}
`;

/** node0 is pgpool's primary; node1 was promoted behind its back (both out of recovery); node2 streams. */
function splitBrain(entry: ClusterEntry): ClusterStatus {
  const pool: PgpoolNodeView[] = [0, 1, 2].map((id) => ({ id, host: `10.213.12.1${id + 1}`, port: 5432, status: 'up', role: id === 0 ? 'primary' : 'standby' }));
  const writable: PgNodeView = { serverVersionNum: 150000, inRecovery: false, timeline: 2, currentLsn: '0/6000000', replication: [] };
  const standby: PgNodeView = { serverVersionNum: 150000, inRecovery: true, timeline: 1, receiveLsn: '0/5000000', replayLsn: '0/5000000', replication: [] };
  return mergeClusterStatus({
    cluster: entry.definition,
    pgpool: [{ name: 'pgpool', host: '10.213.12.10', port: 9999, reachable: true, version: '4.3.5', nodes: pool }],
    nodes: new Map<number, NodeProbe>([[0, { ok: true, view: { ...writable, timeline: 1 } }], [1, { ok: true, view: writable }], [2, { ok: true, view: standby }]]),
    now: new Date('2026-11-29T23:00:00Z'), elapsedMs: 30,
  });
}

suite('problem actions in the tree (recorded status)', () => {
  let tree: RecordedTree;
  let model: ClusterModel;
  let provider: ClusterTreeProvider;

  suiteSetup(async () => {
    tree = await recordedTree('sb-tree-', CLUSTER_FILE);
    ({ model, provider } = tree);
  });

  suiteTeardown(() => tree?.dispose());

  test('split brain: the cluster row links Fence for the node pgpool does not write to, and the link resolves to that node', async () => {
    const entry = model.findCluster('sb');
    assert.ok(entry);
    entry.status = splitBrain(entry);
    assert.ok(entry.status.problems.some((p) => p.code === 'split-brain'), entry.status.problems.map((p) => p.code).join(', '));

    const [root] = (await provider.getChildren()).filter((r): r is ClusterItem => r instanceof ClusterItem);
    assert.ok(root);
    const md = root.tooltip;
    assert.ok(md instanceof vscode.MarkdownString);
    const links = [...md.value.matchAll(/\[\$\(shield\) Fence ([^\]]+)\]\(command:([A-Za-z.]+)\?([^ )]+)/g)];
    // One link on each problem that names node1 (false primary, split brain); none for node0, pgpool's write target.
    assert.deepEqual(links.map((l) => [l[1], l[2]]), [['node1', 'pgpoolCluster.fenceNode'], ['node1', 'pgpoolCluster.fenceNode']], md.value);
    assert.deepEqual(md.isTrusted, { enabledCommands: ['pgpoolCluster.fenceNode'] }, 'only the fence command may run from the tooltip');
    // The link's argument is what the node guard resolves: this cluster file's node1, with its status.
    const [arg] = JSON.parse(decodeURIComponent(links[0]?.[3] ?? '')) as unknown[];
    const ref = model.resolveNode(arg);
    assert.equal(ref?.node.name, 'node1');
    assert.equal(ref?.entry, entry);
    assert.ok(ref?.status?.problems.includes('split-brain'));
    // The node rows offer Fence through the menus too (the one rule), on both writable nodes.
    const nodes = (await provider.getChildren((await provider.getChildren(root))[0])).filter((n): n is NodeItem => n instanceof NodeItem);
    assert.deepEqual(nodes.filter((n) => /\+can-fence(\+|$)/.test(n.contextValue ?? '')).map((n) => n.node.name), ['node0', 'node1']);
  });

  test('a healthy cluster\'s row has no command link and is not trusted', async () => {
    const entry = model.findCluster('sb');
    assert.ok(entry);
    entry.status = { ...splitBrain(entry), problems: [], health: 'healthy' };
    const [root] = (await provider.getChildren()).filter((r): r is ClusterItem => r instanceof ClusterItem);
    const md = root?.tooltip;
    assert.ok(md instanceof vscode.MarkdownString);
    assert.doesNotMatch(md.value, /command:/);
    assert.ok(!md.isTrusted);
  });
});
