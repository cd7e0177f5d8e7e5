// The isolated lab's hosts as processes: each host's anchor (its PID 1, holding its namespaces), commands run in a
// host or in the root namespace, and what runs on each host, read from /proc.
import { spawn } from 'node:child_process';
import { chownSync, closeSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost, LabLayout } from './layout';
import { allHosts, HOST_PG_HOME, isPgpoolHost } from './layout';
import { anchorArgv, anchorScript, APPEND_FILE_SCRIPT, hostEnv, isolationOf, netnsName, onHostArgv, onMachine, writeFileArgv, type Argv, type NetCommand } from './isolation';
import type { FaultCommand } from './faults';
import { LabError, processAlive, run, runProgram, type RunResult } from './proc';
import type { ServiceUser } from './serviceUser';

const ANCHORS = 'anchors.json';

/** Anchor pid per host name, written as soon as the anchors run (down and faults need them). */
export function readAnchors(layout: LabLayout): Record<string, number> {
  try {
    return JSON.parse(readFileSync(join(layout.dir, ANCHORS), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Records the anchors as soon as they run, so down and faults find them even if up stops half-way. */
export function writeAnchors(layout: LabLayout, anchors: Record<string, number>): void {
  writeFileSync(join(layout.dir, ANCHORS), JSON.stringify(anchors) + '\n');
}

export async function runIn(where: FaultCommand['where'] | 'root', argv: Argv, layout: LabLayout, what: string, mayFail = false): Promise<RunResult> {
  let full: Argv = argv;
  if (where !== 'root') {
    if ('netns' in where) full = ['ip', 'netns', 'exec', where.netns, ...argv];
    else {
      const pid = readAnchors(layout)[where.host];
      if (pid === undefined) throw new LabError(`The lab host ${where.host} is not running (no anchor).`);
      full = onHostArgv(pid, argv);
    }
  }
  const r = await runProgram(full[0]!, full.slice(1), { what });
  if (r.code !== 0 && !mayFail) throw new LabError(`${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r;
}

export async function runNet(layout: LabLayout, cmds: readonly NetCommand[]): Promise<void> {
  for (const c of cmds) await runIn('root', c.argv, layout, c.argv.join(' '), c.mayFail);
}

/** Runs argv on a host, as root or as the service user, with the host's environment only. */
export class HostShell {
  constructor(private readonly layout: LabLayout, private readonly user: ServiceUser) {}

  private anchor(host: LabHost): number {
    const pid = readAnchors(this.layout)[host.name];
    if (pid === undefined || !processAlive(pid)) throw new LabError(`The lab host ${host.name} is not running (its anchor process is gone).`);
    return pid;
  }

  argv(host: LabHost, argv: Argv, asUser: boolean): Argv {
    return onHostArgv(this.anchor(host), argv, asUser ? { uid: this.user.uid, gid: this.user.gid } : undefined);
  }

  env(asUser: boolean): NodeJS.ProcessEnv {
    return asUser ? hostEnv(HOST_PG_HOME, this.user.name) : hostEnv('/root', 'root');
  }

  async run(host: LabHost, argv: Argv, opts: { asUser?: boolean; input?: string; what?: string; timeoutMs?: number } = {}): Promise<string> {
    const full = this.argv(host, argv, opts.asUser ?? true);
    return run(full[0]!, full.slice(1), {
      env: this.env(opts.asUser ?? true), replaceEnv: true, input: opts.input, timeoutMs: opts.timeoutMs, what: `${opts.what ?? argv[0]} on ${host.name}`,
    });
  }

  async writeFile(host: LabHost, path: string, content: string, mode: number): Promise<void> {
    await this.run(host, writeFileArgv(path, mode), { input: content, what: `writing ${path}` });
  }

  async appendFile(host: LabHost, path: string, content: string): Promise<void> {
    await this.run(host, ['sh', '-c', APPEND_FILE_SCRIPT, path], { input: content, what: `appending to ${path}` });
  }

  /** A server that detaches (or is detached): output appended to a file of the host's /var/log (machine path). */
  startDetached(host: LabHost, argv: Argv, hostLogFile: string, asUser: boolean): void {
    // The log is opened inside the host, as on a real machine: the server's stderr then names the host's own
    // path (what `pgpool-cluster events` finds through /proc/PID/fd/2), not this machine's.
    closeSync(openSync(onMachine(host, hostLogFile), 'a'));
    if (asUser) chownSync(onMachine(host, hostLogFile), this.user.uid, this.user.gid);
    const full = this.argv(host, ['sh', '-c', 'f=$1; shift; exec "$@" >>"$f" 2>&1', 'sh', hostLogFile, ...argv], asUser);
    const child = spawn(full[0]!, full.slice(1), { cwd: '/', env: this.env(asUser), stdio: 'ignore', detached: true });
    child.unref();
  }
}

/** Starts a host's anchor and returns its pid once its mounts are in place. */
export function startAnchor(layout: LabLayout, host: LabHost, user: ServiceUser, hide: readonly string[]): Promise<number> {
  const argv = anchorArgv(layout, host, anchorScript(layout, host, user.uid, user.gid, hide));
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: '/', env: hostEnv('/root', 'root'), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new LabError(`The anchor of ${host.name} did not get ready: ${err}`)); }, 10_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') && child.pid !== undefined) {
        clearTimeout(timer);
        child.stdout.destroy();
        child.stderr.destroy();
        child.removeAllListeners('exit');
        child.unref();
        // unshare --fork waits for the host's PID 1 (its only child): that one holds the namespaces.
        const inner = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number).find((p) => p > 0);
        if (inner === undefined) reject(new LabError(`The anchor of ${host.name} has no PID 1.`));
        else resolve(inner);
      }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(new LabError(`Cannot start the anchor of ${host.name}: ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new LabError(`The anchor of ${host.name} exited (${code}) while setting up its mounts: ${err.trim()}`)); });
  });
}

/** Live pids in the host's network namespace (everything running "on" it, its anchor included), from /proc. */
export function hostPids(layout: LabLayout, host: LabHost): number[] {
  let ino: number;
  try {
    ino = statSync(`/run/netns/${netnsName(isolationOf(layout), host)}`).ino;
  } catch {
    return [];
  }
  const want = `net:[${ino}]`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/net`) === want && processAlive(Number(name))) found.push(Number(name));
    } catch { /* gone or not ours to read */ }
  }
  return found;
}

/** The sleeps of the host's PID 1 loop are part of the host, not processes to freeze or kill. */
export function isChildOf(pid: number, parent: number | undefined): boolean {
  if (parent === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent && comm(pid) === 'sleep';
  } catch {
    return false;
  }
}

export const comm = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };

/** The servers of the isolated lab by host: sshd on every host, postgres on nodes, pgpool on the pgpool host. */
export function isolatedProcesses(layout: LabLayout): Array<{ what: string; pid: number | undefined; alive: boolean }> {
  const anchors = readAnchors(layout);
  const out: Array<{ what: string; pid: number | undefined; alive: boolean }> = [];
  for (const h of allHosts(layout)) {
    const pids = hostPids(layout, h);
    const anchor = anchors[h.name];
    out.push({ what: `host ${h.name}`, pid: anchor, alive: anchor !== undefined && processAlive(anchor) });
    const find = (name: string): number | undefined => pids.filter((p) => comm(p) === name).sort((a, b) => a - b)[0];
    const servers = isPgpoolHost(layout, h) ? ['sshd', 'pgpool'] : ['sshd', 'postgres'];
    for (const s of servers) {
      const pid = find(s);
      out.push({ what: `${s} ${h.name}`, pid, alive: pid !== undefined });
    }
  }
  return out;
}


/** pgpool's processes on a lab host (the parent and its children, orphans included), from /proc. */
export function pgpoolPidsOn(layout: LabLayout, host: LabHost): number[] {
  return hostPids(layout, host).filter((p) => comm(p) === 'pgpool');
}

/**
 * A host's PID 1 that was killed and now only waits for its namespace's last zombies to be reaped: processes
 * nsenter started there have their parent outside, so the machine's init reaps them, here up to ~2 s late. By
 * then it has released its files, memory and namespaces, so `lab down` need not wait for it.
 */
export function emptyingPidNamespace(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'zap_pid_ns_processes';
  } catch {
    return false;
  }
}
