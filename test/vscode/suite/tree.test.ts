// The "Clusters" view and the status panel against the running lab, through the real vscode API.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { labClusterFile } from '../../harness/paths';
import { unmetPrecondition } from '../../harness/precondition';
import { skipWithReason } from './skip';
import { discoverClusterFiles } from '../../../src/extension/tree/clusterFiles';
import { ClusterModel } from '../../../src/extension/tree/clusterModel';
import { ClusterItem, ClusterTreeProvider, NodeItem, PgpoolItem, type ClusterTreeItem } from '../../../src/extension/tree/clusterTreeProvider';
import { activatedExtension } from './extension';
import { waitFor } from '../../harness/wait';

const SETTING = 'clusterFiles';

async function nodeItems(provider: ClusterTreeProvider): Promise<NodeItem[]> {
  const roots = await provider.getChildren();
  const lab = roots.find((r): r is ClusterItem => r instanceof ClusterItem && r.entry.definition.name === 'lab');
  assert.ok(lab, `no "lab" cluster in the tree: ${roots.map((r) => String(r.label)).join(', ')}`);
  const pgpools = (await provider.getChildren(lab)).filter((i): i is PgpoolItem => i instanceof PgpoolItem);
  assert.equal(pgpools.length, 1, 'the lab has one pgpool instance');
  const nodes = await provider.getChildren(pgpools[0] as ClusterTreeItem);
  return nodes.filter((n): n is NodeItem => n instanceof NodeItem);
}

suite('cluster tree and status panel (lab)', () => {
  let usedSetting = false;

  suiteSetup(async () => {
    await activatedExtension();
    if (!existsSync(labClusterFile)) return;
    const inWorkspace = await vscode.workspace.findFiles('**/pgpool-cluster.yaml', undefined, 5);
    if (inWorkspace.length === 0) {
      // No copy in the workspace: point the setting at the lab's own file instead.
      await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, [labClusterFile], vscode.ConfigurationTarget.Global);
      usedSetting = true;
    }
  });

  suiteTeardown(async () => {
    if (usedSetting) await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, undefined, vscode.ConfigurationTarget.Global);
  });

  test('the tree shows the lab\'s 3 nodes with their contextValues', async function () {
    if (unmetPrecondition(existsSync(labClusterFile) ? undefined : `the lab is not up (no ${labClusterFile})`, (r) => skipWithReason(this, r))) return;
    const model = new ClusterModel({ discoverFiles: discoverClusterFiles, hostKeyPolicy: { mode: 'strict' }, timeoutMs: 5000 });
    const provider = new ClusterTreeProvider(model);
    try {
      await model.reload();
      assert.deepEqual(model.fileProblems, []);
      await model.refresh();
      const nodes = await nodeItems(provider);
      assert.deepEqual(nodes.map((n) => n.node.name).sort(), ['node0', 'node1', 'node2']);
      const contexts = nodes.map((n) => n.contextValue ?? '').sort();
      const grammar = /^node\+(primary|standby|unknown)\+(up|waiting|down|quarantine|unreachable)(\+detached)?(\+problem)?(\+was-primary)?(\+can-[a-z]+)*$/;
      for (const c of contexts) assert.match(c, grammar);
      // Other suites may stop or fail over lab nodes meanwhile; the exact set holds for a healthy lab.
      if (model.findCluster('lab')?.status?.health === 'healthy') {
        assert.deepEqual(contexts, ['node+primary+up+can-detach', 'node+standby+up+can-promote+can-switchover+can-detach', 'node+standby+up+can-promote+can-switchover+can-detach'], `contextValues: ${contexts.join(', ')}`);
      }
      for (const n of nodes) {
        assert.ok(n.status, `${n.node.name} has no status after a refresh`);
        assert.match(String(n.description), new RegExp(`^${n.node.host.replace(/\./g, '\\.')}:5432 · ${n.status.role}`));
        assert.ok(n.tooltip instanceof vscode.MarkdownString && n.tooltip.value.includes(n.node.name));
        assert.equal(n.contextValue?.startsWith(`node+${n.status.role}+${n.status.status}`), true);
        assert.equal(n.cluster.name, 'lab');
      }
      assert.ok(model.resolveNode({ cluster: 'lab', node: 'node1' })?.status, 'resolveNode finds a node with status');
    } finally {
      provider.dispose();
      model.dispose();
    }
  });

  test('a cluster file named in the setting is discovered', async function () {
    if (unmetPrecondition(existsSync(labClusterFile) ? undefined : `the lab is not up (no ${labClusterFile})`, (r) => skipWithReason(this, r))) return;
    const config = vscode.workspace.getConfiguration('pgpoolCluster');
    const before = config.inspect<string[]>(SETTING)?.globalValue;
    await config.update(SETTING, [labClusterFile], vscode.ConfigurationTarget.Global);
    try {
      assert.ok((await discoverClusterFiles()).includes(labClusterFile));
    } finally {
      await config.update(SETTING, before, vscode.ConfigurationTarget.Global);
    }
  });

  test('the contributed view opens and refreshes', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.pgpoolCluster');
    await vscode.commands.executeCommand('pgpoolCluster.clusters.focus');
    await vscode.commands.executeCommand('pgpoolCluster.refresh');
  });

  test('"Show Cluster Status" opens the status panel', async () => {
    await vscode.commands.executeCommand('pgpoolCluster.showStatus');
    const isPanel = (t: vscode.Tab): boolean => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('pgpoolCluster.status');
    const tab = await waitFor('a webview tab of type pgpoolCluster.status', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find(isPanel), 10_000, 200);
    assert.equal(tab.label, 'Cluster Status');
    await vscode.window.tabGroups.close(tab);
  });
});
