// Watchdog on the isolated lab, after pgpool's own regression scenarios (004, 011, 012, 013, 014, 015, 018, 028,
// 034): three pgpool hosts, a VIP held by the leader, quorum and consensus for failover. One lab bring-up for the whole file; the
// scenarios run in order and each leaves the watchdog cluster whole again, except the last (it takes the lab down).
// A sampler reads every pgpool host's addresses throughout: at no sampled moment may two hosts hold the VIP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabLayout, LabPgpoolHost } from '../../src/core/lab/layout';
import { Client } from 'pg';
import { pgpoolPidsOn } from '../../src/core/lab/isolatedLab';
import { LAB_PG_PORT } from '../../src/core/lab/layout';
import {
  backendStatusOn, clearBackendDownRequest, ensureWatchdogLab, fakeBackendDown, killPgpool, labCli, pgCtlOnNode, pgpoolLog, queryVip,
  removePgpoolConfVariant, startPgpool, startPgpoolWith, stopPgpool, VipSampler, vipHolders, waitForLeader, watchdogInfo, watchdogLabDown,
  writePgpoolConfVariant,
} from '../lab/watchdogFixture';
import { waitFor, waitUntil } from '../harness/wait';
import { cli } from '../lab/labFixture';
import { PreconditionFailed, strictPreconditions } from '../harness/precondition';

const root = process.getuid?.() === 0;
const unmet = root ? undefined : 'the watchdog lab needs root (network and mount namespaces)';
// Skipped with the reason on a developer's machine; under CI a missing precondition fails the file.
const skip = unmet ?? false;

let layout: LabLayout;
let sampler: VipSampler;

const others = (l: LabLayout, h: LabPgpoolHost): LabPgpoolHost[] => l.pgpools.filter((p) => p.name !== h.name);
const failoverLines = (nodeId: number): number =>
  layout.pgpools.reduce((n, h) => n + pgpoolLog(h).split('\n').filter((l) => l.includes(`failover.sh: standby node ${nodeId} `)).length, 0);

/** Writes through the VIP until one succeeds; returns the row count after it. */
async function writeThroughVip(what: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`a write through the VIP (${what})`, async () => {
    await queryVip(layout, 'INSERT INTO wd_probe VALUES (now())');
    return true;
  }, timeoutMs, 200);
}

before(async () => {
  if (unmet !== undefined) {
    if (strictPreconditions()) throw new PreconditionFailed(unmet);
    return;
  }
  layout = ensureWatchdogLab();
  await waitForLeader(layout);
  await waitFor('the probe table through the VIP', async () => {
    await queryVip(layout, 'CREATE TABLE IF NOT EXISTS wd_probe (at timestamptz)');
    return true;
  }, 30_000);
  sampler = new VipSampler(layout);
  sampler.start();
});

after(async () => {
  if (!root) return;
  await sampler?.stop();
  watchdogLabDown();
});

test('004: a leader is elected, the standbys join, and only the leader holds the VIP', { skip }, async () => {
  const leader = await waitForLeader(layout);
  // Joining is eventual: right after the election a pgpool may still list a peer as "PARTICIPATING IN ELECTION".
  await waitFor('every pgpool to list one leader and two standbys', async () => layout.pgpools.every((h) => {
    const statuses = watchdogInfo(layout, h).nodes.map((n) => n.status).sort();
    return statuses.join() === 'LEADER,STANDBY,STANDBY';
  }), 30_000).catch(() => undefined);
  for (const h of layout.pgpools) {
    const info = watchdogInfo(layout, h);
    assert.equal(info.total, 3, `${h.name} knows three pgpool nodes`);
    assert.equal(info.quorum, true, `${h.name} sees the quorum`);
    assert.equal(info.leaderHost, leader.address, `${h.name} names the same leader`);
    const statuses = info.nodes.map((n) => n.status).sort();
    assert.deepEqual(statuses, ['LEADER', 'STANDBY', 'STANDBY'], `${h.name}: one leader, two standbys`);
  }
  assert.deepEqual(await vipHolders(layout), [leader.name]);
  await writeThroughVip('steady state', 10_000);
});

test('configure-pgpool --pgpool pgpool1 finds that host\'s watchdog settings already in place (the lab is built by the same generator)', { skip }, () => {
  const r = cli(['configure-pgpool', '--file', layout.clusterFile, '--pgpool', 'pgpool1', '--dry-run', '--json'], { PGPOOL_CLUSTER_PCP_PASSWORD: '', PGPOOL_CLUSTER_WD_AUTHKEY: '' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { diff: string; changes: Array<{ name: string; kind: string }>; plan: { summary: string } };
  assert.equal(out.diff, '', 'nothing to change on pgpool1');
  for (const name of ['use_watchdog', 'hostname0', 'hostname2', 'heartbeat_hostname1', 'delegate_IP', 'failover_require_consensus']) {
    assert.ok(out.changes.some((c) => c.name === name && c.kind === 'unchanged'), `${name} is managed and already right`);
  }
  assert.match(out.plan.summary, /watchdog: pgpool node 1 of 3 \(pgpool_node_id 1\)/);
});

test('011/013: a fake backend error on one pgpool alone is not failed over (no consensus)', { skip }, async () => {
  const leader = await waitForLeader(layout);
  const lone = others(layout, leader)[0]!;
  fakeBackendDown(layout, lone, 2);
  try {
    // The lone pgpool asks for the failover; one vote of three is no consensus: it quarantines the node locally.
    await waitUntil(`${lone.name} to quarantine node 2`, () => backendStatusOn(layout, lone, 2) === 'quarantine', 30_000);
    for (const h of layout.pgpools.filter((p) => p !== lone)) {
      assert.match(backendStatusOn(layout, h, 2), /^(up|waiting)$/, `${h.name} still has node 2 up`);
    }
    assert.equal(failoverLines(2), 0, 'failover.sh never ran for node 2');
  } finally {
    clearBackendDownRequest(layout, lone);
  }
  await waitUntil(`every pgpool to list node 2 up again`, () => layout.pgpools.every((h) => /^(up|waiting)$/.test(backendStatusOn(layout, h, 2))), 60_000);
});

test('012: a pgpool cut off from the other two has no quorum and fails nothing over', { skip }, async () => {
  const leader = await waitForLeader(layout);
  const lone = others(layout, leader)[1]!;
  for (const o of others(layout, lone)) assert.equal(labCli(['fault', 'partition', lone.name, o.name]).code, 0);
  try {
    await waitFor(`${lone.name} to lose the quorum`, () => !watchdogInfo(layout, lone).quorum, 60_000);
    const rest = others(layout, lone);
    await waitForLeader(layout, rest);
    fakeBackendDown(layout, lone, 2);
    await waitUntil(`${lone.name} to quarantine node 2 (no quorum, no failover)`, () => backendStatusOn(layout, lone, 2) === 'quarantine', 30_000);
    for (const h of rest) assert.match(backendStatusOn(layout, h, 2), /^(up|waiting)$/, `${h.name} keeps node 2 up`);
    assert.equal(failoverLines(2), 0, 'failover.sh never ran for node 2');
    // The majority side keeps serving through the VIP.
    await writeThroughVip('majority side during the partition', 20_000);
  } finally {
    clearBackendDownRequest(layout, lone);
    assert.equal(labCli(['heal']).code, 0);
  }
  await waitForLeader(layout, layout.pgpools, 90_000);
  await waitUntil('every pgpool to list node 2 up after the heal', () => layout.pgpools.every((h) => /^(up|waiting)$/.test(backendStatusOn(layout, h, 2))), 60_000);
});

test('011: a backend failure seen by all three pgpools is failed over once', { skip }, async () => {
  const before = failoverLines(2);
  const stop = pgCtlOnNode(layout, 'node2', ['-m', 'immediate', 'stop']);
  assert.equal(stop.code, 0, stop.out);
  await waitUntil('every pgpool to list node 2 down', () => layout.pgpools.every((h) => backendStatusOn(layout, h, 2) === 'down'), 60_000);
  assert.equal(failoverLines(2) - before, 1, 'failover.sh ran exactly once, on the leader');
  // Put node 2 back: start it as the standby it was, attach it through the leader.
  const start = pgCtlOnNode(layout, 'node2', ['-l', '/var/log/postgresql/postgresql-15-main.log', '-w', '-t', '60', 'start']);
  assert.equal(start.code, 0, start.out);
  const leader = await waitForLeader(layout);
  await waitFor('pcp_attach_node 2 through the leader', () => attach(leader, 2), 60_000, 500);
  await waitUntil('every pgpool to list node 2 up again', () => layout.pgpools.every((h) => /^(up|waiting)$/.test(backendStatusOn(layout, h, 2))), 60_000);
});

function attach(leader: LabPgpoolHost, nodeId: number): boolean {
  try {
    execFileSync('/usr/sbin/pcp_attach_node', ['-h', leader.address, '-p', '9898', '-U', 'pcpadmin', '-w', '-n', String(nodeId)], {
      env: { ...process.env, PCPPASSFILE: layout.pcppassFile }, timeout: 20_000, stdio: 'pipe',
    });
    return true;
  } catch {
    return false;
  }
}

test('004: the leader pgpool is killed: another becomes leader, the VIP moves, writes through the VIP resume', { skip }, async () => {
  const leader = await waitForLeader(layout);
  assert.ok(killPgpool(layout, leader) > 0);
  const survivors = others(layout, leader);
  const next = await waitForLeader(layout, survivors, 60_000);
  assert.notEqual(next.name, leader.name);
  assert.deepEqual(await vipHolders(layout), [next.name], 'the escalation cleared the killed leader\'s VIP');
  await writeThroughVip('after the leader was killed', 30_000);
  // The old leader comes back as a standby of the new one.
  await startPgpool(layout, leader);
  await waitUntil(`${leader.name} to rejoin`, () => {
    try { return watchdogInfo(layout, leader).leaderHost === next.address && watchdogInfo(layout, next).nodes.every((n) => n.status === 'LEADER' || n.status === 'STANDBY'); } catch { return false; }
  }, 90_000);
});

test('a clean stop of the leader moves the VIP to a survivor, which keeps quorum with two of three', { skip }, async () => {
  const leader = await waitForLeader(layout);
  await stopPgpool(layout, leader);
  const survivors = others(layout, leader);
  const next = await waitForLeader(layout, survivors, 60_000);
  assert.ok(survivors.every((h) => watchdogInfo(layout, h).quorum), 'two of three hold the quorum');
  assert.deepEqual(await vipHolders(layout), [next.name]);
  await writeThroughVip('after a clean stop of the leader', 30_000);
  await startPgpool(layout, leader);
  await waitUntil(`${leader.name} to rejoin`, () => {
    try { return watchdogInfo(layout, leader).leaderHost === next.address; } catch { return false; }
  }, 90_000);
});

/** The CLI on the lab's cluster file (pcp through whichever pgpool activePgpool picks: the leader), with a state folder (locks, audit) of its own. */
const stateDir = mkdtempSync(join(tmpdir(), 'wd-test-state-'));
const run = (args: string[]): { code: number; stdout: string; stderr: string } =>
  cli(args, { PGPOOL_CLUSTER_FILE: layout.clusterFile, PGPASSFILE: layout.pgpassFile, PGPOOL_CLUSTER_STATE_DIR: stateDir });
const upOn = (h: LabPgpoolHost, nodeId: number): boolean => /^(up|waiting)$/.test(backendStatusOn(layout, h, nodeId));

/** PostgreSQL's own answer on a node, straight to its address: true in recovery, undefined when it does not answer. */
async function inRecovery(nodeName: string): Promise<boolean | undefined> {
  const node = layout.nodes.find((n) => n.name === nodeName)!;
  const c = new Client({ host: node.address, port: LAB_PG_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The one node that answers as a primary. */
async function primaryNow(): Promise<{ name: string; id: number }> {
  return waitFor('exactly one node answering as a primary', async () => {
    const prim: string[] = [];
    for (const n of layout.nodes) if ((await inRecovery(n.name)) === false) prim.push(n.name);
    return prim.length === 1 ? { name: prim[0]!, id: layout.nodes.findIndex((n) => n.name === prim[0]) } : undefined;
  }, 60_000, 500);
}

/** pgpool.conf of a two-node watchdog cluster (pgpool0 and pgpool1, whose pgpool_node_id files say 0 and 1). */
const PAIR_CONF = 'pair.pgpool.conf';
const twoNodes = (half: boolean) => (text: string): string =>
  `${text.split('\n').filter((l) => !/^\s*(hostname|wd_port|pgpool_port|heartbeat_hostname|heartbeat_port|heartbeat_device)2\s*=/.test(l)).join('\n')}\n`
  + `# test 028: a watchdog of two pgpool nodes\nenable_consensus_with_half_votes = ${half ? 'on' : 'off'}\n`;

async function stopAll(): Promise<void> {
  for (const h of layout.pgpools) if (pgpoolPidsOn(layout, h).length > 0) await stopPgpool(layout, h);
}

/** Back to the lab's three pgpool nodes with their own files, node 2 attached everywhere. */
async function restoreTrio(): Promise<void> {
  await stopAll();
  for (const h of layout.pgpools) removePgpoolConfVariant(h, PAIR_CONF);
  for (const h of layout.pgpools) await startPgpool(layout, h);
  const leader = await waitForLeader(layout, layout.pgpools, 90_000);
  if (!layout.pgpools.every((h) => upOn(h, 2))) await waitFor('pcp_attach_node 2 through the leader', () => attach(leader, 2), 60_000, 500);
  await waitUntil('every pgpool to list node 2 up', () => layout.pgpools.every((h) => upOn(h, 2)), 60_000);
}

test('028: two pgpool nodes: one vote of two fails nothing over with enable_consensus_with_half_votes off, and fails over with it on', { skip }, async () => {
  const pair = layout.pgpools.slice(0, 2);
  try {
    for (const half of [false, true]) {
      await stopAll();
      const conf = pair.map((h) => writePgpoolConfVariant(layout, h, PAIR_CONF, twoNodes(half)))[0]!;
      // The lint rule for an even count speaks for the file with half votes off only.
      const lint = cli(['lint', '--format', 'json', `${pair[0]!.dir}/etc/pgpool2/${PAIR_CONF}`]);
      assert.equal(lint.stdout.includes('pgpool/watchdog-even-count'), !half, `lint of ${conf} (half votes ${half ? 'on' : 'off'}): ${lint.stdout}`);
      for (const h of pair) await startPgpoolWith(layout, h, conf);
      const leader = await waitForLeader(layout, pair, 90_000);
      for (const h of pair) assert.equal(watchdogInfo(layout, h).total, 2, `${h.name} knows two pgpool nodes`);
      const voter = pair.find((h) => h.name !== leader.name)!;
      const other = leader;
      const before = failoverLines(2);
      fakeBackendDown(layout, voter, 2);
      try {
        if (!half) {
          // One vote of two is half, not a majority: the voter quarantines node 2 for itself, nothing fails over.
          await waitUntil(`${voter.name} to quarantine node 2`, () => backendStatusOn(layout, voter, 2) === 'quarantine', 30_000);
          assert.ok(upOn(other, 2), `${other.name} keeps node 2 up`);
          assert.equal(failoverLines(2) - before, 0, 'failover.sh never ran for node 2');
        } else {
          // Half the votes is a consensus now: node 2 is failed over on both, once.
          await waitUntil('both pgpool nodes to list node 2 down', () => pair.every((h) => backendStatusOn(layout, h, 2) === 'down'), 30_000);
          assert.equal(failoverLines(2) - before, 1, 'failover.sh ran once, for node 2');
        }
      } finally {
        clearBackendDownRequest(layout, voter);
      }
      if (!half) await waitUntil('both to list node 2 up once the fake error ends', () => pair.every((h) => upOn(h, 2)), 60_000);
      // PostgreSQL on node 2 never stopped: only pgpool's view changed.
      assert.equal(await inRecovery('node2'), true, 'node2 still runs as a standby');
    }
  } finally {
    await restoreTrio();
  }
});

test('014: pcp_detach_node bypasses the quorum: with one pgpool of three left, detach through the CLI detaches the node there', { skip }, async () => {
  const lone = await waitForLeader(layout);
  const gone = others(layout, lone);
  try {
    for (const h of gone) await stopPgpool(layout, h);
    await waitUntil(`${lone.name} alone to lose the quorum`, () => !watchdogInfo(layout, lone).quorum, 60_000);
    const detach = run(['detach', 'node2', '--yes', '--json']);
    assert.equal(detach.code, 0, `${detach.stdout}${detach.stderr}`);
    // No quorum, yet an administrator's request is not a vote: node 2 is down, not quarantined.
    await waitUntil(`${lone.name} to list node 2 down`, () => backendStatusOn(layout, lone, 2) === 'down', 30_000);
    assert.equal(await inRecovery('node2'), true, 'node2 itself still runs as a standby');
    const attach = run(['attach', 'node2', '--yes', '--json']);
    assert.equal(attach.code, 0, `${attach.stdout}${attach.stderr}`);
    await waitUntil(`${lone.name} to list node 2 up`, () => upOn(lone, 2), 30_000);
  } finally {
    for (const h of gone) if (pgpoolPidsOn(layout, h).length === 0) await startPgpool(layout, h);
  }
  await waitForLeader(layout, layout.pgpools, 90_000);
  await waitUntil('every pgpool to list node 2 up', () => layout.pgpools.every((h) => upOn(h, 2)), 60_000);
});

test('018: a standby promoted behind pgpool\'s back is a false primary: status names it, fence through the leader stops it, recover makes it a standby again', { skip }, async () => {
  await waitForLeader(layout);
  const { name: primary } = await primaryNow();
  const victim = [...layout.nodes].reverse().find((n) => n.name !== primary)!; // the last standby
  const promote = pgCtlOnNode(layout, victim.name, ['-w', 'promote']);
  assert.equal(promote.code, 0, promote.out);
  const problem = await waitFor(`status to call ${victim.name} a false primary`, () => {
    const r = run(['status', '--json']);
    const s = (JSON.parse(r.stdout) as { clusters: Array<{ problems: Array<{ code: string; nodes: string[]; message: string }> }> }).clusters[0]!;
    return s.problems.find((p) => p.code === 'false-primary' && p.nodes.includes(victim.name));
  }, 60_000, 1000);
  assert.match(problem.message, /Fence it/);
  const fence = run(['fence', victim.name, '--yes', '--json']);
  assert.equal(fence.code, 0, `${fence.stdout}${fence.stderr}`);
  // On the servers: the false primary is stopped, every pgpool lists it down, writes through the VIP reach the primary.
  assert.equal(await inRecovery(victim.name), undefined, `${victim.name} no longer answers`);
  await waitUntil(`every pgpool to list ${victim.name} down`, () => layout.pgpools.every((h) => backendStatusOn(layout, h, victim.id) === 'down'), 30_000);
  await writeThroughVip('after the fence', 30_000);
  assert.equal((await primaryNow()).name, primary, 'the primary is still the one pgpool routes writes to');
  const recover = run(['recover', victim.name, '--yes', '--json']);
  assert.equal(recover.code, 0, `${recover.stdout}${recover.stderr}`);
  await waitUntil(`${victim.name} to run as a standby again`, async () => (await inRecovery(victim.name)) === true, 60_000);
  await waitUntil(`every pgpool to list ${victim.name} up`, () => layout.pgpools.every((h) => upOn(h, victim.id)), 60_000);
});

test('034: promote node1 by switchover through the leader (pgpool\'s promote_node -s): node1 primary on the servers, the others follow, every pgpool agrees', { skip }, async () => {
  await waitForLeader(layout);
  const target = layout.nodes.find((n) => n.name === 'node1')!;
  assert.notEqual((await primaryNow()).name, target.name, 'node1 starts as a standby');
  const sw = run(['switchover', target.name, '--yes', '--json']);
  assert.equal(sw.code, 0, `${sw.stdout}${sw.stderr}`);
  assert.deepEqual(await primaryNow(), { name: target.name, id: target.id });
  for (const n of layout.nodes.filter((x) => x.name !== target.name)) {
    await waitUntil(`${n.name} to run as a standby`, async () => (await inRecovery(n.name)) === true, 60_000);
  }
  await waitUntil('every pgpool to list all three nodes up', () => layout.pgpools.every((h) => layout.nodes.every((n) => upOn(h, n.id))), 60_000);
  // Both standbys stream from node1.
  const c = new Client({ host: target.address, port: LAB_PG_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    await waitUntil('two standbys streaming from node1', async () => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'")).rows[0]?.n) === 2, 60_000);
  } finally {
    await c.end();
  }
  await writeThroughVip('after the switchover', 30_000);
});

test('015: the leader pgpool and the primary die together: the survivors fail over and serve writes through the VIP', { skip }, async () => {
  const leader = await waitForLeader(layout);
  const primary = await primaryNow();
  killPgpool(layout, leader);
  const stop = pgCtlOnNode(layout, primary.name, ['-m', 'immediate', 'stop']);
  assert.equal(stop.code, 0, stop.out);
  const next = await waitForLeader(layout, others(layout, leader), 60_000);
  await waitUntil(`the survivors to fail ${primary.name} over`, () => others(layout, leader).every((h) => backendStatusOn(layout, h, primary.id) === 'down'), 60_000);
  await writeThroughVip('after the leader and the primary died', 60_000);
  // pgpool may still restart its children after the failover (a client retries a dropped connection).
  const row = await waitFor('an answer through the VIP', async () => (await queryVip<{ r: boolean }>(layout, 'SELECT pg_is_in_recovery() AS r'))[0], 30_000, 200);
  assert.equal(row.r, false, 'writes go to a promoted primary');
  assert.deepEqual(await vipHolders(layout), [next.name]);
});

/** Escalation, VIP and election lines of every pgpool log within 10 s of `atMs`. */
function vipLogLines(atMs: number): string {
  const out: string[] = [];
  for (const h of layout.pgpools) {
    for (const l of pgpoolLog(h).split('\n')) {
      const t = Date.parse(`${l.slice(0, 23).replace(' ', 'T')}Z`);
      if (Number.isFinite(t) && Math.abs(t - atMs) <= 10_000 && /escalation|delegate|if_up|if_down|state changed|is lost|quorum/i.test(l)) out.push(`${h.name}: ${l}`);
    }
  }
  return out.join('\n');
}

test('at no sampled moment did two hosts hold the VIP', { skip }, async () => {
  await sampler.stop();
  assert.ok(sampler.samples > 20, `the sampler ran (${sampler.samples} samples)`);
  // On a failure, what the pgpool hosts logged about the VIP around the first double (their clocks are this machine's).
  const first = sampler.doubles[0];
  const around = first ? vipLogLines(Date.parse(first.at)) : '';
  assert.deepEqual(sampler.doubles, [], around);
});
