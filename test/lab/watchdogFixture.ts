// The watchdog lab for tests and benchmarks: three pgpool hosts with watchdog and a VIP, plus three PostgreSQL
// hosts, on the isolated lab. `ensureWatchdogLab()` reuses a running one, like labFixture's ensureLab().
// PGPOOL_CLUSTER_WD_LAB_DIR / PGPOOL_CLUSTER_WD_LAB_NET move it (defaults: a folder and a /24 CI does not use).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { labContext, labLayoutFor, type LabContext } from '../../src/core/lab/lab';
import type { LabLayout, LabPgpoolHost } from '../../src/core/lab/layout';
import { LAB_PCP_PORT, LAB_PGPOOL_PORT } from '../../src/core/lab/layout';
import { onHostArgv, onMachine } from '../../src/core/lab/isolation';
import { HostShell, pgpoolPidsOn, startLabPgpool } from '../../src/core/lab/isolatedLab';
import { vipHolders } from '../../src/core/lab/watchdogLab';
import { cli } from './labFixture';
import { sleep, waitFor } from '../harness/wait';

export { vipHolders };

export const WATCHDOG_LAB_DEFAULT_DIR = '/var/lib/pgpool-cluster-lab-wd';
export const WATCHDOG_LAB_DEFAULT_NET = '10.213.21';
export const watchdogLabDir = (): string => process.env.PGPOOL_CLUSTER_WD_LAB_DIR ?? WATCHDOG_LAB_DEFAULT_DIR;
export const watchdogLabNet = (): string => process.env.PGPOOL_CLUSTER_WD_LAB_NET ?? WATCHDOG_LAB_DEFAULT_NET;

/** The watchdog lab's layout (whether it runs or not). */
export const watchdogLab = (): LabLayout => labLayoutFor(watchdogLabDir(), watchdogLabNet(), true, process.env, true);
const context = (): LabContext => labContext(watchdogLabDir(), undefined, watchdogLabNet(), true, true);

/** Brings the watchdog lab up through the real CLI if it is not running, and points libpq at its pass file. */
export function ensureWatchdogLab(): LabLayout {
  const r = cli(['lab', '--dir', watchdogLabDir(), '--net', watchdogLabNet(), 'up', '--isolated', '--watchdog', '--quiet']);
  if (r.code !== 0) throw new Error(`lab up --watchdog failed:\n${r.stdout}${r.stderr}`);
  const layout = watchdogLab();
  process.env.PGPASSFILE = layout.pgpassFile;
  return layout;
}

export function watchdogLabDown(): void {
  const r = cli(['lab', '--dir', watchdogLabDir(), '--net', watchdogLabNet(), 'down']);
  if (r.code !== 0) throw new Error(`lab down failed:\n${r.stdout}${r.stderr}`);
}

export function labCli(args: string[]): { code: number; stdout: string; stderr: string } {
  return cli(['lab', '--dir', watchdogLabDir(), '--net', watchdogLabNet(), ...args]);
}

export interface WatchdogNodeInfo { readonly name: string; readonly host: string; readonly status: string }
export interface WatchdogInfo {
  readonly total: number;
  readonly quorum: boolean;
  /** The leader's host address as pcp_watchdog_info names it. */
  readonly leaderHost: string;
  readonly nodes: readonly WatchdogNodeInfo[];
}

/**
 * pcp_watchdog_info -v: "Key : value" lines, the cluster's first, then one block per node. (The short form's
 * third header field is the local node's escalation state, not the quorum.)
 */
export function parseWatchdogInfo(text: string): WatchdogInfo {
  const pairs = text.split('\n').map((l) => /^([^:]+?)\s*:\s*(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1]!, m[2]!.trim()] as const);
  const first = (key: string): string | undefined => pairs.find(([k]) => k === key)?.[1];
  const total = Number(first('Total Nodes'));
  const quorum = first('Quorum state');
  if (!Number.isFinite(total) || quorum === undefined) throw new Error(`unexpected pcp_watchdog_info -v output: ${JSON.stringify(text)}`);
  const nodes: WatchdogNodeInfo[] = [];
  let cur: { name?: string; host?: string } = {};
  for (const [k, v] of pairs) {
    if (k === 'Node Name') cur = { name: v };
    else if (k === 'Host Name' && cur.name !== undefined) cur.host = v;
    else if (k === 'Status Name' && cur.name !== undefined) nodes.push({ name: cur.name, host: cur.host ?? '', status: v });
  }
  return { total, quorum: /QUORUM EXIST/i.test(quorum), leaderHost: first('Leader Host Name') ?? '', nodes };
}

/** What the pgpool on `host` says about the watchdog cluster (pcp from this machine). */
export function watchdogInfo(layout: LabLayout, host: LabPgpoolHost): WatchdogInfo {
  const out = execFileSync('/usr/sbin/pcp_watchdog_info', ['-h', host.address, '-p', String(LAB_PCP_PORT), '-U', 'pcpadmin', '-w', '-v'], {
    encoding: 'utf8', env: { ...process.env, PCPPASSFILE: layout.pcppassFile }, timeout: 10_000, stdio: 'pipe',
  });
  return parseWatchdogInfo(out);
}

/** pcp_node_info on one pgpool: the backend's status there (up, waiting, down, quarantine). */
export function backendStatusOn(layout: LabLayout, host: LabPgpoolHost, nodeId: number): string {
  const out = execFileSync('/usr/sbin/pcp_node_info', ['-h', host.address, '-p', String(LAB_PCP_PORT), '-U', 'pcpadmin', '-w', '-n', String(nodeId)], {
    encoding: 'utf8', env: { ...process.env, PCPPASSFILE: layout.pcppassFile }, timeout: 10_000, stdio: 'pipe',
  });
  // host port status_number weight status_name ...
  return out.trim().split(/\s+/)[4] ?? '';
}

export const pgpoolHost = (layout: LabLayout, name: string): LabPgpoolHost => {
  const h = layout.pgpools.find((p) => p.name === name || p.address === name);
  if (!h) throw new Error(`no pgpool host ${name}`);
  return h;
};

/** Waits until every running pgpool agrees on one leader with quorum, and that leader's host alone holds the VIP. */
export async function waitForLeader(layout: LabLayout, running: readonly LabPgpoolHost[] = layout.pgpools, timeoutMs = 60_000): Promise<LabPgpoolHost> {
  return waitFor('one watchdog leader, agreed by every running pgpool, holding the VIP alone', async () => {
    const infos = running.map((h) => watchdogInfo(layout, h));
    const leaders = new Set(infos.map((i) => i.leaderHost));
    if (leaders.size !== 1 || !infos.every((i) => i.quorum)) return undefined;
    const leader = pgpoolHost(layout, [...leaders][0]!);
    // A leader outside `running` (just killed, not yet noticed by the others) is not an answer.
    if (!running.some((h) => h.name === leader.name)) return undefined;
    const holders = await vipHolders(layout);
    return holders.length === 1 && holders[0] === leader.name ? leader : undefined;
  }, timeoutMs, 250);
}

/**
 * kill -9 of every pgpool process on the host (the parent and its children): a pgpool crash, sshd stays. All are
 * stopped first, then killed: pgpool's parent replaces a dead child at once, and a child forked between a listing
 * and the parent's death would keep the ports.
 */
export function killPgpool(layout: LabLayout, host: LabPgpoolHost): number {
  let pids: number[] = [];
  for (let round = 0; round < 5; round++) {
    pids = pgpoolPidsOn(layout, host);
    for (const p of pids) try { process.kill(p, 'SIGSTOP'); } catch { /* gone */ }
    if (pgpoolPidsOn(layout, host).every((p) => pids.includes(p))) break;
  }
  pids = pgpoolPidsOn(layout, host);
  for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  return pids.length;
}

/** A clean stop (SIGINT to pgpool's parent: fast shutdown, if_down_cmd runs), waited for. */
export async function stopPgpool(layout: LabLayout, host: LabPgpoolHost): Promise<void> {
  const pids = pgpoolPidsOn(layout, host);
  const parent = pids.find((p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    return !pids.includes(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  });
  if (parent === undefined) throw new Error(`no pgpool runs on ${host.name}`);
  process.kill(parent, 'SIGINT');
  await waitFor(`pgpool on ${host.name} to stop`, () => pgpoolPidsOn(layout, host).length === 0, 30_000, 100);
}

/** Starts pgpool again on the host, as lab up did. */
export async function startPgpool(layout: LabLayout, host: LabPgpoolHost): Promise<void> {
  const ctx = context();
  await startLabPgpool(layout, ctx.user, ctx.programs, host);
}

/**
 * Writes a variant of a pgpool host's pgpool.conf beside it (`name` in its conf folder, so pgpool finds the same
 * pgpool_node_id, pcp.conf and scripts) and returns its path as the host sees it.
 */
export function writePgpoolConfVariant(layout: LabLayout, host: LabPgpoolHost, name: string, edit: (text: string) => string): string {
  const onHost = join(host.confDir, name);
  const path = onMachine(host, onHost);
  writeFileSync(path, edit(readFileSync(onMachine(host, join(host.confDir, 'pgpool.conf')), 'utf8')), { mode: 0o640 });
  const ctx = context();
  chownSync(path, ctx.user.uid, ctx.user.gid);
  return onHost;
}

export function removePgpoolConfVariant(host: LabPgpoolHost, name: string): void {
  rmSync(onMachine(host, join(host.confDir, name)), { force: true });
}

/** Starts pgpool on the host from another file of its conf folder (as lab up starts it: -n -D). */
export async function startPgpoolWith(layout: LabLayout, host: LabPgpoolHost, confOnHost: string): Promise<void> {
  if (pgpoolPidsOn(layout, host).length > 0) throw new Error(`pgpool already runs on ${host.name}`);
  const ctx = context();
  const sh = new HostShell(layout, ctx.user);
  // A stale pid file (a pgpool killed earlier) would make pgpool refuse to start.
  await sh.run(host, ['rm', '-f', join(host.runDir, 'pgpool.pid')], { what: 'removing a stale pgpool pid file' });
  sh.startDetached(host, [
    ctx.programs.pgpool, '-n', '-D', '-f', confOnHost, '-F', join(host.confDir, 'pcp.conf'), '-a', join(host.confDir, 'pool_hba.conf'),
  ], host.logFile, true);
}

/** pgpool's test hook on one pgpool only: backend_down_request in its logdir says the backend is down. */
export function fakeBackendDown(layout: LabLayout, host: LabPgpoolHost, nodeId: number): void {
  writeBackendDownRequest(layout, host, `${nodeId}\tdown\n`);
}

export function clearBackendDownRequest(layout: LabLayout, host: LabPgpoolHost): void {
  writeBackendDownRequest(layout, host, '');
}

function writeBackendDownRequest(layout: LabLayout, host: LabPgpoolHost, content: string): void {
  const path = onMachine(host, `${host.workDir}/backend_down_request`);
  writeFileSync(path, content, { mode: 0o644 });
  const ctx = context();
  chownSync(path, ctx.user.uid, ctx.user.gid);
}

/** The pgpool log of a host, read from its folder on this machine. */
export const pgpoolLog = (host: LabPgpoolHost): string => {
  try { return readFileSync(onMachine(host, host.logFile), 'utf8'); } catch { return ''; }
};

/** One statement through the VIP, new connection each time (what a client does after a failover). */
export async function queryVip<T extends Record<string, unknown>>(layout: LabLayout, sql: string, params: unknown[] = []): Promise<T[]> {
  const vip = layout.watchdog?.vip;
  if (!vip) throw new Error('not a watchdog lab');
  const c = new Client({ host: vip, port: LAB_PGPOOL_PORT, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000, query_timeout: 10_000 });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** PostgreSQL on a node, as the postgres user on its host (pg_ctl there). */
export function pgCtlOnNode(layout: LabLayout, nodeName: string, args: string[]): { code: number; out: string } {
  const node = layout.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName}`);
  const ctx = context();
  const anchors = JSON.parse(readFileSync(`${layout.dir}/anchors.json`, 'utf8')) as Record<string, number>;
  const argv = onHostArgv(anchors[node.name]!, [`${ctx.programs.pgBin}/pg_ctl`, '-D', node.dataDir, ...args], { uid: ctx.user.uid, gid: ctx.user.gid });
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000, env: { PATH: '/usr/bin:/bin', HOME: '/var/lib/postgresql', LANG: 'C.UTF-8' } });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

/**
 * Samples the VIP holders until stopped: at no sampled moment may two hosts hold the VIP. Each sample reads
 * every pgpool host's eth0 inside its own network namespace.
 */
export class VipSampler {
  private running = false;
  private loop: Promise<void> | undefined;
  samples = 0;
  readonly doubles: Array<{ at: string; holders: string[] }> = [];

  constructor(private readonly layout: LabLayout, private readonly everyMs = 100) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const holders = await vipHolders(this.layout);
        this.samples++;
        if (holders.length > 1) this.doubles.push({ at: new Date().toISOString(), holders });
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
