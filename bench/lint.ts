/** Lint speed: pgpool's sample (goal < 2 ms warm) and a 100,000-line file (goal < 100 ms), against splitting the text into lines. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lintDocument } from '../src/core/conf';
import { median, ratioText, spread } from './stats';

const root = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');

/** Runs fn and its baseline alternately, `runs` times each, and keeps each pair's ratio. */
interface PairedRuns { ms: number[]; cpu: number[]; base: number[]; ratios: number[] }

function timePaired(runs: number, fn: () => unknown, baseline: () => unknown): PairedRuns {
  const out: PairedRuns = { ms: [], cpu: [], base: [], ratios: [] };
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    let t = performance.now();
    fn();
    const ms = performance.now() - t;
    const used = process.cpuUsage(c);
    out.cpu.push((used.user + used.system) / 1000);
    t = performance.now();
    baseline();
    const base = performance.now() - t;
    out.ms.push(ms);
    out.base.push(base);
    out.ratios.push(ms / Math.max(base, 1e-6));
  }
  return out;
}

/**
 * A large pgpool.conf shaped like real ones: mostly comments and blank lines, 128 backends, the usual
 * settings, and a tail of repeated settings (later lines win) as left behind by appending tools.
 */
export function generateLargeConf(lines: number): string {
  const parts: string[] = ['# pgpool-cluster: pgpool=4.7'];
  const settings = [
    "listen_addresses = '*'", 'port = 9999', 'num_init_children = 32', 'max_pool = 4', 'health_check_period = 10',
    "health_check_user = 'pgpool'", 'health_check_timeout = 20', 'health_check_max_retries = 3', 'sr_check_period = 10',
    "sr_check_user = 'pgpool'", "failover_command = '/etc/pgpool-II/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'",
    "log_line_prefix = '%m: %a pid %p: '", 'load_balance_mode = on', 'search_primary_node_timeout = 5min',
  ];
  for (let b = 0; b < 128; b++) {
    parts.push(`backend_hostname${b} = 'db${b}.example.com'`, `backend_port${b} = 5432`, `backend_weight${b} = 1`,
      `backend_data_directory${b} = '/var/lib/postgresql/15/main'`, `backend_flag${b} = 'ALLOW_TO_FAILOVER'`);
  }
  for (let i = parts.length; i < lines; i++) {
    const k = i % 10;
    if (k < 6) parts.push(`# ${i}: notes about the settings below, copied from the sample (what, why, when to change)`);
    else if (k < 8) parts.push('');
    else parts.push(settings[i % settings.length] as string);
  }
  return parts.join('\n');
}

export async function benchLint(): Promise<void> {
  const sample = readFileSync(path.join(root, 'test', 'fixtures', 'conf', 'samples', 'pgpool2-V4_7_2-pgpool.conf.sample-stream'), 'utf8');
  const opts = { languageId: 'pgpool-conf' as const, pgpoolVersion: '4.7' };
  for (let i = 0; i < 50; i++) lintDocument(sample, opts);
  const small = timePaired(200, () => lintDocument(sample, opts), () => sample.split('\n'));

  const big = generateLargeConf(100_000);
  for (let i = 0; i < 2; i++) lintDocument(big, opts);
  const large = timePaired(11, () => lintDocument(big, opts), () => big.split('\n'));
  const diagCount = lintDocument(big, opts).length;

  const row = (name: string, p: PairedRuns, goal: number, digits: number): void => {
    const m = median(p.ms);
    console.log(`${name}`);
    console.log(`  lint ${spread(p.ms, 'ms', digits)}  (goal < ${goal} ms: ${m < goal ? 'met' : 'MISSED'}); CPU time ${spread(p.cpu, 'ms', digits)}`);
    console.log(`  split into lines ${spread(p.base, 'ms', digits)}; lint / split ${ratioText(p.ratios)}`);
  };
  console.log('lint (warm, in process; each run paired with splitting the same text into lines)');
  row(`pgpool.conf.sample-stream (${sample.split('\n').length} lines)`, small, 2, 3);
  row(`generated pgpool.conf (100,000 lines, ${diagCount} diagnostics)`, large, 100, 1);
  await Promise.resolve();
}

if (require.main === module) void benchLint();
