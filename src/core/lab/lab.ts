import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { writePrivateFileSync } from '../remote/privateFile';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { passFileLine } from '../ops/setup/pgpoolConfig';
import {
  allHosts, defaultLabDir, defaultLabNet, isolatedLabLayout, isPrivateNet, ISOLATED_DEFAULT_NET, labLayout, LAB_PCP_PORT, LAB_PG_MAJOR, LAB_PG_PORT, LAB_PGPOOL_PORT,
  LAB_SSH_PORT, type LabLayout,
} from './layout';
import { isolatedDown, isolatedProcesses, isolatedUp } from './isolatedLab';
import { findLabPrograms, type LabPrograms } from './prerequisites';
import { LabError, processAlive, processCommandLine, waitFor } from './proc';
import { resolveServiceUser, type ServiceUser } from './serviceUser';
import { checkSshLogin, prepareSsh, sshdPid, startSshd } from './sshd';
import {
  cloneStandby, createRolesAndExtensions, initPrimary, postmasterPid, prepareNodeHost, startNode, stopNode, waitForStreaming,
  type LabPasswords,
} from './postgres';
import { configurePgpool, installRecoveryScripts, labPgpoolInput, pgpoolPid, startPgpool, waitForPgpool } from './pgpool';
import { isolatedClusterDefinition, labClusterDefinition } from './clusterFile';

const MARKER = '.pgpool-cluster-lab';

export interface LabContext {
  readonly layout: LabLayout;
  readonly programs: LabPrograms;
  readonly user: ServiceUser;
}

export interface LabState {
  readonly createdAt: string;
  readonly net: string;
  /** Hosts are namespaces on a bridge (lab up --isolated). */
  readonly isolated?: boolean;
  /** Three pgpool hosts with watchdog and a VIP (lab up --watchdog, isolated only). */
  readonly watchdog?: { readonly vip: string; readonly pgpools: readonly string[] };
  readonly pgMajor: number;
  /** Why pgpool's online recovery (pcp_recovery_node) cannot work on this lab, if it cannot. */
  readonly onlineRecoveryUnavailable?: string;
  readonly user: string;
  readonly upSeconds: number;
  readonly steps: Record<string, number>;
}

function stateIn(dir: string): LabState | undefined {
  try { return JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabState; } catch { return undefined; }
}

/** The layout of the lab in dir: isolated when that lab is, else when asked (flag, then environment). */
export function labLayoutFor(dir = defaultLabDir(), net?: string, isolated?: boolean, env: NodeJS.ProcessEnv = process.env, watchdog?: boolean): LabLayout {
  const state = stateIn(dir);
  // The environment is a default: an explicit loopback --net still means the loopback lab (e.g. a test's second lab).
  // A running lab's kind is what it is: a loopback lab's state has no `isolated` (older labs wrote none).
  // A private --net is the isolated lab's range only: a lab whose lab.json is gone (a killed `lab up`) is still found.
  const iso = (state ? state.isolated === true : undefined) ?? isolated ?? (watchdog || (net !== undefined && isPrivateNet(net)) || (isolatedRequested(env) && net === undefined));
  // Asked for explicitly wins (labUp then refuses a running lab of the other kind); else what runs in dir.
  const wd = watchdog ?? (state?.watchdog !== undefined);
  if (wd && !iso) throw new LabError('The watchdog lab runs on the isolated lab only (one network namespace per pgpool host): lab up --isolated --watchdog, as root.');
  const envNet = defaultLabNet(env);
  return iso
    ? isolatedLabLayout(dir, 3, net ?? state?.net ?? (isPrivateNet(envNet) ? envNet : ISOLATED_DEFAULT_NET), wd)
    : labLayout(dir, 3, net ?? state?.net ?? envNet);
}

/** PGPOOL_CLUSTER_LAB_ISOLATED=1 asks for the isolated lab wherever no flag says otherwise. */
export const isolatedRequested = (env: NodeJS.ProcessEnv = process.env): boolean => env.PGPOOL_CLUSTER_LAB_ISOLATED === '1';

/**
 * The lab in dir; its PostgreSQL version is the one asked for, else the running lab's, else 15. It is the
 * isolated lab when asked (flag or environment) or when the lab in dir is one.
 */
export function labContext(dir = defaultLabDir(), pgMajor?: number, net?: string, isolated?: boolean, watchdog?: boolean): LabContext {
  const state = stateIn(dir);
  const layout = labLayoutFor(dir, net, isolated, process.env, watchdog);
  const major = pgMajor ?? state?.pgMajor ?? LAB_PG_MAJOR;
  return { layout, programs: findLabPrograms(major), user: resolveServiceUser() };
}

/** One lab command at a time per lab folder: tests and people may run `lab up` concurrently. */
async function withLabLock<T>(layout: LabLayout, fn: () => Promise<T>): Promise<T> {
  const lock = `${layout.dir.replace(/\/+$/, '')}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number.parseInt((() => { try { return readFileSync(lock, 'utf8'); } catch { return ''; } })(), 10);
      if (!Number.isFinite(holder) || !processAlive(holder)) { rmSync(lock, { force: true }); continue; }
      if (Date.now() > deadline) throw new LabError(`Another lab command (pid ${holder}) holds ${lock}.`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Processes started from this lab's folder whose pid files are gone (an interrupted run): found by command line. */
function orphanedLabProcesses(layout: LabLayout): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const cmd = processCommandLine(pid);
    if (cmd && cmd.includes(`${layout.dir}/hosts/`) && /\b(sshd|pgpool|postgres)\b/.test(cmd) && processAlive(pid)) found.push(pid);
  }
  return found;
}

/**
 * A loopback lab's servers in this folder (its lab.json replaced by an isolated lab's up, or a person's mistake):
 * the isolated lab's own processes never name the folder in their command line except their anchors, which
 * isolatedDown stops. Each is stopped the way it shuts down with its children: postgres SIGQUIT, pgpool SIGINT.
 */
async function stopLoopbackServers(layout: LabLayout): Promise<string[]> {
  const comm = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
  const pids = orphanedLabProcesses(layout).filter((pid) => ['sshd', 'postgres', 'pgpool'].includes(comm(pid)));
  for (const pid of pids) {
    try { process.kill(pid, comm(pid) === 'postgres' ? 'SIGQUIT' : comm(pid) === 'pgpool' ? 'SIGINT' : 'SIGTERM'); } catch { /* gone */ }
  }
  try {
    await waitFor('the loopback lab\'s servers to exit', () => pids.every((p) => !processAlive(p)), 10_000);
  } catch {
    for (const p of pids) if (processAlive(p)) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
  return pids.length > 0 ? [`${pids.length} servers of a loopback lab in ${layout.dir}`] : [];
}

export function readLabState(layout: LabLayout): LabState | undefined {
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (v: boolean): void => { s.destroy(); resolve(v); };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** What of the lab is running now: each server by pid, checked against /proc. */
export function labProcesses(layout: LabLayout): Array<{ what: string; pid: number | undefined; alive: boolean }> {
  if (layout.isolation) return isolatedProcesses(layout);
  const list: Array<{ what: string; pid: number | undefined }> = [
    ...allHosts(layout).map((h) => ({ what: `sshd ${h.name}`, pid: sshdPid(h) })),
    ...layout.nodes.map((n) => ({ what: `postgres ${n.name}`, pid: postmasterPid(n) })),
    { what: 'pgpool', pid: pgpoolPid(layout) },
  ];
  return list.map((p) => ({ ...p, alive: p.pid !== undefined && processAlive(p.pid) }));
}

export function labIsUp(layout: LabLayout): boolean {
  return existsSync(layout.stateFile) && labProcesses(layout).every((p) => p.alive);
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface LabUpResult {
  readonly alreadyUp: boolean;
  readonly seconds: number;
  readonly layout: LabLayout;
}

export function labUp(ctx: LabContext, log: (msg: string) => void = () => undefined): Promise<LabUpResult> {
  if (ctx.layout.isolation && process.getuid?.() !== 0) {
    return Promise.reject(new LabError('The isolated lab needs root (network, mount and PID namespaces). Run it as root, or use the loopback lab: pgpool-cluster lab up'));
  }
  return withLabLock(ctx.layout, () => labUpLocked(ctx, log));
}

async function labUpLocked(ctx: LabContext, log: (msg: string) => void): Promise<LabUpResult> {
  const { layout, programs, user } = ctx;
  const started = Date.now();
  const existing = readLabState(layout);
  if (existing && (existing.watchdog !== undefined) !== (layout.watchdog !== undefined)) {
    const was = existing.watchdog !== undefined;
    throw new LabError(`The lab in ${layout.dir} was built ${was ? 'with' : 'without'} watchdog. Take it down first (pgpool-cluster lab down) to start it ${was ? 'without' : 'with'} watchdog.`);
  }
  if (labIsUp(layout)) {
    const running = readLabState(layout)?.pgMajor ?? LAB_PG_MAJOR;
    if (running !== programs.pgMajor) {
      throw new LabError(`The lab is up with PostgreSQL ${running}. Take it down first (pgpool-cluster lab down) to start it with PostgreSQL ${programs.pgMajor}.`);
    }
    return { alreadyUp: true, seconds: 0, layout };
  }
  if (existsSync(layout.dir) || layout.isolation) {
    if (existsSync(layout.dir)) log(`A partial lab was found in ${layout.dir}: taking it down first.`);
    await labDownLocked(ctx, log);
  }
  const endpoints: Array<[string, number]> = [
    ...allHosts(layout).map((h): [string, number] => [h.address, LAB_SSH_PORT]),
    ...layout.nodes.map((n): [string, number] => [n.address, LAB_PG_PORT]),
    [layout.pgpool.address, LAB_PGPOOL_PORT], [layout.pgpool.address, LAB_PCP_PORT],
  ];
  const busy = layout.isolation ? [] : (await Promise.all(endpoints.map(async ([h, p]) => ((await portAnswers(h, p)) ? `${h}:${p}` : '')))).filter(Boolean);
  if (busy.length > 0) {
    throw new LabError(`Something that is not this lab already listens on ${busy.join(', ')}. Stop it (a system PostgreSQL, pgpool or sshd listening on all addresses?) and try again.`);
  }

  const steps: Record<string, number> = {};
  let t = Date.now();
  const step = (name: string): void => { steps[name] = (Date.now() - t) / 1000; t = Date.now(); log(`${name}: ${steps[name]?.toFixed(2)} s`); };

  mkdirSync(layout.dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(layout.dir, MARKER), 'This folder belongs to `pgpool-cluster lab`; `pgpool-cluster lab down` removes it.\n');
  for (const h of allHosts(layout)) {
    mkdirSync(h.dir, { recursive: true, mode: 0o755 });
    if (user.switched) chownSync(h.dir, user.uid, user.gid);
  }
  const pw: LabPasswords = { postgres: randomPassword(), pgpool: randomPassword(), replicator: randomPassword(), pcpadmin: randomPassword() };
  const owner = user.switched ? { owner: { uid: user.uid, gid: user.gid } } : {};
  writePrivateFileSync(layout.pgpassFile, [
    passFileLine(['*', '*', '*', 'postgres', pw.postgres]),
    passFileLine(['*', '*', '*', 'pgpool', pw.pgpool]),
    passFileLine(['*', '*', '*', 'replicator', pw.replicator]),
  ].join('\n') + '\n', owner);
  writePrivateFileSync(layout.pcppassFile, passFileLine(['*', LAB_PCP_PORT, 'pcpadmin', pw.pcpadmin]) + '\n', owner);

  if (layout.isolation) {
    await isolatedUp({ layout, programs, user, pw, step });
    return finishUp(ctx, started, steps, true);
  }
  const [primary, ...standbys] = layout.nodes;
  if (!primary) throw new LabError('The lab needs at least one node.');
  for (const n of layout.nodes) prepareNodeHost(n, user);
  const sshReady = (async () => {
    await prepareSsh(layout, programs, user);
    await Promise.all(allHosts(layout).map((h) => startSshd(h, programs)));
  })();
  await initPrimary(layout, primary, programs, user, pw);
  step('initdb');
  await startNode(primary, programs, user);
  // Debian ships the pgpool_recovery extension for PostgreSQL 15 only.
  const recoveryExtension = programs.pgMajor === LAB_PG_MAJOR;
  await createRolesAndExtensions(primary, pw, recoveryExtension);
  const input = labPgpoolInput(layout, programs, user);
  installRecoveryScripts(input, primary.dataDir, user);
  step('primary');
  await Promise.all(standbys.map(async (s) => {
    await cloneStandby(layout, primary, s, programs, user, pw);
    await startNode(s, programs, user);
  }));
  step('standbys');
  await configurePgpool(layout, input, programs, user, pw);
  await startPgpool(layout, programs, user);
  await sshReady;
  await Promise.all([waitForPgpool(layout, pw, layout.nodes.length), waitForStreaming(primary, standbys, pw)]);
  step('pgpool');
  await Promise.all(allHosts(layout).map((h) => checkSshLogin(layout, h, programs, user)));
  step('ssh');
  return finishUp(ctx, started, steps, recoveryExtension);
}

function finishUp(ctx: LabContext, started: number, steps: Record<string, number>, recoveryExtension: boolean): LabUpResult {
  const { layout, programs, user } = ctx;
  writeFileSync(layout.clusterFile, layout.isolation ? isolatedClusterDefinition(layout, programs, user) : labClusterDefinition(layout, programs, user));
  const seconds = (Date.now() - started) / 1000;
  const state: LabState = {
    createdAt: new Date().toISOString(), net: layout.nodes[0]!.address.split('.').slice(0, 3).join('.'), pgMajor: programs.pgMajor, user: user.name, upSeconds: seconds, steps,
    ...(layout.isolation ? { isolated: true } : {}),
    ...(layout.watchdog ? { watchdog: { vip: layout.watchdog.vip, pgpools: layout.pgpools.map((p) => p.name) } } : {}),
    ...(recoveryExtension ? {} : {
      onlineRecoveryUnavailable: `pgpool_recovery (Debian postgresql-${LAB_PG_MAJOR}-pgpool2) is built for PostgreSQL ${LAB_PG_MAJOR} only; ` +
        `on ${programs.pgMajor}, pcp_recovery_node fails (function pgpool_recovery does not exist). Recover nodes with pgpool-cluster recover instead.`,
    }),
  };
  writeFileSync(layout.stateFile, JSON.stringify(state, null, 2) + '\n');
  return { alreadyUp: false, seconds, layout };
}

/** Stops only the processes this lab started (checked by pid and command line), then removes its folder. */
export function labDown(ctx: LabContext, log: (msg: string) => void = () => undefined): Promise<{ stopped: string[] }> {
  return withLabLock(ctx.layout, () => labDownLocked(ctx, log));
}

async function labDownLocked(ctx: LabContext, log: (msg: string) => void): Promise<{ stopped: string[] }> {
  const { layout, programs, user } = ctx;
  const stopped: string[] = [];
  if (layout.isolation) {
    if (existsSync(layout.dir) && !existsSync(join(layout.dir, MARKER))) {
      throw new LabError(`${layout.dir} exists but was not made by \`pgpool-cluster lab\` (no ${MARKER} file); not touching it.`);
    }
    stopped.push(...await stopLoopbackServers(layout), ...await isolatedDown(layout, log));
    rmSync(layout.dir, { recursive: true, force: true });
    return { stopped };
  }
  if (!existsSync(layout.dir)) {
    // An interrupted run may have left servers whose folder is gone; their command lines still name it.
    for (const pid of orphanedLabProcesses(layout)) {
      try { process.kill(pid, 'SIGKILL'); stopped.push(`orphaned process ${pid}`); } catch { /* gone */ }
    }
    return { stopped };
  }
  if (!existsSync(join(layout.dir, MARKER))) {
    throw new LabError(`${layout.dir} exists but was not made by \`pgpool-cluster lab\` (no ${MARKER} file); not touching it.`);
  }
  const pids: number[] = [];
  const signal = (what: string, pid: number | undefined, mustMention: string, sig: NodeJS.Signals): void => {
    if (pid === undefined || !processAlive(pid)) return;
    const cmd = processCommandLine(pid) ?? '';
    if (!cmd.includes(mustMention)) {
      log(`Not stopping pid ${pid} (${cmd}): it is not the lab's ${what}.`);
      return;
    }
    try {
      process.kill(pid, sig);
      pids.push(pid);
      stopped.push(what);
    } catch { /* already gone */ }
  };
  signal('pgpool', pgpoolPid(layout), 'pgpool', 'SIGINT');
  await Promise.all(layout.nodes.map(async (n) => {
    const pid = postmasterPid(n);
    if (pid !== undefined && processAlive(pid)) {
      await stopNode(n, programs, user, 'immediate');
      if (processAlive(pid)) signal(`postgres ${n.name}`, pid, 'postgres', 'SIGKILL');
      else stopped.push(`postgres ${n.name}`);
    }
  }));
  for (const h of allHosts(layout)) signal(`sshd ${h.name}`, sshdPid(h), h.sshdDir, 'SIGTERM');
  for (const pid of orphanedLabProcesses(layout)) signal(`orphaned process ${pid}`, pid, `${layout.dir}/hosts/`, 'SIGTERM');
  try {
    await waitFor('the lab processes to exit', () => pids.every((p) => !processAlive(p)), 10_000);
  } catch {
    for (const p of pids) if (processAlive(p)) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  }
  rmSync(layout.dir, { recursive: true, force: true });
  return { stopped };
}
