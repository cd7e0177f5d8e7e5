// `pgpool-cluster events` on the lab: a real failover and a recover, read back from pgpool's and the servers' logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterEvent } from '../../src/core/history/events';
import { labUser, ssh } from '../lab/labFixture';
import { crash, currentPrimary, layout, NODES, ops, primaries, restoreLab, waitUntil } from './opsLab';

interface EventsJson { sources: Array<{ origin: string; kind: string; file: string }>; events: ClusterEvent[]; explanations: string[]; problems: string[] }

function events(args: string[] = []): EventsJson {
  const r = ops(['events', '--json', ...args]);
  assert.equal(r.code, 0, `events exited ${r.code}: ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as EventsJson;
}

test('events: a failover and a recover come out in time order, grouped, from the logs and the audit', { timeout: 300_000 }, async () => {
  await restoreLab();
  const first = events();
  const pgpoolLog = first.sources.find((s) => s.kind === 'pgpool');
  assert.ok(pgpoolLog, `pgpool's log was discovered: ${JSON.stringify(first)}`);
  assert.ok(first.sources.filter((s) => s.kind === 'postgres').length >= 1, 'at least one server log was discovered');
  const since = new Date().toISOString();

  const old = await currentPrimary();
  await crash(old);
  await waitUntil('another node to become the primary', async () => (await primaries()).some((p) => p !== old.name), 60_000);
  // A line of no known format, as a hand-written script would leave in a server's log.
  const marker = `a line in no known format ${process.pid}`;
  const serverLog = first.sources.find((s) => s.kind === 'postgres' && s.origin !== old.name) ?? first.sources.find((s) => s.kind === 'postgres')!;
  const host = NODES.find((n) => n.name === serverLog.origin)!.host;
  const echo = ssh(layout, labUser(), host, `echo '${marker}' >> '${serverLog.file}'`);
  assert.equal(echo.code, 0, echo.stderr);
  const recovered = ops(['recover', old.name, '--yes']);
  assert.equal(recovered.code, 0, recovered.stderr);
  await restoreLab();

  const after = events(['--since', since]);
  const list = after.events;
  assert.deepEqual([...list].sort((a, b) => a.time.localeCompare(b.time)).map((e) => e.time), list.map((e) => e.time), 'time order');
  const at = (kind: string, node?: string): number => list.findIndex((e) => e.kind === kind && (node === undefined || e.node === node));
  const detected = Math.max(at('degenerate-request', old.name), at('health-check-failed', old.name));
  assert.ok(detected >= 0, `pgpool's detection of ${old.name}'s failure is there:\n${list.map((e) => `${e.kind} ${e.node ?? ''} ${e.message}`).join('\n')}`);
  const newPrimary = list.find((e) => e.kind === 'new-primary');
  assert.ok(newPrimary?.node && newPrimary.node !== old.name && NODES.some((n) => n.name === newPrimary.node), 'pgpool names the new primary by its node name');
  assert.ok(at('failover-command', old.name) > detected, 'failover.sh ran after the detection');
  const incident = list[detected]!.group;
  assert.ok(incident?.startsWith('incident '), 'the detection opens an incident');
  assert.equal(list[at('failover-command', old.name)]!.group, incident, 'failover.sh belongs to that incident');
  assert.equal(newPrimary.group, incident, 'so does the new primary');

  const start = list.find((e) => e.kind === 'recover-start' && e.node === old.name);
  const done = list.find((e) => e.kind === 'recover-done' && e.node === old.name);
  assert.ok(start && done && start.time <= done.time, 'the recover from the audit log, start and end');
  assert.ok(start.group?.startsWith('recover '), 'the recover is its own group');
  const raw = list.find((e) => e.kind === 'raw' && e.message === marker);
  assert.ok(raw, 'a line in an unknown format is shown raw, not dropped');
  assert.equal(raw.ref.file, serverLog.file);

  const again = events(['--since', since]);
  assert.equal(again.events.filter((e) => e.source !== 'operation' && e.time <= list[list.length - 1]!.time).length,
    list.filter((e) => e.source !== 'operation').length, 'a second read adds nothing that was read before');
  const byNode = events(['--since', since, '--node', old.name, '--no-read']);
  assert.ok(byNode.events.length > 0 && byNode.events.every((e) => e.node === old.name), '--node keeps that node\'s events');
});

const story = (list: readonly ClusterEvent[]): string => list.map((e) => `${e.time} ${e.source} ${e.kind} ${e.node ?? ''} [${e.group ?? ''}] ${e.message}`).join('\n');

test('events: a switchover is one group with what pgpool logged during it', { timeout: 300_000 }, async () => {
  await restoreLab();
  const since = new Date().toISOString();
  const old = await currentPrimary();
  const target = NODES.find((n) => n.name !== old.name)!;
  const r = ops(['switchover', target.name, '--yes']);
  assert.equal(r.code, 0, r.stderr);
  await restoreLab();
  const list = events(['--since', since]).events;
  const start = list.find((e) => e.kind === 'switchover-start' && e.node === target.name);
  const done = list.find((e) => e.kind === 'switchover-done' && e.node === target.name);
  assert.ok(start && done && start.time <= done.time, `the switchover from the audit log, start and end:\n${story(list)}`);
  const group = start.group;
  assert.ok(group?.startsWith('switchover '), 'the switchover is its own group');
  const newPrimary = list.find((e) => e.kind === 'new-primary' && e.node === target.name);
  assert.ok(newPrimary, `pgpool logged ${target.name} as the new primary:\n${story(list)}`);
  assert.equal(newPrimary.group, group, "pgpool's new primary belongs to the switchover's group");
  assert.ok(list.filter((e) => e.group === group && e.source === 'pgpool').length >= 2, 'the group holds what pgpool logged during it');
});
