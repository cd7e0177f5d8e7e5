/**
 * pcp on the workstation: used when this machine has the pcp tools, reaches pgpool's pcp port, and has a
 * .pcppass entry for it (PCPPASSFILE, else ~/.pcppass). Otherwise pcp runs on the pgpool host with that host's
 * own pass file. The local run spawns argv directly (no shell) and inherits this process's environment.
 */
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecOptions, ExecResult, RemoteCommand, RemoteHost } from '../remote/types';
import { matchingEntry } from './passFileEntries';

/** Where pcp tools and PostgreSQL programs are found besides the PATH (Debian, RHEL/PGDG, pgpool RPMs, source builds). */
export function programDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
}

/** Absolute path of `tool` in the workstation's program directories, or undefined. */
export async function findLocalProgram(tool: string, dirs: readonly string[] = programDirs()): Promise<string | undefined> {
  for (const d of dirs) {
    const p = path.join(d, tool);
    try {
      await fs.access(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export function tcpAnswers(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The workstation's .pcppass as pcp reads it: PCPPASSFILE, else ~/.pcppass; undefined unless it is 0600 and has an entry. */
export async function localPcppassCovers(host: string, port: number, user: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): Promise<string | undefined> {
  const file = env.PCPPASSFILE || path.join(home, '.pcppass');
  try {
    const st = await fs.stat(file);
    if ((st.mode & 0o077) !== 0) return undefined;
    return matchingEntry(await fs.readFile(file, 'utf8'), 'pcppass', { host, port, user }) ? file : undefined;
  } catch {
    return undefined;
  }
}

export interface LocalPcpDecision {
  readonly local: boolean;
  /** Directory of the local pcp tools when `local`. */
  readonly binDir?: string;
  /** Why pcp runs where it does (shown in the plan and by check). */
  readonly reason: string;
}

/** Decides where pcp runs; `user` defaults like pcp's own (the OS user name). */
export async function decidePcpPlacement(host: string, port: number, user: string | undefined, env: NodeJS.ProcessEnv = process.env,
  dirs: readonly string[] = programDirs(env)): Promise<LocalPcpDecision> {
  const tool = await findLocalProgram('pcp_node_count', dirs);
  if (!tool) return { local: false, reason: 'this machine has no pcp tools' };
  const who = user ?? os.userInfo().username;
  const [reachable, file] = await Promise.all([tcpAnswers(host, port), localPcppassCovers(host, port, who, env)]);
  if (!reachable) return { local: false, reason: `this machine does not reach pcp at ${host}:${port}` };
  if (!file) return { local: false, reason: `this machine's .pcppass (PCPPASSFILE or ~/.pcppass, mode 0600) has no entry for ${host}:${port}:${who}` };
  return { local: true, binDir: path.dirname(tool), reason: `this machine has ${tool}, reaches ${host}:${port} and ${file} has an entry` };
}

/** Runs argv commands on this machine (no shell); the pcp tools' only use of a "host" here. */
export class LocalHost implements RemoteHost {
  readonly label = 'this machine';

  exec(command: RemoteCommand, options: ExecOptions = {}): Promise<ExecResult> {
    if (!Array.isArray(command)) return Promise.reject(new Error('LocalHost runs argv commands only.'));
    const [exe, ...args] = command as readonly string[];
    return new Promise((resolve) => {
      const child = spawn(exe!, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      let cancelled = false;
      const timer = options.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs) : undefined;
      const onAbort = (): void => { cancelled = true; child.kill('SIGTERM'); };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); options.onStdout?.(b.toString()); });
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); options.onStderr?.(b.toString()); });
      const finish = (code: number | null, signal: string | null): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ code: timedOut || cancelled ? null : code, signal, stdout, stderr, ...(timedOut ? { timedOut } : {}), ...(cancelled ? { cancelled } : {}) });
      };
      child.once('error', (err: NodeJS.ErrnoException) => { stderr += err.code === 'ENOENT' ? `${exe}: not found` : err.message; finish(127, null); });
      child.once('close', (code, signal) => finish(code, signal));
    });
  }

  readFile(p: string): Promise<Buffer> { return fs.readFile(p); }
  async writeFile(p: string, data: string | Buffer, options?: { mode?: number }): Promise<void> { await fs.writeFile(p, data, { mode: options?.mode ?? 0o600 }); }
}
