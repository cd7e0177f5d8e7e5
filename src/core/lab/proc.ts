import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import type { ServiceUser } from './serviceUser';

export class LabError extends Error {}

export interface RunOptions {
  readonly as?: ServiceUser;
  readonly env?: NodeJS.ProcessEnv;
  /** Use env alone, nothing of ours (processes on an isolated host must not inherit the workstation's). */
  readonly replaceEnv?: boolean;
  readonly cwd?: string;
  readonly input?: string;
  readonly timeoutMs?: number;
  /** What the step was, for the error message. */
  readonly what?: string;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function identity(as: ServiceUser | undefined): { uid?: number; gid?: number } {
  return as?.switched ? { uid: as.uid, gid: as.gid } : {};
}

function baseEnv(as: ServiceUser | undefined, env: NodeJS.ProcessEnv | undefined, replace = false): NodeJS.ProcessEnv {
  if (replace) return { ...env };
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (as?.switched) {
    e.HOME = as.home;
    e.USER = as.name;
    e.LOGNAME = as.name;
  }
  return e;
}

/** Runs a program (no shell) and collects its output; a non-zero exit is returned, not thrown. */
export function runProgram(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? '/',
      env: baseEnv(opts.as, opts.env, opts.replaceEnv),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...identity(opts.as),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new LabError(`${opts.what ?? cmd}: cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    // A program that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a program and throws a LabError with the tail of its output when it fails. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await runProgram(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-6).join('\n');
    throw new LabError(`${opts.what ?? cmd} failed (exit ${r.code}):\n${tail}`);
  }
  return r.stdout;
}

/** Starts a long-running server detached from us, its output appended to logFile; returns its pid. */
export function startDetached(cmd: string, args: readonly string[], logFile: string, opts: RunOptions = {}): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? '/',
      env: baseEnv(opts.as, opts.env, opts.replaceEnv),
      stdio: ['ignore', fd, fd],
      detached: true,
      ...identity(opts.as),
    });
    if (child.pid === undefined) throw new LabError(`${opts.what ?? cmd}: could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** True when pid is a live process (zombies count as dead: PID 1 here reaps them late). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of a process, to check it is one of ours before signalling it. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new LabError(`Timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
