/**
 * Operation figures on the lab (fast detection profile): manual promote -> first write through pgpool;
 * switchover -> first write and lost acknowledged writes vs pgpool's own `pcp_promote_node -s`; automatic
 * failover RTO after kill -9 of the primary, with and without client traffic. Leaves the lab healthy.
 *
 * Every figure runs from the moment the command starts to the first write pgpool acknowledges that landed on
 * the new primary (`inet_server_addr()` of the session, then the row is read back on that node directly):
 * a write the old primary took before it stopped does not count.
 *
 * BENCH_LAB_DIR / BENCH_LAB_NET pick the lab (default: the main lab the tests use); it is brought up when it
 * is not. BENCH_OPS_RUNS sets the number of rounds (default 3).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { Client } from 'pg';
import { labContext, labIsUp, labUp } from '../src/core/lab/lab';
import { onMachine } from '../src/core/lab/isolation';
import { defaultLabDir, defaultLabNet } from '../src/core/lab/layout';
import { failoverPhases, logSize, readLogFrom, type FailoverPhases } from './failoverLog';
import { quantile } from './stats';

const RUNS = Number(process.env.BENCH_OPS_RUNS ?? 3);
/** Rounds of the quiet automatic-failover RTO (p50/p90 need at least 10). */
const RTO_RUNS = Number(process.env.BENCH_RTO_RUNS ?? 10);
/** BENCH_OPS_ONLY=promote|switchover measures that operation alone (its rounds only, no RTO). */
const ONLY = process.env.BENCH_OPS_ONLY;
const measures = (what: 'promote' | 'switchover' | 'rto'): boolean => ONLY === undefined || ONLY === '' || ONLY === what;
export const ctx = labContext(process.env.BENCH_LAB_DIR ?? defaultLabDir(), undefined, process.env.BENCH_LAB_NET ?? defaultLabNet());
if (process.env.BENCH_LAB_DIR) process.env.PGPOOL_CLUSTER_LAB_DIR = process.env.BENCH_LAB_DIR;
export const layout = ctx.layout;
const PGPOOL = layout.pgpool.address;
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
/** Its own lock and audit folder per lab: two benches on two labs must not queue behind one lock. */
const STATE_DIR = `/tmp/pgc-bench-state-${basename(layout.dir)}`;
/** pgpool's log as this machine sees it (the isolated lab's hosts bind-mount /var/log from their folder). */
const PGPOOL_LOG = layout.isolation ? onMachine(layout.pgpool, layout.pgpool.logFile) : layout.pgpool.logFile;
const NODES = layout.nodes.map((n) => ({ name: n.name, id: n.id, host: n.address, dataDir: n.dataDir }));
export type Node = typeof NODES[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface CliResult { code: number; wallMs: number; outcome?: { ok: boolean; durationMs: number; message: string; steps: { id: string; ms: number; skipped: boolean }[]; phases?: Record<string, number> } }

/** Runs the bundled CLI with --json; the outcome carries the runner's step timings. */
export function cliRun(args: string[]): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args, '--yes', '--json', '--file', layout.clusterFile], {
      stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000,
      env: { ...process.env, PGPOOL_CLUSTER_STATE_DIR: STATE_DIR, PGPASSFILE: layout.pgpassFile },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (c) => {
      const wallMs = performance.now() - started;
      let outcome: CliResult['outcome'];
      try { outcome = JSON.parse(out) as CliResult['outcome']; } catch { /* refused or crashed: no JSON */ }
      if (c !== 0) {
        const why = outcome?.message ?? (err.trim().split('\n').filter((l) => !/DeprecationWarning|trace-deprecation/.test(l)).slice(-3).join(' | ') || out.trim().slice(-300));
        console.error(`  (pgpool-cluster ${args.join(' ')} exited ${c}: ${why})`);
      }
      resolve({ code: c ?? 1, wallMs, ...(outcome ? { outcome } : {}) });
    });
  });
}

/** Runs a program without blocking the event loop (the traffic generator keeps running meanwhile). */
/** pgpool's own pcp_promote_node on the lab's pgpool (`-s`: its switchover); its exit code. */
export function pcpPromoteNode(id: number, switchover: boolean): Promise<number> {
  return runAsync('/usr/sbin/pcp_promote_node', ['-h', PGPOOL, '-p', '9898', '-U', 'pcpadmin', '-w', ...(switchover ? ['-s'] : []), '-n', String(id)], { ...process.env, PCPPASSFILE: layout.pcppassFile });
}

function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(file, args, { stdio: 'ignore', env, timeout: 120_000 });
    p.on('close', (c) => resolve(c ?? 1));
  });
}

/** Ends a client without waiting on a server that may never answer (a pgpool child stuck in failover). */
export async function closeClient(c: Client): Promise<void> {
  await Promise.race([c.end().catch(() => undefined), sleep(200)]);
  (c as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
}

/** One statement on a fresh connection, bounded by `timeoutMs` end to end. */
export async function q(host: string, port: number, sql: string, params: unknown[] = [], timeoutMs = 3000): Promise<Record<string, unknown>[]> {
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  c.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs + 500); });
  try {
    return await Promise.race([(async () => { await c.connect(); return (await c.query(sql, params)).rows as Record<string, unknown>[]; })(), deadline]);
  } finally {
    clearTimeout(timer);
    await closeClient(c);
  }
}

interface LandedWrite { at: number; host: string; id: number }

/**
 * The first write through pgpool that lands on one of `hosts`, from t0: an attempt every 50 ms on a fresh
 * connection, at most 4 at once, so one connection pgpool leaves hanging does not hold the figure. The row is
 * then read back on that node directly.
 */
async function firstWriteOn(hosts: readonly string[], t0: number, timeoutMs = 60_000): Promise<LandedWrite> {
  let found: LandedWrite | undefined;
  let inFlight = 0;
  const attempt = async (): Promise<void> => {
    inFlight++;
    try {
      const r = (await q(PGPOOL, 9999, 'INSERT INTO bench_ops VALUES (DEFAULT) RETURNING id, host(inet_server_addr()) AS addr', [], 2000))[0];
      const at = performance.now();
      const host = String(r?.addr);
      if (!found && hosts.includes(host)) found = { at, host, id: Number(r?.id) };
    } catch { /* refused or dropped while pgpool fails over: try again */ } finally { inFlight--; }
  };
  while (!found) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`no write landed on ${hosts.join(' or ')} through pgpool within ${timeoutMs} ms`);
    if (inFlight < 4) void attempt();
    await sleep(50);
  }
  const rows = await q(found.host, 5432, 'SELECT count(*)::int AS n FROM bench_ops WHERE id = $1', [found.id]);
  if (rows[0]?.n !== 1) throw new Error(`pgpool acknowledged row ${found.id} as written on ${found.host}, but ${found.host} does not have it`);
  return found;
}

/** Steady inserts through pgpool; returns the acknowledged ids and the longest gap between acknowledgements. */
export function traffic(): { stop: () => Promise<{ acked: number[]; longestGapMs: number }> } {
  let run = true;
  const acked: number[] = [];
  let last = performance.now();
  let longestGapMs = 0;
  const loop = (async () => {
    let c: Client | undefined;
    let id = Math.floor(Math.random() * 1e8);
    while (run) {
      try {
        if (!c) {
          c = new Client({ host: PGPOOL, port: 9999, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000, query_timeout: 2000 });
          c.on('error', () => undefined);
          await c.connect();
        }
        await c.query('INSERT INTO bench_ops_ack VALUES ($1)', [++id]);
        acked.push(id);
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - last);
        last = now;
      } catch {
        if (c) await closeClient(c);
        c = undefined;
        await sleep(10);
      }
    }
    if (c) await closeClient(c);
  })();
  return { stop: async () => { run = false; await loop; return { acked, longestGapMs }; } };
}

export async function lostOn(primary: string, acked: number[]): Promise<number> {
  let rows: Record<string, unknown>[] | undefined;
  for (let i = 0; !rows; i++) {
    try { rows = await q(primary, 5432, 'SELECT id FROM bench_ops_ack'); } catch (err) { if (i >= 50) throw err; await sleep(200); }
  }
  const have = new Set(rows.map((r) => Number(r.id)));
  return acked.filter((id) => !have.has(id)).length;
}

// ---------------------------------------------------------------------------------------------------------
// Bringing the lab back to one primary, two streaming standbys, every node attached (between measurements)
// ---------------------------------------------------------------------------------------------------------

interface NodeFacts {
  readonly node: Node;
  readonly alive: boolean;
  readonly primary: boolean;
  readonly timeline?: number;
  readonly lsn?: string;
  readonly pool?: { status: string; role: string };
}

function pcpNodeInfo(id: number): { status: string; role: string } | undefined {
  const r = spawnSync('/usr/sbin/pcp_node_info', ['-h', PGPOOL, '-p', '9898', '-U', 'pcpadmin', '-w', '-n', String(id)], {
    encoding: 'utf8', timeout: 10_000, env: { ...process.env, PCPPASSFILE: layout.pcppassFile },
  });
  // "host port status weight status_name pg_status role pg_role ..."
  const f = r.status === 0 ? r.stdout.trim().split(/\s+/) : [];
  return f.length >= 7 ? { status: f[4]!, role: f[6]! } : undefined;
}

async function nodeFacts(): Promise<NodeFacts[]> {
  return Promise.all(NODES.map(async (node): Promise<NodeFacts> => {
    const pool = pcpNodeInfo(node.id);
    try {
      const r = (await q(node.host, 5432, `SELECT NOT pg_is_in_recovery() AS p, (SELECT timeline_id FROM pg_control_checkpoint()) AS tl,
        (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn`))[0];
      return { node, alive: true, primary: r?.p === true, timeline: Number(r?.tl), lsn: String(r?.lsn), ...(pool ? { pool } : {}) };
    } catch {
      return { node, alive: false, primary: false, ...(pool ? { pool } : {}) };
    }
  }));
}

async function streamingTo(primary: Node): Promise<Set<string>> {
  const rows = await q(primary.host, 5432, "SELECT application_name AS a FROM pg_stat_replication WHERE state = 'streaming'").catch(() => []);
  return new Set(rows.map((r) => String(r.a)));
}

/** A command on a lab host over SSH as the lab's service user (the isolated lab's hosts share nothing with this machine). */
function onHost(host: string, command: string): { code: number; stdout: string } {
  const r = spawnSync('ssh', ['-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${layout.clientKnownHosts}`,
    '-i', layout.clientKey, '-p', String(layout.sshPort), `${process.getuid?.() === 0 ? 'postgres' : userInfo().username}@${host}`, command], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '' };
}

/** The postmaster's pid from its pid file, read where the node runs. */
function postmasterPid(node: Node): number {
  if (!layout.isolation) return Number(readFileSync(join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const r = onHost(node.host, `head -1 '${node.dataDir}/postmaster.pid'`);
  return r.code === 0 ? Number(r.stdout.trim()) : NaN;
}

function processesOf(node: Node): { postmaster: boolean; workers: boolean } {
  if (layout.isolation) {
    // Every isolated host has the same data directory path: only its own pid file tells.
    const r = onHost(node.host, `pid=$(head -1 '${node.dataDir}/postmaster.pid' 2>/dev/null); [ -n "$pid" ] && [ -e /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status`);
    return { postmaster: r.code === 0, workers: false };
  }
  const pidFile = join(node.dataDir, 'postmaster.pid');
  let pid = NaN;
  try { pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10); } catch { /* no pid file */ }
  const postmaster = Number.isFinite(pid) && existsSync(`/proc/${pid}`);
  const workers = readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try { return readlinkSync(`/proc/${p}/cwd`) === node.dataDir; } catch { return false; }
  });
  return { postmaster, workers };
}

/**
 * A node that does not answer is either gone or busy (starting, stopping, being rewound by pgpool's
 * follow_primary_command). A killed postmaster stays a zombie until PID 1 reaps it (~2 s here) and its
 * backends may outlive it; a restart or pg_rewind meanwhile fails with "lock file postmaster.pid already
 * exists". Waits until the node answers (true) or none of its processes is left (false).
 */
async function answersOrGone(node: Node, timeoutMs = 60_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await q(node.host, 5432, 'SELECT 1', [], 1000).then(() => true, () => false)) return true;
    const p = processesOf(node);
    if (!p.postmaster && !p.workers) return false;
    if (performance.now() > deadline) throw new Error(`${node.name} neither answers nor stops: PostgreSQL processes of ${node.dataDir} are still there after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const describeFacts = (fs: NodeFacts[], streaming: Set<string>): string => fs.map((f) =>
  `${f.node.name}: ${f.alive ? (f.primary ? `primary (timeline ${f.timeline})` : `standby${streaming.has(f.node.name) ? ' streaming' : ' not streaming'}`) : 'down'}, pgpool ${f.pool ? `${f.pool.status}/${f.pool.role}` : 'unknown'}`).join('; ');

interface LabState { facts: NodeFacts[]; primary?: NodeFacts; streaming: Set<string>; ok: boolean; text: string }

async function labState(): Promise<LabState> {
  const facts = await nodeFacts();
  const primaries = facts.filter((f) => f.alive && f.primary);
  const pgpoolPrimary = primaries.find((f) => f.pool?.role === 'primary' && (f.pool.status === 'up' || f.pool.status === 'waiting'));
  // The newest timeline wins a split brain; the others are rebuilt from it.
  const primary = pgpoolPrimary ?? [...primaries].sort((a, b) => (b.timeline ?? 0) - (a.timeline ?? 0))[0];
  const streaming = primary ? await streamingTo(primary.node) : new Set<string>();
  const ok = primaries.length === 1 && primary === pgpoolPrimary
    && facts.every((f) => (f.pool?.status === 'up' || f.pool?.status === 'waiting') && (f === primary || (f.alive && !f.primary && streaming.has(f.node.name))));
  return { facts, ...(primary ? { primary } : {}), streaming, ok, text: describeFacts(facts, streaming) };
}

/**
 * Repairs the lab until it is healthy, by the product's own commands: a false primary or a dead node is
 * recovered (pg_rewind, then pg_basebackup if that fails), a detached streaming standby is attached. Never
 * promotes while a primary runs, so it never makes two; gives up with the cluster's state after a bounded
 * number of rounds instead of looping. pgpool's follow_primary_command gets `settleMs` to finish first.
 */
/** Pause between a healthy lab and the next round (healthy()). */
const ROUND_SETTLE_MS = 1500;

export async function healthy(settleMs = 5_000): Promise<void> {
  const attempts = new Map<string, number>();
  let st = await labState();
  for (const until = performance.now() + settleMs; !st.ok && performance.now() < until;) {
    await sleep(250);
    st = await labState();
  }
  for (let round = 0; round < 10; round++) {
    if (round > 0) st = await labState();
    const p = st.primary;
    if (!p) {
      const best = st.facts.filter((f) => f.alive).sort((a, b) => (b.timeline ?? 0) - (a.timeline ?? 0) || (b.lsn ?? '').localeCompare(a.lsn ?? ''))[0];
      if (!best) throw new Error(`the lab has no running node: ${st.text}`);
      await cliRun(['promote', best.node.name]);
      continue;
    }
    if (st.ok) {
      // End to end: a write through pgpool lands on the primary.
      await throughPgpool('CREATE TABLE IF NOT EXISTS bench_ops (id bigserial PRIMARY KEY)');
      await firstWriteOn([p.node.host], performance.now(), 20_000);
      // The next round does not start inside the last one's aftermath: about 1 s after a failback (the last step of
      // a round attaches a node) pgpool restarts its pcp process and its replication-check worker, whose first check
      // would then meet the next round's stop in the same instant (see srCheckIdleSteps). No operator acts that fast.
      await sleep(ROUND_SETTLE_MS);
      return;
    }
    const broken = st.facts.filter((f) => f !== p && (!f.alive || f.primary || !st.streaming.has(f.node.name)));
    for (const f of broken) {
      const n = (attempts.get(f.node.name) ?? 0) + 1;
      attempts.set(f.node.name, n);
      if (n > 3) throw new Error(`could not repair ${f.node.name} in 3 attempts; the lab is: ${st.text}`);
      // Someone (pgpool's follow_primary_command) is still working on it: look again next round.
      if (!f.alive && await answersOrGone(f.node)) { attempts.set(f.node.name, n - 1); continue; }
      await cliRun(['recover', f.node.name, ...(n >= 2 ? ['--method', 'basebackup'] : [])]);
    }
    for (const f of st.facts) {
      if (f === p || broken.includes(f) || f.pool?.status === 'up' || f.pool?.status === 'waiting') continue;
      await cliRun(['attach', f.node.name]);
    }
    if (p.pool?.status === 'down') await cliRun(['attach', p.node.name]);
    else if (p.pool?.role !== 'primary') {
      await pcpPromoteNode(p.node.id, false);
    }
    await sleep(500);
  }
  throw new Error(`the lab did not become healthy in 10 rounds; it is: ${(await labState()).text}`);
}

export async function primaryNode(): Promise<Node> {
  const primaries = (await nodeFacts()).filter((f) => f.alive && f.primary);
  if (primaries.length !== 1) throw new Error(`expected one primary, found ${primaries.map((f) => f.node.name).join(', ') || 'none'}`);
  return primaries[0]!.node;
}

/** A standby to move to, turn by turn, so every node takes its turn as the primary. */
export function nextTarget(p: Node, turn: number): Node {
  const others = NODES.filter((n) => n !== p);
  return others[turn % others.length]!;
}

/** Each quiet failover's phases from pgpool's log (s), then each phase's p50/p90 and what pgpool's lock cost. */
function printRtoPhases(runs: { kill: number; write: number; phases: FailoverPhases }[]): void {
  if (!runs.length) return;
  const d = (a?: number, b?: number): number => (a !== undefined && b !== undefined ? (b - a) / 1000 : NaN);
  const cols: [string, (r: typeof runs[number]) => number][] = [
    ['kill -> degenerate request', (r) => d(r.kill, r.phases.degenerate)],
    ['degenerate -> failover.sh start', (r) => d(r.phases.degenerate, r.phases.scriptStart)],
    ['failover.sh', (r) => d(r.phases.scriptStart, r.phases.scriptEnd)],
    ['pgpool finds the primary', (r) => d(r.phases.scriptEnd, r.phases.primaryFound)],
    ['-> failover done (children restarted)', (r) => d(r.phases.primaryFound, r.phases.done)],
    ['failover done -> first write', (r) => d(r.phases.done, r.write)],
    ['degenerate -> failover done', (r) => d(r.phases.degenerate, r.phases.done)],
  ];
  console.log('  automatic failover RTO, where the time went per run (pgpool\'s log; s):');
  runs.forEach((r, i) => console.log(`    run ${i + 1}: ${cols.map(([k, f]) => `${k} ${f(r).toFixed(2)}`).join(', ')}${r.phases.lockSleep ? '; pgpool slept 1 s on its follow-primary lock' : ''}`));
  for (const [k, f] of cols) {
    const xs = runs.map(f).filter((x) => Number.isFinite(x));
    if (xs.length) console.log(`    ${k}: p50 ${quantile(xs, 0.5).toFixed(2)}, p90 ${quantile(xs, 0.9).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}, n ${xs.length})`);
  }
  console.log(`    pgpool slept 1 s on its follow-primary lock in ${runs.filter((r) => r.phases.lockSleep).length} of ${runs.length} failovers`);
}

function cliStartupMs(): number[] {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [CLI, '--version'], { stdio: 'ignore' });
    xs.push(performance.now() - t);
  }
  return xs;
}

/** The bench lab up and healthy, with the writers' table: what every operation bench starts from. */
export async function readyBenchLab(): Promise<void> {
  process.env.PGPASSFILE = layout.pgpassFile;
  if (!labIsUp(layout)) {
    console.log(`  (bringing the lab up in ${layout.dir})`);
    await labUp(ctx);
  }
  await healthy();
  await throughPgpool('CREATE TABLE IF NOT EXISTS bench_ops (id bigserial PRIMARY KEY)');
}

/** A statement through pgpool, again while pgpool drops it (it restarts its children for a while after a failover or an attach). */
export async function throughPgpool(sql: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await q(PGPOOL, 9999, sql);
      return;
    } catch (err) {
      if (i >= 20) throw err;
      await sleep(500);
    }
  }
}

export async function benchOps(): Promise<void> {
  await readyBenchLab();
  await throughPgpool('CREATE TABLE IF NOT EXISTS bench_ops_ack (id bigint PRIMARY KEY)');
  const promote: number[] = []; const ours: number[] = []; const oursLost: number[] = []; const oursGap: number[] = [];
  const oursCmd: number[] = []; const promoteCmd: number[] = [];
  const base: number[] = []; const baseLost: number[] = []; const baseGap: number[] = [];
  const rtoQuiet: number[] = []; const rtoBusy: number[] = [];
  /** Per quiet failover, from pgpool's log: the phases, with the kill and the first write on the same clock. */
  const rtoPhases: { kill: number; write: number; phases: FailoverPhases }[] = [];
  const failed: string[] = [];
  const stepMs = new Map<string, number[]>();
  const keepSteps = (op: string, r: CliResult): void => {
    for (const s of r.outcome?.steps ?? []) {
      const key = `${op} ${s.id.replace(/node\d/g, 'N')}${s.skipped ? ' (skipped)' : ''}`;
      stepMs.set(key, [...(stepMs.get(key) ?? []), s.ms]);
    }
    const ph = r.outcome?.phases;
    if (ph?.start !== undefined && ph.status !== undefined && ph.plan !== undefined && ph.run !== undefined) {
      for (const [k, v] of [['0 process start -> command', ph.start], ['0 status refresh', ph.status - ph.start], ['0 plan', ph.plan - ph.status], ['0 lock', ph.run - ph.plan]] as const) {
        stepMs.set(`${op} ${k}`, [...(stepMs.get(`${op} ${k}`) ?? []), v]);
      }
    }
    stepMs.set(`${op} overhead (CLI start, status, plan, verify, exit)`, [...(stepMs.get(`${op} overhead (CLI start, status, plan, verify, exit)`) ?? []), r.wallMs - (r.outcome?.durationMs ?? r.wallMs)]);
  };

  /** Automatic failover RTO: kill -9 of the primary's postmaster -> first write on another node. */
  const rto = async (busy: boolean): Promise<void> => {
    const p = await primaryNode();
    const pid = postmasterPid(p);
    const load = busy ? traffic() : { stop: async () => ({ acked: [], longestGapMs: 0 }) };
    if (busy) await sleep(300);
    const logFrom = logSize(PGPOOL_LOG);
    let t0 = performance.now();
    // On the isolated lab the kill runs over SSH: the clock starts once it returned (the kill is its last act).
    if (layout.isolation) { onHost(p.host, `kill -9 ${pid}`); t0 = performance.now(); } else process.kill(pid, 'SIGKILL');
    const killWall = Date.now();
    const wf = await firstWriteOn(NODES.filter((n) => n !== p).map((n) => n.host), t0).catch((err: unknown) => err as Error);
    if (!(wf instanceof Error)) (busy ? rtoBusy : rtoQuiet).push(wf.at - t0);
    else failed.push(`failover after kill -9 of ${p.name}${busy ? ' (traffic)' : ''}: ${wf.message}`);
    await load.stop();
    await healthy();
    if (!busy && !(wf instanceof Error)) rtoPhases.push({ kill: killWall, write: killWall + (wf.at - t0), phases: failoverPhases(readLogFrom(PGPOOL_LOG, logFrom).text) });
  };

  for (let i = 0; i < RUNS; i++) {
    let p: Node;
    let t: Node;
    let t0: number;
    if (measures('promote')) {
      // Manual promote (fenced): command start -> first write that lands on the promoted node.
      p = await primaryNode();
      t = nextTarget(p, i);
      t0 = performance.now();
      const done = cliRun(['promote', t.name, '--fence']);
      const w = await firstWriteOn([t.host], t0).catch((err: unknown) => err as Error);
      const r = await done;
      if (r.code === 0 && !(w instanceof Error)) { promote.push(w.at - t0); promoteCmd.push(r.wallMs); keepSteps('promote', r); } else failed.push(`promote ${t.name}: ${r.outcome?.message ?? (w instanceof Error ? w.message : `exit ${r.code}`)}`);
      await healthy(0);
    }
    if (!measures('switchover')) continue;

    // Our switchover under traffic: command start -> first write on the new primary; lost acknowledged rows.
    p = await primaryNode(); t = nextTarget(p, i);
    let load = traffic(); await sleep(500);
    t0 = performance.now();
    const sw = cliRun(['switchover', t.name]);
    const ws = await firstWriteOn([t.host], t0).catch((err: unknown) => err as Error);
    const rs = await sw;
    await sleep(300);
    let stopped = await load.stop();
    if (rs.code === 0 && !(ws instanceof Error)) {
      ours.push(ws.at - t0); oursCmd.push(rs.wallMs); keepSteps('switchover', rs);
      oursLost.push(await lostOn(t.host, stopped.acked)); oursGap.push(stopped.longestGapMs);
    } else failed.push(`switchover ${t.name}: ${rs.outcome?.message ?? (ws instanceof Error ? ws.message : `exit ${rs.code}`)}`);
    await healthy();

    // pgpool's own switchover (pcp_promote_node -s) as the baseline, same traffic.
    p = await primaryNode(); t = nextTarget(p, i);
    load = traffic(); await sleep(500);
    t0 = performance.now();
    const pcpDone = pcpPromoteNode(t.id, true);
    const wb = await firstWriteOn([t.host], t0).catch((err: unknown) => err as Error);
    await pcpDone;
    await sleep(300);
    stopped = await load.stop();
    if (!(wb instanceof Error)) {
      base.push(wb.at - t0); baseLost.push(await lostOn(t.host, stopped.acked)); baseGap.push(stopped.longestGapMs);
    } else failed.push(`pcp_promote_node -s ${t.name}: ${wb.message}`);
    // pgpool's follow_primary_command rewinds the old primary itself (it waits ~10 s for it to stream first).
    await healthy(60_000);

    if (measures('rto')) await rto(true);
  }
  // Automatic failover RTO without traffic, RTO_RUNS times for its p90.
  for (let i = 0; measures('rto') && i < RTO_RUNS; i++) await rto(false);
  const sec = (x: number): string => (x / 1000).toFixed(2);
  const s = (xs: number[]): string => `${sec(median(xs))} s (runs: ${xs.map(sec).join(', ')})`;
  console.log('ops (lab, fast detection profile, medians; from command start to the first write that landed on the new primary):');
  console.log(`  manual promote (--fence) -> first write through pgpool: ${s(promote)}   goal <= 1 s; whole command ${s(promoteCmd)}`);
  console.log(`  switchover -> first write: ${s(ours)}, lost acknowledged writes ${oursLost.join('/')}   goal <= pcp_promote_node -s and <= 2.5 s, 0 lost; whole command ${s(oursCmd)}; longest pause between acknowledged writes ${s(oursGap)}`);
  console.log(`  pcp_promote_node -s baseline: ${s(base)}, lost acknowledged writes ${baseLost.join('/')}; longest pause between acknowledged writes ${s(baseGap)}`);
  console.log(`  switchover ratio (baseline / ours): ${(median(base) / median(ours)).toFixed(2)}x`);
  console.log(`  automatic failover RTO, kill -9, no traffic: p50 ${sec(quantile(rtoQuiet, 0.5))} s, p90 ${sec(quantile(rtoQuiet, 0.9))} s   goal p90 <= 1.0 s; ${s(rtoQuiet)}`);
  console.log(`  automatic failover RTO, kill -9, with traffic: ${s(rtoBusy)}`);
  printRtoPhases(rtoPhases);
  console.log(`  CLI start (node dist/cli.js --version): ${s(cliStartupMs())}`);
  console.log('  step timings (median ms):');
  for (const [k, xs] of [...stepMs.entries()].sort()) console.log(`    ${k}: ${Math.round(median(xs))} (${xs.map(Math.round).join(', ')})`);
  if (failed.length) {
    console.log(`  failed measurements (${failed.length}), not in the figures:`);
    for (const f of failed) console.log(`    ${f}`);
  }
}

if (require.main === module) void benchOps().then(() => process.exit(0), (err: unknown) => { console.error(errText(err)); process.exit(1); });
