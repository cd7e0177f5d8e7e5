// Promote and Recover through the contributed commands against the running lab, with the modal
// confirmations answered by the test; PostgreSQL and pgpool-II are then asked what really changed.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { labClusterFile } from '../../harness/paths';
import { unmetPrecondition } from '../../harness/precondition';
import { skipWithReason } from './skip';
import { answerDialogs, type Prompt } from './dialogs';
import { activatedExtension } from './extension';
import { healthyPrimary, inRecovery, labCluster, poolNodes, primaries, primaryAndUpStandbys, waitUntil } from '../../harness/labCluster';

const SETTING = 'clusterFiles';
/** The button of the first-connection confirmation (the cluster's hosts shown once per file). */
const CONNECT_ANSWER = 'Connect';

/** A user's answers: fence when asked (the primary still runs), run the plan, the default recovery method. */
function userAnswers(prompt: Prompt): string | undefined {
  if (prompt.kind === 'quickPick') return prompt.items[0];
  return prompt.items.find((i) => i.startsWith('Run ') || i.startsWith('Stop ') || i === CONNECT_ANSWER);
}

const describePrompts = (ps: Prompt[]): string => ps.map((p) => `${p.kind}${p.modal ? ' (modal)' : ''}: ${p.message} [${p.items.join(' | ')}]`).join('\n');

/** Last resort after a failed test: the CLI's recover on every node that is down, so the lab stays usable. */
function repairLab(extensionPath: string, down: string[]): void {
  for (const node of down) {
    spawnSync(process.execPath, [join(extensionPath, 'dist', 'cli.js'), 'recover', node, '--file', labClusterFile, '--yes'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000, stdio: 'ignore',
    });
  }
}

suite('operations against the lab (promote, recover)', function () {
  this.timeout(180_000);
  let usedSetting = false;
  let cluster: ClusterDefinition | undefined;
  let extensionPath = '';
  let oldPrimary = '';
  let promoted = '';

  suiteSetup(async function () {
    extensionPath = (await activatedExtension()).extensionPath;
    if (unmetPrecondition(existsSync(labClusterFile) ? undefined : `the lab is not up (no ${labClusterFile})`, (r) => skipWithReason(this, r))) return;
    const inWorkspace = await vscode.workspace.findFiles('**/pgpool-cluster.yaml', undefined, 5);
    if (inWorkspace.length === 0) {
      await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, [labClusterFile], vscode.ConfigurationTarget.Global);
      usedSetting = true;
    }
    cluster = await labCluster(labClusterFile);
    await vscode.commands.executeCommand('pgpoolCluster.refresh');
  });

  suiteTeardown(async () => {
    if (usedSetting) await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, undefined, vscode.ConfigurationTarget.Global);
    if (!cluster) return;
    const c = cluster;
    if (await healthyPrimary(c).catch(() => undefined)) return;
    const down: string[] = [];
    for (const n of c.nodes) if ((await inRecovery(c, n.name)) === undefined) down.push(n.name);
    const pool = await poolNodes(c).catch(() => []);
    for (const p of pool) {
      const n = c.nodes.find((x) => x.host === p.hostname);
      if (n && p.status === 'down' && !down.includes(n.name)) down.push(n.name);
    }
    repairLab(extensionPath, down);
  });

  test('Promote a standby: the plan is confirmed, the standby becomes the primary', async () => {
    const c = cluster;
    assert.ok(c);
    // Other suites share this lab and may be failing it over right now: start from a healthy cluster.
    const start = await waitUntil('one primary and a standby up in pgpool', async () => {
      const s = await primaryAndUpStandbys(c);
      return s && s.standbys.length > 0 ? s : undefined;
    }, 60_000);
    oldPrimary = start.primary;
    promoted = start.standbys[0] ?? '';
    assert.equal(await inRecovery(c, promoted), true, `${promoted} is a standby before the test`);

    const dialogs = answerDialogs(userAnswers);
    let outcome: unknown;
    try {
      outcome = await vscode.commands.executeCommand('pgpoolCluster.promoteNode', { cluster: c.name, node: promoted });
    } finally {
      dialogs.restore();
    }
    const log = describePrompts(dialogs.prompts);
    assert.deepEqual((outcome as { outcome?: string } | undefined)?.outcome, 'done', `the command returned ${JSON.stringify(outcome)}:\n${log}`);
    assert.ok(dialogs.prompts.some((p) => p.modal && p.items.includes(`Run promote on ${promoted}`)), `no modal confirmation of the plan:\n${log}`);
    assert.ok(!dialogs.prompts.some((p) => p.kind === 'error'), `the command reported an error:\n${log}`);

    assert.equal(await inRecovery(c, promoted), false, `${promoted} is still in recovery after promote:\n${log}`);
    assert.deepEqual(await primaries(c), [promoted], 'PostgreSQL reports exactly the promoted node as primary');
    const promotedHost = c.nodes.find((n) => n.name === promoted)?.host;
    await waitUntil(`pgpool to show ${promoted} as primary`, async () => {
      const pool = await poolNodes(c);
      return pool.some((p) => p.hostname === promotedHost && p.role === 'primary') ? true : undefined;
    }, 30_000);
  });

  test('an unknown node is refused, and the command says so in its outcome', async () => {
    const c = cluster;
    assert.ok(c);
    const dialogs = answerDialogs(() => undefined);
    let outcome: unknown;
    try {
      outcome = await vscode.commands.executeCommand('pgpoolCluster.attachNode', { cluster: c.name, node: 'no-such-node' });
    } finally {
      dialogs.restore();
    }
    assert.equal((outcome as { outcome?: string }).outcome, 'refused');
    assert.match((outcome as { message: string }).message, /no-such-node/);
  });

  test('Recover the old primary: it comes back as a standby of the new one', async function () {
    const c = cluster;
    assert.ok(c);
    if (unmetPrecondition(oldPrimary && promoted ? undefined : 'the promote test before this one did not run', (r) => skipWithReason(this, r))) return;
    const dialogs = answerDialogs(userAnswers);
    let outcome: unknown;
    try {
      outcome = await vscode.commands.executeCommand('pgpoolCluster.recoverNode', { cluster: c.name, node: oldPrimary });
    } finally {
      dialogs.restore();
    }
    const log = describePrompts(dialogs.prompts);
    assert.deepEqual((outcome as { outcome?: string } | undefined)?.outcome, 'done', `the command returned ${JSON.stringify(outcome)}:\n${log}`);
    assert.ok(dialogs.prompts.some((p) => p.kind === 'quickPick'), `recover did not ask for a method:\n${log}`);
    assert.ok(dialogs.prompts.some((p) => p.modal && p.items.includes(`Run recover on ${oldPrimary}`)), `no modal confirmation of the plan:\n${log}`);
    assert.ok(!dialogs.prompts.some((p) => p.kind === 'error'), `the command reported an error:\n${log}`);

    const after = await waitUntil(`${oldPrimary} up in pgpool as a standby`, async () => {
      const s = await primaryAndUpStandbys(c);
      return s?.standbys.includes(oldPrimary) ? s : undefined;
    }, 60_000);
    assert.equal(after.primary, promoted, 'the promoted node stays the primary');
    assert.equal(await inRecovery(c, oldPrimary), true, `${oldPrimary} is a standby again`);
  });
});
