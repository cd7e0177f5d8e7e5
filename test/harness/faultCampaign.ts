// The fault campaign on the isolated lab: each fault starts on a freshly built, healthy lab, runs with the writer,
// the sampler and the status watcher, is undone the way an operator would (lab heal, recover), and reports what it
// cost. Shared by `npm run faults` (every fault, figures) and test/integration/faults.test.ts (a subset, no times).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadClusterFile } from '../../src/core/inventory/load';
import type { ClusterDefinition } from '../../src/core/inventory/model';
import { HostShell, hostPids, readAnchors } from '../../src/core/lab/isolatedLab';
import { labLayoutFor } from '../../src/core/lab/lab';
import { vipHolders } from '../../src/core/lab/watchdogLab';
import { defaultLabDir, type LabHost, type LabLayout } from '../../src/core/lab/layout';
import { resolveServiceUser } from '../../src/core/lab/serviceUser';
import { SshPool } from '../../src/core/remote/sshPool';
import { StatusCollector } from '../../src/core/status/collector';
import type { ClusterStatus } from '../../src/core/status/model';
import { operationLockHolder } from '../../src/core/ops/engine/lockHolder';
import { prepareTables, Sampler, StatusWatcher, twoWritableMs, Writer, WRITES_TABLE, type Endpoint, type PgLogin, type StatusObservation } from './faultProbes';
import { sleep } from './wait';

export type Mode = 'async' | 'sync';

export interface OperationOutcome {
  readonly name: string;
  readonly exit: number | null;
  /** The command's last meaningful line (its outcome or error). */
  readonly message: string;
  readonly ms: number;
}

export interface FaultResult {
  readonly n: number;
  readonly title: string;
  readonly mode: Mode;
  /** Set when the lab cannot do this fault (yet): why, and nothing else is measured. */
  readonly notRun?: string;
  readonly acked?: number;
  readonly lost?: number;
  readonly lostSample?: readonly number[];
  readonly finalPrimary?: string;
  readonly twoWritableMs?: number;
  readonly twoWritableNodes?: readonly string[];
  readonly writesFailed?: number;
  /** From the fault to the first acknowledged write after the first failed one; undefined: no write failed. */
  readonly firstWriteAfterFaultMs?: number;
  readonly noWriteAfterFault?: boolean;
  readonly statusCodes?: readonly string[];
  readonly statusFirstUnhealthyMs?: number;
  readonly healthyAgainMs?: number;
  readonly operations: OperationOutcome[];
  readonly notes: string[];
}

export interface CampaignOptions {
  readonly cliPath: string;
  readonly mode: Mode;
  /** synchronous_standby_names in sync mode. */
  readonly syncNames?: string;
  readonly log?: (line: string) => void;
  /** How long a fault is held before it is undone (ms); some faults override it. */
  readonly holdMs?: number;
  /** Install the fence guard on every node (`guard install`) before the fault; off: the control. */
  readonly guard?: boolean;
}

export interface Lab {
  readonly layout: LabLayout;
  readonly env: NodeJS.ProcessEnv;
  readonly cluster: ClusterDefinition;
  readonly login: PgLogin;
  readonly pgpool: Endpoint;
  readonly nodes: Endpoint[];
  readonly stateDir: string;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
const lastLine = (s: string): string => s.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-1)[0] ?? '';

/** `npm run faults -- --watchdog`: the watchdog lab (three pgpool hosts, the writer through the VIP). */
export const watchdogCampaign = (): boolean => process.env.PGPOOL_CLUSTER_FAULTS_WATCHDOG === '1';

/** The lab the campaign uses: the isolated lab named by PGPOOL_CLUSTER_LAB_DIR / _NET. */
export function campaignLayout(): LabLayout {
  const layout = labLayoutFor(defaultLabDir(), undefined, true, process.env, watchdogCampaign() || undefined);
  if (!layout.isolation) throw new Error('The fault campaign needs the isolated lab: set PGPOOL_CLUSTER_LAB_ISOLATED=1 (as root).');
  return layout;
}

export function labCli(o: CampaignOptions, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [o.cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a CLI operation; `during` may act while it runs (kill sshd, send SIGINT) and gets its output so far. */
export async function runOperation(o: CampaignOptions, lab: Lab, name: string, args: string[],
  during?: (child: ReturnType<typeof spawn>, output: () => string) => Promise<void>, env: NodeJS.ProcessEnv = {}, pick?: RegExp): Promise<OperationOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [o.cliPath, ...args], { env: { ...lab.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 300_000);
  if (during) await during(child, () => out).catch((err: unknown) => { out += `\n(harness: ${err instanceof Error ? err.message : String(err)})`; });
  const exit = await exited;
  clearTimeout(watchdog);
  const picked = pick ? out.split('\n').find((l) => pick.test(l))?.trim() : undefined;
  const outcome = { name, exit, message: picked ?? lastLine(out.replace(/^duration: .*$/gm, '')), ms: Date.now() - started };
  o.log?.(`    ${name}: exit ${exit} in ${outcome.ms} ms: ${outcome.message}`);
  return outcome;
}

async function readLogin(layout: LabLayout): Promise<PgLogin> {
  const line = readFileSync(layout.pgpassFile, 'utf8').split('\n').find((l) => l.split(':')[3] === 'postgres');
  if (!line) throw new Error(`No postgres entry in ${layout.pgpassFile}.`);
  return { user: 'postgres', password: line.split(':').slice(4).join(':'), database: 'postgres' };
}

async function sqlOn(ep: Endpoint, login: PgLogin, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new Client({ host: ep.host, port: ep.port, user: login.user, password: login.password, database: login.database, connectionTimeoutMillis: 3000, query_timeout: 60_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(text, params)).rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A freshly built lab (down, then up), optionally in synchronous mode, with the campaign's tables. */
export async function freshLab(o: CampaignOptions): Promise<Lab> {
  const layout = campaignLayout();
  const net = layout.nodes[0]!.address.split('.').slice(0, 3).join('.');
  labCli(o, ['lab', 'down']);
  const up = labCli(o, ['lab', '--net', net, 'up', '--isolated', ...(watchdogCampaign() ? ['--watchdog'] : []), '--quiet']);
  if (up.code !== 0) throw new Error(`lab up failed: ${lastLine(up.stderr || up.stdout)}`);
  const loaded = await loadClusterFile(layout.clusterFile);
  if (!loaded.ok) throw new Error(`The lab's cluster file does not load: ${layout.clusterFile}`);
  const cluster = loaded.file.clusters[0]!;
  const login = await readLogin(layout);
  const stateDir = mkdtempSync(join(tmpdir(), 'pgpool-faults-state-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env, PGPOOL_CLUSTER_FILE: layout.clusterFile, PGPASSFILE: layout.pgpassFile, PCPPASSFILE: layout.pcppassFile, PGPOOL_CLUSTER_STATE_DIR: stateDir,
  };
  const lab: Lab = {
    layout, env, cluster, login, stateDir,
    pgpool: layout.watchdog ? { name: 'vip', host: layout.watchdog.vip, port: 9999 } : { name: 'pgpool', host: layout.pgpool.address, port: 9999 },
    nodes: layout.nodes.map((n) => ({ name: n.name, host: n.address, port: 5432 })),
  };
  if (o.mode === 'sync') await makeSync(lab, o.syncNames ?? 'ANY 1 (node1, node2)');
  await prepareTables(lab.pgpool, login);
  if (o.guard) {
    const g = labCli(o, ['guard', 'install', '--yes'], env);
    if (g.code !== 0) throw new Error(`guard install failed: ${lastLine(g.stderr || g.stdout)}`);
  }
  return lab;
}

/** synchronous_standby_names on every node (ALTER SYSTEM; a promoted standby keeps it), then waits for a sync standby. */
async function makeSync(lab: Lab, names: string): Promise<void> {
  for (const n of lab.nodes) {
    await sqlOn(n, lab.login, 'ALTER SYSTEM SET synchronous_standby_names = ' + quoteLiteral(names)).catch(() => undefined);
    await sqlOn(n, lab.login, 'SELECT pg_reload_conf()').catch(() => undefined);
  }
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const rows = await sqlOn(lab.nodes[0]!, lab.login, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')").catch(() => []);
    if (Number(rows[0]?.n ?? 0) > 0) return;
    await sleep(200);
  }
  throw new Error(`No standby became synchronous with synchronous_standby_names = ${names}.`);
}

const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A fresh status the way the CLI computes it. */
export async function statusNow(lab: Lab): Promise<ClusterStatus> {
  const sshPool = new SshPool({ hostKeyPolicy: { mode: 'strict' } });
  const collector = new StatusCollector(lab.cluster, {
    timeoutMs: 3000, sshPool, hostProbes: true, lockHolder: () => operationLockHolder(lab.cluster, { sshPool, dir: join(lab.stateDir, 'locks'), workstationDir: lab.stateDir }),
  });
  try {
    return await collector.refresh();
  } finally {
    await collector.close().catch(() => undefined);
    await sshPool.close().catch(() => undefined);
  }
}

const comm = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
const ppid = (pid: number): number => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); } catch { return 0; } };
const kill = (pids: readonly number[], sig: NodeJS.Signals): void => { for (const p of pids) try { process.kill(p, sig); } catch { /* gone */ } };

export const hostNamed = (lab: Lab, name: string): LabHost => [...lab.layout.pgpools, ...lab.layout.nodes].find((h) => h.name === name)!;
/** Processes of one program on a lab host (seen from here through its network namespace). */
export const programPids = (lab: Lab, host: string, program: string): number[] => hostPids(lab.layout, hostNamed(lab, host)).filter((p) => comm(p) === program);
/** The parent process of a program on a host: the postmaster, pgpool's main process. */
export const mainPid = (lab: Lab, host: string, program: string): number | undefined => {
  const pids = programPids(lab, host, program);
  return pids.find((p) => !pids.includes(ppid(p)));
};

export const hostShell = (lab: Lab): HostShell => new HostShell(lab.layout, resolveServiceUser());

/** pg_ctl on a node, as the database user inside its host. */
export async function pgCtl(lab: Lab, node: string, args: string[]): Promise<string> {
  const n = lab.layout.nodes.find((x) => x.name === node)!;
  return hostShell(lab).run(n, [`${PG_BIN}/pg_ctl`, '-D', n.dataDir, ...args], { what: 'pg_ctl', timeoutMs: 60_000 }).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
}

/** The operator's way back to a healthy cluster: heal the lab, stop false primaries, recover every node that is not a healthy member. */
export async function repair(o: CampaignOptions, lab: Lab, ops: OperationOutcome[], notes: string[]): Promise<void> {
  labCli(o, ['lab', 'heal'], lab.env);
  for (let round = 0; round < 3; round++) {
    const s = await statusNow(lab);
    if (s.health === 'healthy') return;
    const writeTarget = s.nodes.find((n) => n.pgpool?.role === 'primary' && (n.pgpool.status === 'up' || n.pgpool.status === 'waiting'))?.name;
    const sick = s.nodes.filter((n) => n.name !== writeTarget && (n.status !== 'up' && n.status !== 'waiting' || n.problems.length > 0));
    if (sick.length === 0) { await sleep(1000); continue; }
    for (const n of sick) {
      // A false primary is stopped only when pgpool writes to another node; with none, stopping it could stop the last primary.
      if (n.postgres.reachable && n.postgres.role === 'primary' && writeTarget !== undefined) {
        await pgCtl(lab, n.name, ['stop', '-m', 'fast', '-w']);
        notes.push(`repair: stopped false primary ${n.name} (pg_ctl stop -m fast) before recover`);
      }
      ops.push(await runOperation(o, lab, `repair: recover ${n.name}`, ['recover', n.name, '--yes']));
    }
  }
}

export interface FaultContext {
  readonly o: CampaignOptions;
  readonly lab: Lab;
  readonly ops: OperationOutcome[];
  readonly notes: string[];
  /** Set by the scenario when the fault is really in place (after any setup). */
  faultAt: number;
  /** Set by the scenario when it starts undoing the fault (heal, repair). */
  undoAt?: number;
  /** Adds a status the scenario took itself (with the fault's own credentials) to what status said during the fault. */
  observe(o: StatusObservation): void;
}

export interface FaultScenario {
  readonly n: number;
  readonly title: string;
  /** Why the lab cannot do this fault yet (the row says so; nothing is measured). */
  readonly notRun?: string;
  /** Before the observers start (a big table to copy); its notes go to the row. */
  prepare?(lab: Lab, notes: string[], o: CampaignOptions): Promise<void>;
  /** Injects the fault, holds it, runs what must run during it, and undoes it (not the repair). */
  run(ctx: FaultContext): Promise<void>;
  /** Extra steps before the generic repair (restart pgpool, restore a key). */
  restore?(ctx: FaultContext): Promise<void>;
}

/** One fault on a fresh lab: observers on, fault, repair, figures. */
export async function runFault(o: CampaignOptions, scenario: FaultScenario): Promise<FaultResult> {
  const base = { n: scenario.n, title: scenario.title, mode: o.mode };
  if (scenario.notRun) return { ...base, notRun: scenario.notRun, operations: [], notes: [] };
  o.log?.(`fault ${scenario.n} (${o.mode}): ${scenario.title}`);
  const lab = await freshLab(o);
  const prepared: string[] = [];
  await scenario.prepare?.(lab, prepared, o);
  const writer = new Writer(lab.pgpool, lab.login, { maxIds: 500_000, maxMs: 240_000, answerMs: 5000 });
  const sampler = new Sampler(lab.nodes, lab.login, 100, 500);
  const watcher = new StatusWatcher(lab.cluster, 1000, join(lab.stateDir, 'locks'));
  const ctx: FaultContext = { o, lab, ops: [], notes: prepared, faultAt: 0, observe: (x) => { watcher.seen.push(x); watcher.seen.sort((a, b) => a.at - b.at); } };
  writer.start();
  sampler.start();
  watcher.start();
  try {
    await sleep(2000);
    ctx.faultAt = Date.now();
    await scenario.run(ctx);
    ctx.undoAt ??= Date.now();
    await scenario.restore?.(ctx);
    await repair(o, lab, ctx.ops, ctx.notes);
    // Until status says healthy (or a bound): the time to healthy is read from the watcher.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !watcher.seen.some((s) => s.at > (ctx.undoAt ?? 0) && s.health === 'healthy')) await sleep(250);
    await sleep(1000);
  } finally {
    await Promise.all([writer.stop(), sampler.stop(), watcher.stop()]);
  }
  return { ...base, ...(await figures(lab, ctx, writer, sampler, watcher)), operations: ctx.ops, notes: ctx.notes };
}

async function figures(lab: Lab, ctx: FaultContext, writer: Writer, sampler: Sampler, watcher: StatusWatcher): Promise<Omit<FaultResult, 'n' | 'title' | 'mode' | 'operations' | 'notes'>> {
  const t0 = ctx.faultAt;
  const s = await statusNow(lab);
  const finalPrimary = s.nodes.find((n) => n.pgpool?.role === 'primary' && n.postgres.role === 'primary')?.name
    ?? s.nodes.find((n) => n.postgres.role === 'primary')?.name;
  let lostIds: number[] = [];
  if (finalPrimary) {
    const ep = lab.nodes.find((n) => n.name === finalPrimary)!;
    const rows = await sqlOn(ep, lab.login, `SELECT id FROM ${WRITES_TABLE}`);
    const present = new Set(rows.map((r) => Number(r.id)));
    lostIds = writer.acks.filter((a) => !present.has(a.id)).map((a) => a.id);
  } else {
    ctx.notes.push('no primary at the end: losses not counted');
  }
  const two = twoWritableMs(sampler.samples, t0, Date.now());
  const firstFailure = writer.failures.find((f) => f.at >= t0);
  const firstAck = firstFailure ? writer.acks.find((a) => a.sentAt > firstFailure.at) : undefined;
  const during = watcher.seen.filter((x) => x.at >= t0 && x.at <= (ctx.undoAt ?? Date.now()));
  const firstUnhealthy = watcher.seen.find((x) => x.at >= t0 && x.health !== 'healthy');
  const healthyAgain = firstUnhealthy ? watcher.seen.find((x) => x.at > firstUnhealthy.at && x.health === 'healthy') : undefined;
  const codes = [...new Set(during.flatMap((x) => x.codes))].sort();
  return {
    acked: writer.acks.length,
    ...(finalPrimary ? { finalPrimary, lost: lostIds.length, lostSample: lostIds.slice(0, 5) } : {}),
    twoWritableMs: two.ms, twoWritableNodes: two.nodes,
    writesFailed: writer.failures.filter((f) => f.at >= t0).length,
    ...(firstAck ? { firstWriteAfterFaultMs: firstAck.ackAt - t0 } : {}),
    ...(firstFailure && !firstAck ? { noWriteAfterFault: true } : {}),
    statusCodes: codes,
    ...(firstUnhealthy ? { statusFirstUnhealthyMs: Math.max(0, firstUnhealthy.at + firstUnhealthy.elapsedMs - t0) } : {}),
    ...(healthyAgain ? { healthyAgainMs: healthyAgain.at + healthyAgain.elapsedMs - t0 } : {}),
  };
}

// ---- the twelve faults ----

const hold = (ctx: FaultContext, ms?: number): Promise<void> => sleep(ms ?? ctx.o.holdMs ?? 8000);
const fault = (ctx: FaultContext, ...args: string[]): void => {
  const r = labCli(ctx.o, ['lab', 'fault', ...args], ctx.lab.env);
  if (r.code !== 0) throw new Error(`lab fault ${args.join(' ')}: ${lastLine(r.stderr || r.stdout)}`);
  ctx.notes.push(`lab fault ${args.join(' ')}: ${lastLine(r.stdout)}`);
};
const heal = (ctx: FaultContext): void => {
  ctx.undoAt = Date.now();
  labCli(ctx.o, ['lab', 'heal'], ctx.lab.env);
};

/** What status says right now, as a note (the operator's view during the fault). */
async function noteStatus(ctx: FaultContext, when: string): Promise<void> {
  const s = await statusNow(ctx.lab);
  ctx.notes.push(`status ${when}: ${s.health}${s.problems.length ? ` [${[...new Set(s.problems.map((p) => p.code))].join(', ')}]` : ''}`);
}

/** Recover tried while the fault holds (the operator's reflex), with its outcome recorded. */
const recoverDuring = async (ctx: FaultContext, node: string): Promise<void> => {
  ctx.ops.push(await runOperation(ctx.o, ctx.lab, `during: recover ${node}`, ['recover', node, '--yes']));
};

/** The line that says whether an operation ran or was refused by the lock (with the holder). */
const LOCK_OUTCOME = /operation-in-progress|: done and verified/;

let savedPgpoolArgv: string[] | undefined;
let killedPgpool: string | undefined;
let savedPgpoolLog: string | undefined;

export const SCENARIOS: FaultScenario[] = [
  {
    n: 1, title: 'kill -9 of the primary\'s postmaster only (children linger)',
    async run(ctx) {
      const pid = mainPid(ctx.lab, 'node0', 'postgres');
      if (pid === undefined) throw new Error('no postmaster on node0');
      ctx.faultAt = Date.now();
      kill([pid], 'SIGKILL');
      ctx.notes.push(`killed postmaster pid ${pid}; ${programPids(ctx.lab, 'node0', 'postgres').length} postgres processes left right after`);
      await hold(ctx);
      await noteStatus(ctx, 'before repair');
      ctx.undoAt = Date.now();
    },
  },
  {
    n: 2, title: 'crash of the primary\'s whole host',
    async run(ctx) {
      ctx.faultAt = Date.now();
      fault(ctx, 'crash', 'node0');
      await hold(ctx);
      heal(ctx);
    },
  },
  {
    n: 3, title: 'primary frozen (SIGSTOP) past failover detection, then thawed (false primary)',
    async run(ctx) {
      ctx.faultAt = Date.now();
      fault(ctx, 'freeze', 'node0');
      await hold(ctx);
      labCli(ctx.o, ['lab', 'heal'], ctx.lab.env);
      ctx.notes.push('thawed');
      await sleep(3000);
      await noteStatus(ctx, '3 s after the thaw');
      await recoverDuring(ctx, 'node0');
      ctx.undoAt = Date.now();
    },
  },
  {
    n: 4, title: 'primary cut off from pgpool but not from clients',
    async run(ctx) {
      ctx.faultAt = Date.now();
      fault(ctx, 'partition', 'node0', 'pgpool');
      await hold(ctx);
      await noteStatus(ctx, 'during the partition');
      heal(ctx);
    },
  },
  {
    n: 5, title: 'primary\'s host isolated from everything',
    async run(ctx) {
      ctx.faultAt = Date.now();
      fault(ctx, 'isolate', 'node0');
      await hold(ctx);
      heal(ctx);
      await sleep(2000);
      await noteStatus(ctx, '2 s after the heal');
    },
  },
  {
    n: 6, title: 'pgpool killed (kill -9 of pgpool and its children; on the watchdog lab the leader\'s)',
    async run(ctx) {
      // The watchdog lab: the pgpool that holds the VIP (the leader).
      killedPgpool = ctx.lab.layout.watchdog ? (await vipHolders(ctx.lab.layout))[0] ?? ctx.lab.layout.pgpool.name : ctx.lab.layout.pgpool.name;
      const main = mainPid(ctx.lab, killedPgpool, 'pgpool');
      if (main === undefined) throw new Error(`no pgpool on ${killedPgpool}`);
      savedPgpoolArgv = readFileSync(`/proc/${main}/cmdline`, 'utf8').split('\0').filter((x) => x !== '');
      try { savedPgpoolLog = readlinkSync(`/proc/${main}/fd/2`); } catch { savedPgpoolLog = undefined; }
      ctx.faultAt = Date.now();
      kill(programPids(ctx.lab, killedPgpool, 'pgpool'), 'SIGKILL');
      ctx.notes.push(`killed pgpool on ${killedPgpool}`);
      await hold(ctx, 5000);
      ctx.undoAt = Date.now();
    },
    async restore(ctx) {
      // The operator's repair: what status names (pgpool-down) and the action it gives.
      await noteStatus(ctx, 'before the repair');
      const name = killedPgpool ?? ctx.lab.cluster.pgpool[0]!.name;
      const start = await runOperation(ctx.o, ctx.lab, `repair: pgpool start ${name}`, ['pgpool', 'start', name, '--yes']);
      ctx.ops.push(start);
      if (start.exit !== 0 && savedPgpoolArgv) {
        // Only if the product's start failed: pgpool back as its service manager would start it.
        hostShell(ctx.lab).startDetached(hostNamed(ctx.lab, name), savedPgpoolArgv, savedPgpoolLog?.startsWith('/') ? savedPgpoolLog : '/var/log/postgresql/pgpool.log', true);
        ctx.notes.push('pgpool start failed: restarted by the harness');
        await sleep(1500);
      }
    },
  },
  {
    n: 7, title: 'a standby\'s pg_wal filesystem full, then freed',
    async run(ctx) {
      ctx.faultAt = Date.now();
      fault(ctx, 'disk-full', 'node1');
      await hold(ctx);
      await noteStatus(ctx, 'while full');
      heal(ctx);
    },
  },
  {
    n: 8, title: 'SSH to the node dropped in the middle of recover (sshd killed during the copy)',
    async run(ctx) {
      await pgCtl(ctx.lab, 'node1', ['stop', '-m', 'immediate', '-w']);
      await sleep(2500); // pgpool's health check marks node1 down
      ctx.ops.push(await runOperation(ctx.o, ctx.lab, 'during: recover node1 --method basebackup (sshd killed)', ['recover', 'node1', '--method', 'basebackup', '--yes'], async (_child, output) => {
        const until = Date.now() + 20_000;
        // The runner prints `[i/n] <step title> ...` when a step starts: cut SSH as the copy begins.
        while (Date.now() < until && !/^\[\d+\/\d+\] pg_basebackup /m.test(output())) await sleep(10);
        ctx.faultAt = Date.now();
        const sshd = programPids(ctx.lab, 'node1', 'sshd');
        kill(sshd, 'SIGKILL');
        ctx.notes.push(`killed ${sshd.length} sshd processes on node1 after recover printed: ${lastLine(output()).slice(0, 120)}`);
      }));
      await noteStatus(ctx, 'after the interrupted recover');
      heal(ctx);
    },
  },
  {
    n: 9, title: 'wrong passwords in .pgpass / .pcppass and an expired key passphrase',
    async run(ctx) {
      const { lab } = ctx;
      const dir = mkdtempSync(join(tmpdir(), 'pgpool-faults-cred-'));
      try {
        // (a) the workstation's .pgpass has a wrong password.
        const wrongPgpass = join(dir, 'pgpass');
        writeFileSync(wrongPgpass, readFileSync(lab.layout.pgpassFile, 'utf8').split('\n').map((l) => (l.includes(':') ? `${l.split(':').slice(0, 4).join(':')}:wrong-${Date.now()}` : l)).join('\n'), { mode: 0o600 });
        const wrongFile = join(dir, 'cluster.yaml');
        writeFileSync(wrongFile, readFileSync(lab.layout.clusterFile, 'utf8').replace(`passfile: ${lab.layout.pgpassFile}`, `passfile: ${wrongPgpass}`));
        ctx.faultAt = Date.now();
        const st = await observedStatus(ctx, ['--file', wrongFile]);
        ctx.notes.push(`(a) wrong .pgpass: status exit ${st.code}, codes ${codesOf(st.stdout)}`);
        ctx.ops.push(await runOperation(ctx.o, lab, '(a) recover node1 --dry-run with the wrong .pgpass', ['recover', 'node1', '--dry-run', '--file', wrongFile]));
        // (b) the pgpool host's .pcppass has a wrong password.
        const sh = hostShell(lab);
        const pcppass = '/var/lib/postgresql/.pcppass';
        const good = await sh.run(lab.layout.pgpool, ['cat', pcppass], { what: 'reading .pcppass' });
        // The right file goes back whatever happens: a wrong .pcppass left behind breaks failover's own pcp calls and the repair.
        try {
          await sh.writeFile(lab.layout.pgpool, pcppass, good.split('\n').map((l) => (l.includes(':') ? `${l.split(':').slice(0, 3).join(':')}:wrong` : l)).join('\n'), 0o600);
          await sh.run(lab.layout.pgpool, ['chown', 'postgres:postgres', pcppass], { asUser: false, what: 'chown' }).catch(() => undefined);
          ctx.ops.push(await runOperation(ctx.o, lab, '(b) detach node2 with a wrong .pcppass on the pgpool host', ['detach', 'node2', '--yes'], undefined, { PCPPASSFILE: join(dir, 'no-pcppass') }));
        } finally {
          await sh.writeFile(lab.layout.pgpool, pcppass, good, 0o600);
          await sh.run(lab.layout.pgpool, ['chown', 'postgres:postgres', pcppass], { asUser: false, what: 'chown' }).catch(() => undefined);
        }
        // (c) the SSH key has a passphrase and the one given is no longer right.
        const key = join(dir, 'id_ed25519');
        copyFileSync(lab.layout.clientKey, key);
        spawnSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'the-old-passphrase', '-f', key], { encoding: 'utf8' });
        const keyFile = join(dir, 'cluster-key.yaml');
        writeFileSync(keyFile, readFileSync(lab.layout.clusterFile, 'utf8').replace(`identityFile: ${lab.layout.clientKey}`, `identityFile: ${key}`));
        const sk = await observedStatus(ctx, ['--file', keyFile], { PGPOOL_CLUSTER_SSH_PASSPHRASE: 'a-new-passphrase' });
        ctx.notes.push(`(c) wrong key passphrase: status exit ${sk.code}, codes ${codesOf(sk.stdout)}`);
        ctx.ops.push(await runOperation(ctx.o, lab, '(c) recover node1 --dry-run with a wrong key passphrase', ['recover', 'node1', '--dry-run', '--file', keyFile], undefined, { PGPOOL_CLUSTER_SSH_PASSPHRASE: 'a-new-passphrase' }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      ctx.undoAt = Date.now();
    },
  },
  {
    n: 10, title: 'a node\'s host key changed',
    async run(ctx) {
      const keyDir = join(ctx.lab.layout.dir, 'hosts', 'node1', 'etc', 'ssh');
      const key = join(keyDir, 'ssh_host_ed25519_key');
      copyFileSync(key, `${key}.campaign`);
      copyFileSync(`${key}.pub`, `${key}.pub.campaign`);
      rmSync(key);
      rmSync(`${key}.pub`);
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key], { encoding: 'utf8' });
      ctx.faultAt = Date.now();
      const st = labCli(ctx.o, ['status', '--json'], ctx.lab.env);
      ctx.notes.push(`status exit ${st.code}, codes ${codesOf(st.stdout)}`);
      ctx.ops.push(await runOperation(ctx.o, ctx.lab, 'check', ['check'], undefined, {}, /host key/i));
      await hold(ctx, 3000);
      renameSync(`${key}.campaign`, key);
      renameSync(`${key}.pub.campaign`, `${key}.pub`);
      ctx.undoAt = Date.now();
    },
  },
  {
    n: 11, title: 'two operations at once: two processes, and two workstations (two lock holders)',
    async run(ctx) {
      const { lab } = ctx;
      await pgCtl(lab, 'node2', ['stop', '-m', 'immediate', '-w']);
      await sleep(2500);
      ctx.faultAt = Date.now();
      const [a, b] = await Promise.all([
        runOperation(ctx.o, lab, 'process A: recover node2', ['recover', 'node2', '--method', 'basebackup', '--yes'], undefined, {}, LOCK_OUTCOME),
        sleep(300).then(() => runOperation(ctx.o, lab, 'process B (same workstation): recover node2', ['recover', 'node2', '--method', 'basebackup', '--yes'], undefined, {}, LOCK_OUTCOME)),
      ]);
      ctx.ops.push(a, b);
      await pgCtl(lab, 'node2', ['stop', '-m', 'immediate', '-w']);
      await sleep(2500);
      const other = mkdtempSync(join(tmpdir(), 'pgpool-faults-ws2-'));
      try {
        const [c, d] = await Promise.all([
          runOperation(ctx.o, lab, 'workstation 1: recover node2', ['recover', 'node2', '--method', 'basebackup', '--yes'], undefined, {}, LOCK_OUTCOME),
          sleep(300).then(() => runOperation(ctx.o, lab, 'workstation 2 (its own HOME and state dir): recover node2', ['recover', 'node2', '--method', 'basebackup', '--yes'], undefined,
            { HOME: other, PGPOOL_CLUSTER_STATE_DIR: join(other, '.pgpool-cluster') }, LOCK_OUTCOME)),
        ]);
        ctx.ops.push(c, d);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      ctx.undoAt = Date.now();
    },
  },
  {
    n: 12, title: 'a 1 Mbit/s link during recover, then cancelled halfway',
    async prepare(lab, notes, o) {
      await fillDatabase(lab, Number(process.env.PGPOOL_CLUSTER_FAULTS_FILL_MB ?? 1024), notes, o);
    },
    async run(ctx) {
      const { lab } = ctx;
      const size = await sqlOn(lab.pgpool, lab.login, 'SELECT pg_size_pretty(pg_database_size(current_database())) AS s').catch(() => []);
      ctx.notes.push(`database size ${String(size[0]?.s ?? '?')}`);
      await pgCtl(lab, 'node1', ['stop', '-m', 'immediate', '-w']);
      await sleep(2500);
      fault(ctx, 'slow', 'node1', '1mbit');
      ctx.faultAt = Date.now();
      ctx.ops.push(await runOperation(ctx.o, lab, 'during: recover node1 --method basebackup over 1 Mbit/s, SIGINT after 10 s', ['recover', 'node1', '--method', 'basebackup', '--yes'], async (child) => {
        await sleep(10_000);
        child.kill('SIGINT');
      }));
      await noteStatus(ctx, 'after the cancel');
      heal(ctx);
    },
  },
];

/**
 * `status --json` with the fault's own files or environment (a wrong .pgpass, a key's wrong passphrase), run without
 * blocking the writer and sampler, and recorded as what status said during the fault.
 */
async function observedStatus(ctx: FaultContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  const at = Date.now();
  const child = spawn(process.execPath, [ctx.o.cliPath, 'status', '--json', ...args], { env: { ...ctx.lab.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  let codes: string[] = [];
  try {
    const r = JSON.parse(stdout) as { clusters?: { problems?: { code: string }[] }[] };
    codes = [...new Set((r.clusters?.[0]?.problems ?? []).map((p) => p.code))].sort();
  } catch { codes = [`error: status printed no JSON (exit ${code})`]; }
  ctx.observe({ at, health: code === 0 ? 'healthy' : code === 1 ? 'degraded' : 'unreachable', codes, elapsedMs: Date.now() - at });
  return { code, stdout };
}

function codesOf(json: string): string {
  try {
    const r = JSON.parse(json) as { clusters?: { problems?: { code: string }[] }[] };
    return [...new Set((r.clusters?.[0]?.problems ?? []).map((p) => p.code))].join(', ') || 'none';
  } catch {
    return `unreadable (${lastLine(json).slice(0, 80)})`;
  }
}

/**
 * Grows the primary's database to about `mb` MB with a filler table (100 MB at a time, a CHECKPOINT after each and
 * little WAL kept, so the hosts' filesystems hold it), then waits until both standbys have replayed it.
 */
export async function fillDatabase(lab: Lab, mb: number, notes: string[], o: CampaignOptions): Promise<void> {
  const primary = lab.nodes[0]!;
  const started = Date.now();
  // Little WAL kept (the lab keeps 512 MB for slow standbys): the data, not its WAL, is what the copy is about.
  for (const n of lab.nodes) {
    await sqlOn(n, lab.login, "ALTER SYSTEM SET wal_keep_size = '64MB'");
    await sqlOn(n, lab.login, "ALTER SYSTEM SET max_wal_size = '256MB'");
    await sqlOn(n, lab.login, 'SELECT pg_reload_conf()');
  }
  await sqlOn(primary, lab.login, 'CREATE TABLE IF NOT EXISTS campaign_filler (id bigint, pad text) WITH (autovacuum_enabled = off)');
  const rowsPer100Mb = 110_000;
  for (let batch = 0; batch < 100; batch++) {
    const rows = await sqlOn(primary, lab.login, 'SELECT pg_database_size(current_database()) AS b');
    if (Number(rows[0]?.b ?? 0) >= mb * 1024 * 1024) break;
    await sqlOn(primary, lab.login, 'INSERT INTO campaign_filler SELECT g, repeat(md5(g::text), 28) FROM generate_series($1::bigint, $2::bigint) g', [batch * rowsPer100Mb, (batch + 1) * rowsPer100Mb - 1]);
    await sqlOn(primary, lab.login, 'CHECKPOINT');
  }
  const lsn = String((await sqlOn(primary, lab.login, 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l);
  const deadline = Date.now() + 300_000;
  for (const sb of lab.nodes.slice(1)) {
    while (Date.now() < deadline) {
      const r = await sqlOn(sb, lab.login, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]).catch(() => []);
      if (r[0]?.ok === true) break;
      await sleep(500);
    }
  }
  const size = await sqlOn(primary, lab.login, 'SELECT pg_size_pretty(pg_database_size(current_database())) AS s');
  await sqlOn(primary, lab.login, 'CHECKPOINT');
  notes.push(`filled the database to ${String(size[0]?.s ?? '?')} in ${Math.round((Date.now() - started) / 1000)} s before the fault`);
  o.log?.(`    ${notes.at(-1) ?? ''}`);
}

/** Keeps `existsSync` and `readAnchors` honest for callers that check the lab first. */
export const labRunning = (layout: LabLayout): boolean => existsSync(layout.clusterFile) && Object.keys(readAnchors(layout)).length > 0;

/**
 * The lab an integration test of faults uses: the test lab itself when the suite runs on the isolated lab
 * (PGPOOL_CLUSTER_LAB_ISOLATED=1: it is rebuilt, and left up and healthy), else an isolated lab of its own beside it
 * (PGPOOL_CLUSTER_FAULTS_NET, default 10.213.3). Sets the variables the campaign and the CLI read.
 */
export function useFaultTestLab(): void {
  if (process.env.PGPOOL_CLUSTER_LAB_ISOLATED === '1') return;
  process.env.PGPOOL_CLUSTER_LAB_DIR = `${defaultLabDir().replace(/\/+$/, '')}-faults`;
  process.env.PGPOOL_CLUSTER_LAB_NET = process.env.PGPOOL_CLUSTER_FAULTS_NET ?? '10.213.3';
  process.env.PGPOOL_CLUSTER_LAB_ISOLATED = '1';
}
