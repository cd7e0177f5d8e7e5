// Fence on the isolated lab: the primary frozen past pgpool's failover, then thawed, is a false primary; fence
// stops it so no client can write there (even if someone starts it again), pgpool's follow_primary leaves it alone
// (its fence mark), and only recover rejoins it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolatedRequested } from '../../src/core/lab/lab';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { FENCE_BEGIN } from '../../src/core/ops/handover/fenceHba';
import { fenceMarkPath } from '../../src/core/status/fenceMark';
import type { ClusterEvent } from '../../src/core/history/events';
import { cli, labUser, query, ssh } from '../lab/labFixture';
import { unmetPrecondition } from '../harness/precondition';
import { inRecovery, layout, NODES, ops, primaries, restoreLab, standbysStreamingFrom, waitUntil } from './opsLab';

const lab = (...args: string[]): ReturnType<typeof cli> => cli(['lab', ...args]);

/** A new session's error, or undefined when it opened. */
async function connectError(host: string): Promise<string | undefined> {
  try {
    await query(host, 5432, 'SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

test('freeze the primary past failover, thaw it, fence the false primary, recover it: never two writable nodes at the end', async (t) => {
  if (unmetPrecondition(isolatedRequested() ? undefined : 'lab faults need the isolated lab (PGPOOL_CLUSTER_LAB_ISOLATED=1, root)', (r) => t.skip(r))) return;
  await restoreLab();
  const since = new Date().toISOString();
  const [first] = await primaries();
  const old = NODES.find((n) => n.name === first);
  assert.ok(old, 'one primary before the fault');
  try {
    const freeze = lab('fault', 'freeze', old.name);
    assert.equal(freeze.code, 0, freeze.stderr);
    await waitUntil('pgpool to promote another node while the primary is frozen', async () => (await primaries()).some((p) => p !== old.name), 60_000);
  } finally {
    const heal = lab('heal');
    assert.equal(heal.code, 0, heal.stderr);
  }
  const promoted = (await primaries()).find((p) => p !== old.name);
  assert.ok(promoted, 'a new primary');
  await waitUntil(`${old.name} to answer again after the thaw`, async () => (await inRecovery(old.host)) !== undefined, 20_000);
  assert.equal(await inRecovery(old.host), false, `${old.name} came back as a false primary (two writable nodes)`);

  const fence = ops(['fence', old.name, '--yes']);
  assert.equal(fence.code, 0, `fence: ${fence.stdout}\n${fence.stderr}`);
  assert.match(fence.stdout, /fence .*done and verified/);
  assert.deepEqual(await primaries(), [promoted], 'only the new primary accepts writes after the fence');
  assert.ok(await connectError(old.host), `${old.name} accepts no new session`);

  // The fence's mark beside the data directory (pg_rewind does not touch it): pgpool's follow_primary leaves the node
  // alone, status says it is fenced, and only recover brings it back.
  const dir = old.dataDir;
  const mark = fenceMarkPath(dir);
  assert.equal(ssh(layout, labUser(), old.host, shellCommand(['test', '-f', mark])).code, 0, `fence left ${mark}`);
  const pgCtl = layout.isolation ? '/usr/lib/postgresql/15/bin/pg_ctl' : 'pg_ctl'; // not on the isolated hosts' PATH
  const running = (): boolean => ssh(layout, labUser(), old.host, shellCommand([pgCtl, '-D', dir, 'status'])).code === 0;
  await waitUntil("pgpool's failover and follow_primary scripts to be done", async () =>
    ssh(layout, labUser(), layout.pgpool.address, shellCommand(['pgrep', '-f', 'failover.sh|follow_primary.sh'])).code === 1, 120_000);
  assert.equal(running(), false, `${old.name} runs again after the fence: pgpool's follow_primary must leave a fenced node alone`);
  assert.ok(await connectError(old.host), `${old.name} accepts no new session`);
  const st = ops(['status', '--json']);
  const problems = (JSON.parse(st.stdout) as { clusters: Array<{ problems: Array<{ code: string; nodes: string[]; message: string }> }> }).clusters[0]?.problems ?? [];
  const fencedProblem = problems.find((p) => p.code === 'fenced' && p.nodes.includes(old.name));
  assert.ok(fencedProblem, `status shows ${old.name} fenced: ${JSON.stringify(problems)}`);
  assert.match(fencedProblem.message, /is fenced \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by \S+@\S+\).*recover/);

  // Started again behind the tool's back, the fenced node still takes no TCP client: the pg_hba block holds (put back
  // by follow_primary when its pg_rewind had replaced pg_hba.conf under the fence).
  assert.equal(ssh(layout, labUser(), old.host, shellCommand([pgCtl, '-D', dir, '-l', `${dir}/startup.log`, '-w', '-t', '60', 'start'])).code, 0, `${old.name} starts by hand`);
  assert.match(await connectError(old.host) ?? 'a session opened', /pg_hba\.conf rejects connection/);

  const recover = ops(['recover', old.name, '--yes']);
  assert.equal(recover.code, 0, `recover: ${recover.stdout}\n${recover.stderr}`);
  assert.notEqual(ssh(layout, labUser(), old.host, shellCommand(['test', '-e', mark])).code, 0, `recover removed ${mark}`);
  assert.equal(await inRecovery(old.host), true, `${old.name} is a standby again`);
  const promotedHost = NODES.find((n) => n.name === promoted)!.host;
  assert.ok((await standbysStreamingFrom(promotedHost)).includes(old.name), `${promoted} streams to ${old.name}`);
  const hba = ssh(layout, labUser(), old.host, shellCommand(['cat', `${dir}/pg_hba.conf`]));
  assert.equal(hba.code, 0, hba.stderr);
  assert.ok(!hba.stdout.includes(FENCE_BEGIN), 'recover removed the fence block');
  assert.deepEqual(await primaries(), [promoted], 'one primary at the end');

  // The history tells it: pgpool's detection and failover.sh in one group (an incident); then the fence
  // and the recover as the tool's operations.
  const ev = ops(['events', '--json', '--since', since]);
  assert.equal(ev.code, 0, ev.stderr);
  const list = (JSON.parse(ev.stdout) as { events: ClusterEvent[] }).events;
  const story = list.map((e) => `${e.time} ${e.source} ${e.kind} ${e.node ?? ''} [${e.group ?? ''}] ${e.message}`).join('\n');
  const detected = list.find((e) => (e.kind === 'health-check-failed' || e.kind === 'degenerate-request') && e.node === old.name);
  assert.ok(detected?.group, `pgpool's detection of the frozen ${old.name} is grouped:\n${story}`);
  assert.equal(list.find((e) => e.kind === 'failover-command' && e.node === old.name)?.group, detected?.group, `failover.sh belongs to it:\n${story}`);
  const fenced = list.find((e) => e.kind === 'fence-done' && e.node === old.name);
  const recovered = list.find((e) => e.kind === 'recover-done' && e.node === old.name);
  assert.ok(fenced, `the fence, from the audit log:\n${story}`);
  assert.ok(recovered && fenced.time < recovered.time, `the fence, then the recover, from the audit log:\n${story}`);
  assert.ok(fenced.group?.startsWith('fence '), 'the fence is its own group');

  // A mark left on a node other hands brought back (streaming, attached): recover removes only the mark.
  await waitUntil(`pgpool to list ${old.name} up`, async () => {
    const st2 = JSON.parse(ops(['status', '--json']).stdout) as { clusters: Array<{ nodes: Array<{ name: string; status: string }> }> };
    return st2.clusters[0]?.nodes.find((n) => n.name === old.name)?.status === 'up';
  }, 30_000);
  assert.equal(ssh(layout, labUser(), old.host, shellCommand(['sh', '-c', 'printf "since=2026-11-30T03:00:00Z\\nby=someone@else\\n" > "$1"', '_', mark])).code, 0);
  const unmark = ops(['recover', old.name, '--yes']);
  assert.equal(unmark.code, 0, `recover of a marked streaming standby: ${unmark.stdout}\n${unmark.stderr}`);
  assert.match(`${unmark.stdout}${unmark.stderr}`, /only its fence mark is left/);
  assert.notEqual(ssh(layout, labUser(), old.host, shellCommand(['test', '-e', mark])).code, 0, `recover removed ${mark}`);
  await restoreLab();
});
