/** Figures for `npm run bench`: a median with its spread, and paired ratios against a baseline run alternately. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** What bench/cpuReport.ts writes to stderr before the CPU milliseconds. */
export const CPU_MARKER = '@@bench-cpu-ms ';

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** `12.3 ms (min 11.0 .. max 15.2, n 15)` */
export function spread(xs: number[], unit = 'ms', digits = 1): string {
  return `${median(xs).toFixed(digits)} ${unit} (min ${Math.min(...xs).toFixed(digits)} .. max ${Math.max(...xs).toFixed(digits)}, n ${xs.length})`;
}

export interface Paired {
  a: number[];
  b: number[];
  /** a[i] / b[i]: each pair ran back to back, so a machine that slows down slows both. */
  ratios: number[];
}

/** Runs a and b alternately (after one warm-up of each) and keeps each pair's ratio. */
export async function paired(runs: number, a: () => number | Promise<number>, b: () => number | Promise<number>): Promise<Paired> {
  await a();
  await b();
  const out: Paired = { a: [], b: [], ratios: [] };
  for (let i = 0; i < runs; i++) {
    const x = await a();
    const y = await b();
    out.a.push(x);
    out.b.push(y);
    out.ratios.push(x / y);
  }
  return out;
}

/** `x1.24 (x1.10 .. x1.41)`: the median pair ratio and its range. */
export function ratioText(ratios: number[]): string {
  return `x${median(ratios).toFixed(2)} (x${Math.min(...ratios).toFixed(2)} .. x${Math.max(...ratios).toFixed(2)})`;
}

export interface ProcessTime {
  wallMs: number;
  /** CPU time (user + system) the process reported at exit (bench/cpuReport.ts). */
  cpuMs: number;
}

/** Runs one process with the CPU reporter preloaded; throws when it fails, so a broken command is never a fast figure. */
export function processTime(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, onStdout?: (text: string) => void): ProcessTime {
  const reporter = path.join(__dirname, 'cpuReport.js');
  const t = performance.now();
  const r = spawnSync(command, ['-r', reporter, ...args], { stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'], env, encoding: 'utf8' });
  const wallMs = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.slice(0, 300)}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith(CPU_MARKER));
  if (!line) throw new Error(`${command} ${args.join(' ')} reported no CPU time`);
  onStdout?.(r.stdout);
  return { wallMs, cpuMs: Number(line.slice(CPU_MARKER.length)) };
}

export interface PairedProcesses {
  a: ProcessTime[];
  b: ProcessTime[];
  wallRatios: number[];
  cpuRatios: number[];
}

/** Two commands run alternately (one warm-up each), each pair's wall and CPU ratios kept. */
export function pairedProcesses(runs: number, a: () => ProcessTime, b: () => ProcessTime): PairedProcesses {
  a();
  b();
  const out: PairedProcesses = { a: [], b: [], wallRatios: [], cpuRatios: [] };
  for (let i = 0; i < runs; i++) {
    const x = a();
    const y = b();
    out.a.push(x);
    out.b.push(y);
    out.wallRatios.push(x.wallMs / y.wallMs);
    out.cpuRatios.push(x.cpuMs / y.cpuMs);
  }
  return out;
}

export function goalText(value: number, goal: number, unit: string): string {
  return `goal <= ${goal}${unit}: ${value <= goal ? 'met' : 'MISSED'}`;
}
