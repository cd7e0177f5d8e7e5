// Fence on the isolated lab: the primary frozen past pgpool's failover, then thawed, is a false primary; fence
// stops it so no client can write there (even if someone starts it again), and recover rejoins it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolatedRequested } from '../../src/core/lab/lab';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { FENCE_BEGIN } from '../../src/core/ops/handover/fenceHba';
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

  // Started again behind the tool's back, the fenced node still takes no TCP client: the pg_hba block holds.
  const dir = old.dataDir;
  const pgCtl = layout.isolation ? '/usr/lib/postgresql/15/bin/pg_ctl' : 'pg_ctl'; // not on the isolated hosts' PATH
  // pgpool's follow_primary may be rewinding and starting it at the same moment (it does so with a thawed primary):
  // start it unless it runs, until it runs, by whichever hand.
  // (A start while follow_primary is between its pg_rewind and its standby.signal would make a primary again.)
  await waitUntil("pgpool's failover and follow_primary scripts to be done", async () =>
    ssh(layout, labUser(), layout.pgpool.address, shellCommand(['pgrep', '-f', 'failover.sh|follow_primary.sh'])).code === 1, 120_000);
  const running = (): boolean => ssh(layout, labUser(), old.host, shellCommand([pgCtl, '-D', dir, 'status'])).code === 0;
  await waitUntil(`${old.name} to run again`, async () => {
    if (running()) return true;
    ssh(layout, labUser(), old.host, shellCommand([pgCtl, '-D', dir, '-l', `${dir}/startup.log`, '-w', '-t', '60', 'start']));
    return running();
  }, 120_000);
  // Either the fence's pg_hba block refuses every client, or follow_primary got there first: its pg_rewind copies the
  // new primary's configuration (pg_hba.conf included) and starts the node as its standby, which takes no write.
  const refused = await connectError(old.host);
  if (refused === undefined) assert.equal(await inRecovery(old.host), true, `${old.name} took a client although neither fenced nor a standby`);
  else assert.match(refused, /pg_hba\.conf rejects connection/);

  const recover = ops(['recover', old.name, '--yes']);
  // When follow_primary already made it a streaming standby, recover rightly finds nothing to do.
  const nothingToDo = recover.code === 3 && /is up, attached and streaming; there is nothing to recover/.test(recover.stderr);
  assert.ok(recover.code === 0 || nothingToDo, `recover: ${recover.code} ${recover.stdout}\n${recover.stderr}`);
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
  if (!nothingToDo) assert.ok(recovered && fenced.time < recovered.time, `the fence, then the recover, from the audit log:\n${story}`);
  assert.ok(fenced.group?.startsWith('fence '), 'the fence is its own group');
  await restoreLab();
});
