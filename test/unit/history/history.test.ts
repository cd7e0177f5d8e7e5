import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeEvents, toWorkstationTime, type ClusterEvent } from '../../../src/core/history/events';
import { completeLines, planRead, probeLog, readNewLines, type LogCursor } from '../../../src/core/history/logReader';
import { nodeLookup } from '../../../src/core/history/nodeLookup';
import { parsePgpoolLog, parsePgpoolLine } from '../../../src/core/history/pgpoolLog';
import { parsePostgresLog } from '../../../src/core/history/postgresLog';
import { auditEvents, explain, groupEvents } from '../../../src/core/history/timeline';
import { keep } from '../../../src/core/history/collect';
import type { RemoteHost } from '../../../src/core/remote/types';
import type { AuditRecord } from '../../../src/core/ops/engine/audit';
import { parseSince } from '../../../src/cli/events';
import { repoRoot } from '../../lab/labFixture';

const cluster = { nodes: [0, 1, 2].map((id) => ({ name: `node${id}`, id, host: `10.0.0.${11 + id}`, port: 5432, ssh: {} })) };
const nodes = nodeLookup(cluster);
const ctx = (file = 'pgpool.log', lastTime?: string) => ({ origin: 'pgpool', file, firstLine: 1, clock: { skewMs: 0, utcOffset: '+0000' }, nodes, ...(lastTime ? { lastTime } : {}) });
const fixture = readFileSync(join(repoRoot, 'test', 'fixtures', 'history', 'pgpool-failover.log'), 'utf8');

test("pgpool's failover, as its log tells it: detection, degenerate, failover.sh, new primary, follow_primary, attach", () => {
  const { events } = parsePgpoolLog(fixture, ctx());
  const story = events.filter(keep).map((e) => `${e.kind}${e.node ? ` ${e.node}` : ''}`);
  const expected = ['degenerate-request node0', 'failover-request', 'degenerate node0', 'failover-command node0', 'script:failover node0',
    'raw', 'raw', 'script:failover', 'follow-degenerate node0', 'follow-degenerate node2', 'new-primary node1', 'follow-start',
    'follow-command node0', 'script:follow_primary node0', 'follow-command node2', 'raw', 'failover-done node0',
    'script:follow_primary node2', 'failback-request node2', 'script:follow_primary node2', 'failback-request node2'];
  assert.deepEqual(story.slice(0, expected.length), expected);
  const promoteFailed = events.find((e) => e.message.startsWith('pg_promote() failed'));
  assert.equal(promoteFailed?.severity, 'error', 'a script line saying it failed is an error');
  assert.equal(events.find((e) => e.kind === 'script:failover' && e.node === 'node0')?.severity, 'info', '"primary node 0 failed" describes the node, not the script');
  // Every line of the file is an event (kept or chatter); the glued line gives two.
  assert.equal(events.length, fixture.split('\n').filter((l) => l.trim()).length + 1);
});

test('a line in no known format is kept raw at the previous time, with its file and line; glued lines are split', () => {
  const text = "2026-11-29 18:12:25.169: main pid 1: LOG:  execute command: /x/failover.sh 0 h 5432\nsomething else entirely\nscript said thistail2026-11-29 18:12:26.000: main pid 1: LOG:  failover done. shutdown host 10.0.0.11(5432)\n";
  const { events } = parsePgpoolLog(text, ctx('p.log'));
  assert.deepEqual(events.map((e) => [e.kind, e.ref.line, e.approximateTime ?? false]), [
    ['failover-command', 1, false], ['raw', 2, true], ['raw', 3, true], ['failover-done', 3, false]]);
  assert.equal(events[1]!.time, events[0]!.time);
  assert.equal(events[1]!.message, 'something else entirely');
  assert.equal(parsePgpoolLine('garbage'), undefined);
});

test('log times: the host zone applied, its skew taken off, whole-second script stamps keep the log order', () => {
  assert.equal(toWorkstationTime('2026-11-29 19:12:25.115', { skewMs: 0, utcOffset: '+0100' })?.toISOString(), '2026-11-29T18:12:25.115Z');
  assert.equal(toWorkstationTime('2026-11-29 18:12:25.115', { skewMs: 2000, utcOffset: '+0000' })?.toISOString(), '2026-11-29T18:12:23.115Z');
  assert.equal(toWorkstationTime('2026-11-29 13:12:25', { skewMs: 0, utcOffset: '-0500' })?.toISOString(), '2026-11-29T18:12:25.000Z');
  assert.equal(toWorkstationTime('29/11/2026', { skewMs: 0, utcOffset: '+0000' }), undefined);
  const { events } = parsePgpoolLog('2026-11-29 18:12:25.700: main pid 1: LOG:  failover: set new primary node: 1\n2026-11-29 18:12:25 failover.sh: done\n', ctx());
  assert.equal(events[1]!.time, events[0]!.time, 'the script line does not sort before the line it follows');
  const merged = mergeEvents([events[1]!], [events[0]!]);
  assert.equal(merged.length, 2);
});

test("PostgreSQL's log: promotion, timeline switch, a timeline that is not a child, a start that failed", () => {
  const text = [
    '2026-11-29 18:12:25.300 UTC [100] LOG:  received promote request',
    '2026-11-29 18:12:25.310 UTC [100] LOG:  selected new timeline ID: 2',
    '2026-11-29 18:12:26.000 UTC [101] FATAL:  requested timeline 2 is not a child of this server\'s history',
    '2026-11-29 18:12:27.000 UTC [102] FATAL:  lock file "postmaster.pid" already exists',
    '2026-11-29 18:12:28.000 UTC [103] postgres@postgres LOG:  connection authorized: user=postgres',
    '\tcontinuation line',
    'not a server line',
    '2026-11-29 18:12:29.000 UTC [104] postgres@postgres WARNING:  pgpool-cluster fence guard: stopping node1: pgpool has failed over away from this node',
  ].join('\n');
  const { events } = parsePostgresLog(text, { ...ctx('node1.log'), origin: 'node1' }, 'node1');
  assert.deepEqual(events.map((e) => e.kind), ['promote-request', 'timeline-switch', 'timeline-not-child', 'start-failed', 'log', 'raw', 'guard-stop']);
  assert.equal(events[4]!.message, 'connection authorized: user=postgres continuation line', 'an indented line continues the message before it');
  assert.ok(events.every((e) => e.node === 'node1' || e.kind === 'raw'));
});

test('grouping: an incident takes what follows until 30 s pass quietly; an operation takes what happens while it runs', () => {
  const ev = (s: number, kind: string, source: ClusterEvent['source'] = 'pgpool', extra: Partial<ClusterEvent> = {}): ClusterEvent => ({
    time: new Date(Date.UTC(2026, 10, 29, 18, 0, s)).toISOString(), source, origin: 'pgpool', kind, severity: 'info', message: kind, ref: {}, ...extra });
  const records: AuditRecord[] = [{ time: new Date(Date.UTC(2026, 10, 29, 18, 2, 10)).toISOString(), actor: 'me@ws', via: 'cli', cluster: 'lab', operation: 'switchover', node: 'node1', dryRun: false, plan: [],
    outcome: { ok: true, cancelled: false, message: 'done', completedSteps: 3, facts: {}, durationMs: 5000, steps: [] } }];
  const ops = auditEvents(records, 'lab', '/a.jsonl');
  assert.deepEqual(ops.map((e) => e.kind), ['switchover-start', 'switchover-done']);
  assert.deepEqual(auditEvents(records, 'other', '/a.jsonl'), [], 'another cluster\'s operations are not ours');
  const grouped = groupEvents(mergeEvents([ev(0, 'log'), ev(1, 'health-check-failed'), ev(2, 'degenerate-request'), ev(3, 'failover-command'), ev(20, 'new-primary'),
    ev(80, 'follow-command'), ev(127, 'degenerate-request'), ev(128, 'failover-command')], ops));
  assert.deepEqual(grouped.map((e) => `${e.kind}@${e.group ?? '-'}`), [
    'log@-', 'health-check-failed@incident 2026-11-29T18:00:01.000Z', 'degenerate-request@incident 2026-11-29T18:00:01.000Z',
    'failover-command@incident 2026-11-29T18:00:01.000Z', 'new-primary@incident 2026-11-29T18:00:01.000Z', 'follow-command@-',
    'switchover-start@switchover node1 2026-11-29T18:02:05.000Z', 'degenerate-request@switchover node1 2026-11-29T18:02:05.000Z',
    'failover-command@switchover node1 2026-11-29T18:02:05.000Z', 'switchover-done@switchover node1 2026-11-29T18:02:05.000Z']);
});

test('grouping: an operation that starts within the tail of the one before keeps its own events and what it caused', () => {
  const at = (m: number, s: number): string => new Date(Date.UTC(2026, 10, 29, 18, m, s)).toISOString();
  const rec = (end: string, operation: string, node: string, durationMs: number): AuditRecord => ({ time: end, actor: 'me@ws', via: 'cli', cluster: 'lab', operation, node, dryRun: false, plan: [],
    outcome: { ok: true, cancelled: false, message: 'done', completedSteps: 1, facts: {}, durationMs, steps: [] } });
  // recover ends at 18:00:10; the switchover starts 2 s later, inside recover's 5 s tail.
  const ops = auditEvents([rec(at(0, 10), 'recover', 'node2', 8000), rec(at(0, 16), 'switchover', 'node1', 4000)], 'lab', '/a.jsonl');
  const pgpool: ClusterEvent = { time: at(0, 13), source: 'pgpool', origin: 'pgpool', kind: 'new-primary', severity: 'info', message: 'x', ref: {}, node: 'node1' };
  const grouped = groupEvents(mergeEvents([pgpool], ops));
  assert.deepEqual(grouped.map((e) => `${e.kind}@${e.group ?? '-'}`), [
    'recover-start@recover node2 2026-11-29T18:00:02.000Z', 'recover-done@recover node2 2026-11-29T18:00:02.000Z',
    'switchover-start@switchover node1 2026-11-29T18:00:12.000Z', 'new-primary@switchover node1 2026-11-29T18:00:12.000Z',
    'switchover-done@switchover node1 2026-11-29T18:00:12.000Z']);
});

test('explanations answer in one sentence, from the events and the facts', () => {
  const t = '2026-11-29T17:14:36.000Z';
  const events: ClusterEvent[] = [
    { time: t, source: 'pgpool', origin: 'pgpool', node: 'node2', kind: 'script:follow_primary', severity: 'error', message: 'pg_rewind failed on node 2', ref: {} },
    { time: t, source: 'pgpool', origin: 'pgpool', kind: 'watchdog-quorum-lost', severity: 'error', message: 'quorum is lost', ref: {} },
  ];
  const said = explain(events, { downInPgpool: ['node2'], healthCheckPeriod: 0 });
  assert.ok(said.some((s) => /^node2 is down in pgpool because follow_primary failed at 17:14:36/.test(s)), said.join('\n'));
  assert.ok(said.some((s) => /failover did not run because health_check_period is 0/.test(s)));
  assert.ok(said.some((s) => /^quorum was lost at 17:14:36/.test(s)));
  assert.deepEqual(explain([], {}), []);
});

test('reading plans: the same file goes on; another inode or a shorter file is a rotation; partial lines wait', () => {
  const cursor: LogCursor = { file: 'f', inode: 7, offset: 100, line: 4 };
  assert.deepEqual(planRead(undefined, { inode: 7, size: 10 }), { rotated: false, from: 0 });
  assert.deepEqual(planRead(cursor, { inode: 7, size: 150 }), { rotated: false, from: 100 });
  assert.deepEqual(planRead(cursor, { inode: 8, size: 150 }), { rotated: true, from: 0 });
  assert.deepEqual(planRead(cursor, { inode: 7, size: 50 }), { rotated: true, from: 0 });
  assert.deepEqual(completeLines('a\nb', false), { text: 'a\n', bytes: 2, lines: 1 });
  assert.deepEqual(completeLines('é\n\u00e9', false), { text: 'é\n', bytes: 3, lines: 1 });
  assert.equal(parseSince('1h', 10_000_000), 10_000_000 - 3_600_000);
  assert.equal(parseSince('2026-11-29T00:00:00Z'), Date.UTC(2026, 10, 29));
  assert.throws(() => parseSince('yesterday'), /--since takes a duration/);
});

/** Runs commands on this machine: a real shell over real files, standing in for an SSH host. */
const localHost: RemoteHost = {
  label: 'local',
  async exec(command) {
    const argv = Array.isArray(command) ? command as string[] : ['sh', '-c', (command as { script: string }).script];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  },
  async readFile(path) { return readFileSync(path); },
  async writeFile(path, data) { writeFileSync(path, data); },
};

test('a log that rotates between two reads loses no line: the rest of the old file, then the new one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-rot-'));
  const log = join(dir, 'pgpool.log');
  const line = (i: number): string => `2026-11-29 18:00:${String(i % 60).padStart(2, '0')}.000: main pid 1: LOG:  line ${i} é\n`;
  writeFileSync(log, [0, 1, 2].map(line).join('') + 'half a li');
  const seen: string[] = [];
  const collect = async (cursor: LogCursor | undefined): Promise<LogCursor> => {
    const { probe } = await probeLog(localHost, log, 'pgpool');
    return readNewLines(localHost, log, cursor, probe, (p) => {
      for (const l of p.text.split('\n').filter(Boolean)) seen.push(l.replace(/^.*LOG: {2}/, ''));
    });
  };
  let cursor = await collect(undefined);
  assert.deepEqual(seen, ['line 0 é', 'line 1 é', 'line 2 é'], 'the unfinished last line waits');
  appendFileSync(log, 'ne\n' + line(3));
  renameSync(log, `${log}.1`);
  appendFileSync(`${log}.1`, line(4));
  writeFileSync(log, line(5) + line(6));
  cursor = await collect(cursor);
  assert.deepEqual(seen.slice(3), ['half a line', 'line 3 é', 'line 4 é', 'line 5 é', 'line 6 é']);
  assert.equal(cursor.line, 2);
  cursor = await collect(cursor);
  assert.equal(seen.length, 8, 'nothing is read twice');
  const inode = Number(execFileSync('stat', ['-c', '%i', log], { encoding: 'utf8' }));
  assert.equal(cursor.inode, inode);
});

test('status transitions: a role, status or timeline change and a problem that appears or clears become events', async () => {
  const { transitions, recordStatus } = await import('../../../src/core/history/statusTransitions');
  const snap = (time: string, role1: string, status1: string, tl: number, problems: Record<string, string>) => ({
    time, nodes: { node0: { role: 'primary', status: 'up', timeline: 1 }, node1: { role: role1, status: status1, timeline: tl } }, problems });
  const a = snap('2026-11-29T18:00:00.000Z', 'standby', 'up', 1, {});
  const b = snap('2026-11-29T18:00:10.000Z', 'primary', 'up', 2, { 'split-brain:node0,node1': 'node0 and node1 are both primaries' });
  assert.deepEqual(transitions(undefined, a), [], 'the first look has nothing to compare with');
  assert.deepEqual(transitions(a, b).map((e) => `${e.kind} ${e.node ?? ''} ${e.message}`), [
    'role-changed node1 node1: standby -> primary', 'timeline-changed node1 node1: timeline 1 -> 2', 'problem node0 node0 and node1 are both primaries']);
  assert.deepEqual(transitions(b, a).map((e) => e.kind), ['role-changed', 'timeline-changed', 'problem-cleared']);
  const dir = mkdtempSync(join(tmpdir(), 'pgc-status-'));
  const status = (refreshedAt: string, role: 'primary' | 'standby') => ({ name: 'lab', refreshedAt, problems: [], nodes: [{ name: 'node1', role, status: 'up', postgres: { reachable: true, timeline: 1 } }] }) as unknown as Parameters<typeof recordStatus>[1];
  assert.deepEqual(await recordStatus(dir, status('2026-11-29T18:00:00.000Z', 'standby')), []);
  assert.deepEqual((await recordStatus(dir, status('2026-11-29T18:00:05.000Z', 'primary'))).map((e) => e.kind), ['role-changed']);
  assert.deepEqual(await recordStatus(dir, status('2026-11-29T18:00:01.000Z', 'standby')), [], 'a late, older refresh changes nothing');
});

test("failover.sh's choice of standby is an event on the chosen node; its refusal is an error", () => {
  const text = [
    '2026-11-29 21:03:54 failover.sh: chose node 2 (10.0.0.13:5432) to promote: it received the most WAL (0/5000060) of the 2 standby(s) that answered; pgpool proposed node 1',
    '2026-11-29 21:03:55 failover.sh: refusing to promote: the most advanced standby, node 1 (0/5000000), is 20000000 bytes behind the primary\'s last known WAL position (bound 16777216 bytes); promote a node by hand (pgpool-cluster promote NODE) if losing that is acceptable',
    '2026-11-29 21:03:56 failover.sh: promoting node 2 (10.0.0.13:5432), the node the operator chose',
  ].join('\n');
  const events = parsePgpoolLog(text, ctx()).events;
  assert.deepEqual(events.map((e) => [e.kind, e.node, e.severity]), [
    ['script:failover', 'node2', 'info'], ['script:failover', 'node1', 'error'], ['script:failover', 'node2', 'info'],
  ]);
});
