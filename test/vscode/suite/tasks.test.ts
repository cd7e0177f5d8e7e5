// `pgpool-cluster` tasks: offered for the lab's nodes, and a status task really runs the bundled CLI.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { labClusterFile } from '../../harness/paths';
import { unmetPrecondition } from '../../harness/precondition';
import { skipWithReason } from './skip';
import { activatedExtension, contributes } from './extension';

const SETTING = 'clusterFiles';

suite('cluster tasks', () => {
  let usedSetting = false;

  suiteSetup(async () => {
    await activatedExtension();
    if (!existsSync(labClusterFile)) return;
    if ((await vscode.workspace.findFiles('**/pgpool-cluster.yaml', undefined, 5)).length === 0) {
      await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, [labClusterFile], vscode.ConfigurationTarget.Global);
      usedSetting = true;
    }
  });

  suiteTeardown(async () => {
    if (usedSetting) await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, undefined, vscode.ConfigurationTarget.Global);
  });

  test('the pgpool-cluster task type is contributed', async () => {
    const defs = (contributes(await activatedExtension()) as { taskDefinitions?: { type: string; required?: string[] }[] }).taskDefinitions ?? [];
    const def = defs.find((d) => d.type === 'pgpool-cluster');
    assert.ok(def, 'no taskDefinitions entry of type pgpool-cluster');
    assert.deepEqual(def.required, ['operation']);
  });

  test('tasks are offered for each lab node and operation, as argv without a shell', async function () {
    if (unmetPrecondition(existsSync(labClusterFile) ? undefined : `the lab is not up (no ${labClusterFile})`, (r) => skipWithReason(this, r))) return;
    const tasks = await vscode.tasks.fetchTasks({ type: 'pgpool-cluster' });
    const names = tasks.map((t) => t.name);
    for (const n of ['status', 'promote node1', 'switchover node1', 'recover node0', 'attach node2', 'detach node2']) {
      assert.ok(names.includes(n), `no task "${n}" among: ${names.join(', ')}`);
    }
    const recover = tasks.find((t) => t.name === 'recover node0');
    assert.ok(recover?.execution instanceof vscode.ProcessExecution, 'tasks run as a process, not a shell line');
    const args = recover.execution.args;
    assert.ok(args[0]?.endsWith('/dist/cli.js'), `argv starts with the bundled CLI: ${args.join(' ')}`);
    assert.deepEqual(args.slice(1, 3), ['recover', 'node0']);
    assert.ok(args.includes('--file'));
    assert.ok(!args.includes('--yes'), 'a destructive task never passes --yes: the terminal asks');
    const attach = tasks.find((t) => t.name === 'attach node2');
    assert.ok(attach?.execution instanceof vscode.ProcessExecution && attach.execution.args.includes('--yes'), 'attach is confirmed by running the task');
  });

  test('the status task runs the CLI and ends with exit code 0 on a healthy lab (1 when degraded)', async function () {
    if (unmetPrecondition(existsSync(labClusterFile) ? undefined : `the lab is not up (no ${labClusterFile})`, (r) => skipWithReason(this, r))) return;
    const task = (await vscode.tasks.fetchTasks({ type: 'pgpool-cluster' })).find((t) => t.name === 'status');
    assert.ok(task, 'no status task');
    const ended = new Promise<number | undefined>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name !== 'status' || e.execution.task.source !== task.source) return;
        sub.dispose();
        resolve(e.exitCode);
      });
    });
    await vscode.tasks.executeTask(task);
    const code = await Promise.race([ended, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 25_000))]);
    // Exit 2 means unreachable and anything else means the CLI did not run: both fail here.
    assert.ok(code === 0 || code === 1, `status task ended with ${String(code)}`);
  });
});
