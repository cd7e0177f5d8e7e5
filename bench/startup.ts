/**
 * Start-up: `pgpool-cluster --version` and `lint` of one file as whole processes, paired with bare `node -e 0`
 * (goals: <= 1.3x and <= 1.5x), and the extension's activation (goal < 100 ms): in plain Node with a
 * stand-in `vscode` (bench/activateExtension.ts), paired with bare node, and, when the extension-host suite
 * has run, the figure the extension reported there (test-results/activation.json).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { goalText, median, pairedProcesses, processTime, ratioText, spread, type ProcessTime } from './stats';

const root = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');
const CLI = path.join(root, 'dist', 'cli.js');
const EXTENSION = path.join(root, 'dist', 'extension.js');
const SAMPLE = path.join(root, 'test', 'fixtures', 'conf', 'samples', 'pgpool2-V4_7_2-pgpool.conf.sample-stream');
const SMALL = path.join(root, 'test', 'fixtures', 'conf', 'indexed', 'backends.pgpool.conf');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

const node = (): ProcessTime => processTime(process.execPath, ['-e', '0']);

function processRow(label: string, args: string[], goal: number): void {
  const p = pairedProcesses(RUNS, () => processTime(process.execPath, args), node);
  const cpu = median(p.cpuRatios);
  console.log(`${label.padEnd(38)} cpu ${spread(p.a.map((x) => x.cpuMs))}, wall ${spread(p.a.map((x) => x.wallMs))}`);
  console.log(`${'  bare node -e 0'.padEnd(38)} cpu ${spread(p.b.map((x) => x.cpuMs))}, wall ${spread(p.b.map((x) => x.wallMs))}`);
  console.log(`${'  ratio to bare node'.padEnd(38)} cpu ${ratioText(p.cpuRatios)} (${goalText(cpu, goal, 'x')}), wall ${ratioText(p.wallRatios)}`);
}

interface ActivationRun { activationMs: number; vendorLoaded: string[] }

export async function benchStartup(): Promise<void> {
  if (!existsSync(CLI) || !existsSync(EXTENSION)) {
    console.log('skipped: no dist/ (run: node scripts/build.mjs)');
    return;
  }
  console.log(`start-up (${RUNS} pairs, each process run right after a bare \`node -e 0\`; CPU time is what the process reported at exit, robust on a busy machine; median (min .. max))`);
  processRow('pgpool-cluster --version', [CLI, '--version'], 1.3);
  // pgpool's 1,040-line sample under the name the CLI recognises.
  const dir = mkdtempSync(path.join(tmpdir(), 'pgpool-cluster-bench-'));
  const conf = path.join(dir, 'pgpool.conf');
  copyFileSync(SAMPLE, conf);
  try {
    processRow('pgpool-cluster lint (13-line file)', [CLI, 'lint', SMALL], 1.5);
    processRow('pgpool-cluster lint (1,040-line sample)', [CLI, 'lint', conf], 1.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const runs: ActivationRun[] = [];
  const activate = (): ProcessTime => {
    const t = processTime(process.execPath, [path.join(__dirname, 'activateExtension.js'), EXTENSION], process.env, (stdout) => {
      runs.push(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ActivationRun);
    });
    return t;
  };
  const p = pairedProcesses(RUNS, activate, node);
  const inside = runs.slice(1).map((x) => x.activationMs);
  const vendor = [...new Set(runs.flatMap((x) => x.vendorLoaded))];
  console.log(`${'extension load + activate()'.padEnd(38)} ${spread(inside)} as the extension reports it (Node, stand-in vscode; goal < 100 ms: ${median(inside) < 100 ? 'met' : 'MISSED'})`);
  console.log(`${'  whole process, ratio to bare node'.padEnd(38)} cpu ${ratioText(p.cpuRatios)}, wall ${ratioText(p.wallRatios)}; lazily loaded files read: ${vendor.length ? vendor.join(', ') : 'none'}`);
  const hostFile = path.join(root, 'test-results', 'activation.json');
  if (existsSync(hostFile)) {
    const host = JSON.parse(readFileSync(hostFile, 'utf8')) as { activationMs: number; loadMs?: number };
    const load = host.loadMs === undefined ? '' : `: loading the code ${host.loadMs.toFixed(1)} ms, activate() ${(host.activationMs - host.loadMs).toFixed(1)} ms`;
    console.log(`${'in the extension host'.padEnd(38)} ${host.activationMs.toFixed(1)} ms${load} (goal < 100 ms: ${host.activationMs < 100 ? 'met' : 'MISSED'}; last extension-host suite run, ${statSync(hostFile).mtime.toISOString()})`);
  } else {
    console.log(`${'in the extension host'.padEnd(38)} not run here (npm run test:vscode writes test-results/activation.json)`);
  }
}

if (require.main === module) void benchStartup();
