/*
 * `npm run bench -- watchdog`, on the watchdog lab (root; isolated hosts):
 * - VIP move after the leader's host crashes (`lab fault crash`: every process on it killed, its VIP gone):
 *   crash -> first write accepted through the VIP. Goal <= 3 s with the fast profile.
 * - failover RTO through the VIP with watchdog consensus (the primary stopped with -m immediate -> first write
 *   through the VIP), paired with the single-pgpool RTO in the same run: pgpool0 alone, its own file with
 *   use_watchdog = off, through its own address. Goal: ratio <= 1.5.
 * Figures only, never assertions. The lab is left up and whole (the old primary comes back by pcp_recovery_node).
 * Each run is also split, from the survivors' pgpool logs, into pgpool's own election timers and the escalation; the
 * RTO runs show the leader's wait for the second vote. BENCH_WATCHDOG_PARTS=vip or =rto runs one of the two.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LabLayout, LabPgpoolHost } from '../src/core/lab/layout';
import { LAB_PCP_PORT, LAB_PG_PORT, LAB_PGPOOL_PORT } from '../src/core/lab/layout';
import { onMachine } from '../src/core/lab/isolation';
import { labContext } from '../src/core/lab/lab';
import { applyFault, HostShell } from '../src/core/lab/isolatedLab';
import { consensusWaitSeconds, electionTimeline, type ElectionTimeline } from '../src/core/history/watchdogElection';
import { detectionProfiles, worstCaseDetectionSeconds, worstCaseLeaderLossSeconds, worstCaseVipMoveSeconds } from '../src/core/ops/setup/pgpoolConfig';
import {
  backendStatusOn, ensureWatchdogLab, labCli, pgCtlOnNode, pgpoolLog, startPgpool, stopPgpool, waitForLeader, watchdogInfo, watchdogLabDir, watchdogLabNet,
} from '../test/lab/watchdogFixture';
import { waitFor } from '../test/harness/wait';
import { median, spread } from './stats';

const RUNS = Number(process.env.BENCH_WATCHDOG_RUNS ?? 3);
const PARTS = process.env.BENCH_WATCHDOG_PARTS ?? 'vip,rto';

async function tryWrite(host: string): Promise<boolean> {
  const c = new Client({ host, port: LAB_PGPOOL_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000, query_timeout: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('INSERT INTO wd_bench VALUES (now())');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Seconds from t0 to the first accepted write through `host`. A new client starts every 100 ms without waiting
 * for the ones in flight (each gives up after 1 s), as many independent clients would: a connection attempt sent
 * just before the VIP moved (its SYN went to the old holder's MAC) would otherwise add up to its own timeout to
 * the figure. Resolution: 0.1 s.
 */
async function firstWrite(host: string, t0: number, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = false;
    const inFlight = new Set<Promise<void>>();
    const attempt = (): void => {
      if (done) return;
      if (performance.now() - t0 > timeoutMs) {
        done = true;
        void Promise.allSettled([...inFlight]).then(() => reject(new Error(`no write through ${host} within ${timeoutMs / 1000} s`)));
        return;
      }
      const p = tryWrite(host).then((ok) => {
        inFlight.delete(p);
        if (ok && !done) {
          done = true;
          const at = (performance.now() - t0) / 1000;
          // The others end within their own timeout; the next step starts once they have.
          void Promise.allSettled([...inFlight]).then(() => resolve(at));
        }
      });
      inFlight.add(p);
      setTimeout(attempt, 100);
    };
    attempt();
  });
}

async function primaryNode(layout: LabLayout): Promise<string> {
  return waitFor('one primary', async () => {
    const found: string[] = [];
    for (const n of layout.nodes) {
      const c = new Client({ host: n.address, port: LAB_PG_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
      try {
        await c.connect();
        if (!(await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r) found.push(n.name);
      } catch { /* down */ } finally { await c.end().catch(() => undefined); }
    }
    return found.length === 1 ? found[0] : undefined;
  }, 60_000);
}

function pcpOn(layout: LabLayout, host: LabPgpoolHost, tool: string, args: string[]): void {
  execFileSync(`/usr/sbin/${tool}`, ['-h', host.address, '-p', String(LAB_PCP_PORT), '-U', 'pcpadmin', '-w', ...args], {
    env: { ...process.env, PCPPASSFILE: layout.pcppassFile }, timeout: 180_000, stdio: 'pipe',
  });
}

/** Brings the failed old primary back as a standby through pgpool's online recovery, and waits until it is up. */
async function recoverNode(layout: LabLayout, via: LabPgpoolHost, nodeName: string, pgpools: readonly LabPgpoolHost[]): Promise<void> {
  const id = layout.nodes.findIndex((n) => n.name === nodeName);
  await waitFor(`pcp_recovery_node ${id}`, () => { try { pcpOn(layout, via, 'pcp_recovery_node', ['-n', String(id)]); return true; } catch { return false; } }, 120_000, 1000);
  await waitFor(`node ${id} up on every pgpool`, () => pgpools.every((h) => /^(up|waiting)$/.test(backendStatusOn(layout, h, id))), 60_000);
}

/**
 * pgpool0 alone: the same file with use_watchdog = off appended (pgpool reads the last occurrence), and
 * failover_on_backend_error = on, as the generator writes it without watchdog consensus.
 */
function writeSingleConf(layout: LabLayout, uid: number, gid: number): string {
  const p = layout.pgpool;
  const conf = onMachine(p, join(p.confDir, 'pgpool.conf'));
  const single = onMachine(p, join(p.confDir, 'pgpool-single.conf'));
  writeFileSync(single, `${readFileSync(conf, 'utf8')}\n# bench: one pgpool, no watchdog\nuse_watchdog = off\nfailover_on_backend_error = on\n`, { mode: 0o640 });
  chownSync(single, uid, gid);
  return join(p.confDir, 'pgpool-single.conf');
}

async function trio(layout: LabLayout): Promise<LabPgpoolHost> {
  for (const h of layout.pgpools) await startPgpool(layout, h);
  return waitForLeader(layout, layout.pgpools, 90_000);
}

/** True once pgpool's lifecheck runs on the host since its last start (its log says so). */
function lifecheckRunning(host: LabPgpoolHost): boolean {
  const log = pgpoolLog(host);
  const start = log.lastIndexOf('[DEAD] to [LOADING]');
  return start >= 0 && log.indexOf('watchdog: lifecheck started', start) > start;
}

/**
 * Waits for a cluster in steady state before the next crash: every pgpool lists all three as LEADER or STANDBY
 * and runs its lifecheck. pgpool starts the lifecheck once it has heard every node's heartbeat, polling every
 * 10 x wd_interval (10-20 s after a start with wd_interval 1); a leader crashed before that makes the node that
 * stands for leader wait out its 5 s reply timeout: a figure of the restart, not of the crash.
 */
async function settled(layout: LabLayout): Promise<void> {
  await waitFor('every pgpool to list three LEADER / STANDBY nodes and run its lifecheck', () => layout.pgpools.every((h) => {
    try {
      return lifecheckRunning(h) && watchdogInfo(layout, h).nodes.filter((n) => n.status === 'LEADER' || n.status === 'STANDBY').length === layout.pgpools.length;
    } catch { return false; }
  }), 120_000, 500);
  await waitForLeader(layout);
}

const rel = (at: number | undefined, wall0: number): string => (at === undefined ? '?' : `+${((at - wall0) / 1000).toFixed(2)}`);

function describeElection(e: ElectionTimeline, wall0: number): string {
  const first = e.stood[0];
  return [
    `lost noticed ${rel(e.noticedAt, wall0)}`,
    `stood ${rel(first?.at, wall0)}${first ? ` (${first.node} first${e.stood.length > 1 ? `, ${e.stood.length} stood` : ''})` : ''}`,
    `${e.leader?.node ?? 'no one'} leader ${rel(e.leader?.at, wall0)}${e.standTimedOut ? ' after its 4 s stand timeout' : ''}`,
    `escalation ${rel(e.escalationStartAt, wall0)} .. ${rel(e.escalationCommandDoneAt, wall0)}`,
  ].join(', ');
}

/**
 * Splits the VIP moves into pgpool 4.3's fixed timers and the rest: INITIALIZING (a 1 s timer, checked by a 1 s
 * loop), the stand for leader (at once, or its 4 s command timeout), the other survivor's join (INITIALIZING again,
 * needed for quorum before the escalation), escalation.sh, then if_up_cmd + arping + the client's reconnect.
 */
function reportElectionPhases(runs: readonly { write: number; e: ElectionTimeline }[]): void {
  const part = (f: (e: ElectionTimeline) => number | undefined): string => {
    const xs = runs.map((r) => f(r.e)).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length ? spread(xs.map((x) => x / 1000), 's', 2) : 'not seen';
  };
  console.log(`  pgpool's INITIALIZING timer (lost noticed -> first stand): ${part((e) => (e.stood[0] && e.noticedAt !== undefined ? e.stood[0].at - e.noticedAt : undefined))}`);
  console.log(`  stand for leader -> LEADER: ${part((e) => (e.leader?.stoodAt !== undefined ? e.leader.at - e.leader.stoodAt : undefined))}`);
  console.log(`  LEADER -> escalation (the other survivor joins: quorum): ${part((e) => (e.escalationStartAt !== undefined && e.leader ? e.escalationStartAt - e.leader.at : undefined))}`);
  console.log(`  escalation.sh (stale VIP cleared on the other hosts): ${part((e) => (e.escalationCommandDoneAt !== undefined && e.escalationStartAt !== undefined ? e.escalationCommandDoneAt - e.escalationStartAt : undefined))}`);
  const slow = runs.filter((r) => r.e.standTimedOut);
  const clean = runs.filter((r) => !r.e.standTimedOut);
  console.log(`  runs where the winner's stand reached the other survivor still INITIALIZING (it waited out pgpool's 4 s stand timeout): ${slow.length} of ${runs.length}`
    + `${slow.length ? ` (${spread(slow.map((r) => r.write), 's', 2)})` : ''}; the others: ${clean.length ? spread(clean.map((r) => r.write), 's', 2) : 'none'}`);
}

export async function benchWatchdog(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('watchdog: not measured, the watchdog lab needs root (network namespaces)');
    return;
  }
  const fast = detectionProfiles.fast;
  console.log(`profiles: ${Object.values(detectionProfiles).map((p) => `${p.name}: wd_interval ${p.watchdog.interval}, keepalive ${p.watchdog.heartbeatKeepalive}, deadtime ${p.watchdog.heartbeatDeadtime} -> lost leader noticed within ${worstCaseLeaderLossSeconds(p.watchdog)} s, VIP moved within ${worstCaseVipMoveSeconds(p.watchdog)} s (${worstCaseVipMoveSeconds(p.watchdog, 0)} s if its processes die and the host answers); backend within ${worstCaseDetectionSeconds(p)} s`).join(' | ')}`);
  const layout = ensureWatchdogLab();
  const ctx = labContext(watchdogLabDir(), undefined, watchdogLabNet(), true, true);
  const vip = layout.watchdog!.vip;
  let leader = await waitForLeader(layout);
  await waitFor('the bench table', async () => {
    const c = new Client({ host: vip, port: LAB_PGPOOL_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    try { await c.connect(); await c.query('CREATE TABLE IF NOT EXISTS wd_bench (at timestamptz)'); return true; } finally { await c.end().catch(() => undefined); }
  }, 30_000);

  // 1. The leader's host crashes: kill -> first write through the VIP. The crash is applied in this process (what
  // `lab fault crash` runs), so t0 is the kill, not a CLI's start-up.
  const vipMove: number[] = [];
  const phases: { write: number; e: ElectionTimeline }[] = [];
  if (PARTS.includes('vip')) {
    await settled(layout);
    for (let i = 0; i < RUNS; i++) {
      leader = await waitForLeader(layout);
      const survivors = layout.pgpools.filter((h) => h !== leader);
      const wall0 = Date.now();
      const t0 = performance.now();
      await applyFault(layout, ctx.user, { kind: 'crash', host: leader.name });
      const write = await firstWrite(vip, t0);
      vipMove.push(write);
      const e = electionTimeline(new Map(survivors.map((h) => [h.name, pgpoolLog(h)])), wall0);
      phases.push({ write, e });
      console.log(`  run ${i + 1}: ${leader.name} crashed, first write ${write.toFixed(2)} s | ${describeElection(e, wall0)}`);
      if (labCli(['heal']).code !== 0) throw new Error('lab heal failed');
      await startPgpool(layout, leader);
      await settled(layout);
    }
    console.log(`VIP move after the leader's host crashes (crash -> first write through the VIP, fast profile): ${spread(vipMove, 's', 2)}   goal <= 3 s`);
    reportElectionPhases(phases);
  }
  if (!PARTS.includes('rto')) return;

  // 2. Failover RTO through the VIP with consensus, paired with one pgpool alone, same backends, same run.
  const withWd: number[] = [];
  const consensusWaits: number[] = [];
  const single: number[] = [];
  const singleConf = writeSingleConf(layout, ctx.user.uid, ctx.user.gid);
  const sh = new HostShell(layout, ctx.user);
  for (let i = 0; i < RUNS; i++) {
    // Watchdog: three pgpools, consensus for failover, clients on the VIP.
    leader = await waitForLeader(layout);
    let primary = await primaryNode(layout);
    let t0 = performance.now();
    pgCtlOnNode(layout, primary, ['-m', 'immediate', 'stop']);
    const wall0 = Date.now() - (performance.now() - t0);
    withWd.push(await firstWrite(vip, t0));
    const wait = consensusWaitSeconds(pgpoolLog(leader), wall0);
    if (wait !== undefined) consensusWaits.push(wait);
    await recoverNode(layout, leader, primary, layout.pgpools);

    // One pgpool, no watchdog: pgpool0 through its own address.
    for (const h of layout.pgpools) await stopPgpool(layout, h);
    const p = layout.pgpool;
    sh.startDetached(p, [ctx.programs.pgpool, '-n', '-D', '-f', singleConf, '-F', join(p.confDir, 'pcp.conf'), '-a', join(p.confDir, 'pool_hba.conf')], p.logFile, true);
    await waitFor('pgpool0 alone to serve writes', () => tryWrite(p.address), 60_000, 200);
    primary = await primaryNode(layout);
    t0 = performance.now();
    pgCtlOnNode(layout, primary, ['-m', 'immediate', 'stop']);
    single.push(await firstWrite(p.address, t0));
    await recoverNode(layout, p, primary, [p]);
    await stopPgpool(layout, p);
    leader = await trio(layout);
  }
  const ratios = withWd.map((x, i) => x / (single[i] ?? NaN));
  console.log(`failover RTO through the VIP, 3 pgpools with consensus (primary stopped -m immediate -> first write): ${spread(withWd, 's', 2)}`);
  console.log(`failover RTO through one pgpool without watchdog, same run: ${spread(single, 's', 2)}`);
  if (consensusWaits.length > 0) console.log(`  of which the leader waited for the second vote (another pgpool's health check): ${spread(consensusWaits, 's', 2)}`);
  console.log(`ratio watchdog / single: x${median(ratios).toFixed(2)} (x${Math.min(...ratios).toFixed(2)} .. x${Math.max(...ratios).toFixed(2)})   goal <= x1.5`);
  console.log(`(fast profile: health_check_period ${fast.healthCheckPeriod} s; the lab stays up: pgpool-cluster lab --dir ${watchdogLabDir()} down)`);
}
