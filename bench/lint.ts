/** Lint speed: pgpool's sample (goal < 2 ms warm) and a 100,000-line file (goal < 100 ms), against splitting the text into lines. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lintDocument } from '../src/core/conf';

const root = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function time(runs: number, fn: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
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
  const sampleMs = time(200, () => lintDocument(sample, opts));
  const sampleSplit = time(200, () => sample.split('\n'));

  const big = generateLargeConf(100_000);
  lintDocument(big, opts);
  const bigMs = time(7, () => lintDocument(big, opts));
  const bigSplit = time(7, () => big.split('\n'));
  const diagCount = lintDocument(big, opts).length;

  const row = (name: string, ms: number, split: number, goal: number): string =>
    `${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms  (goal < ${goal} ms: ${ms < goal ? 'met' : 'MISSED'})  split-lines ${split.toFixed(3)} ms  ratio x${(ms / Math.max(split, 1e-6)).toFixed(1)}`;
  console.log('lint (median of runs, warm)');
  console.log(row(`pgpool.conf.sample-stream (${sample.split('\n').length} lines)`, sampleMs, sampleSplit, 2));
  console.log(row(`generated pgpool.conf (100,000 lines, ${diagCount} diagnostics)`, bigMs, bigSplit, 100));
  await Promise.resolve();
}

if (require.main === module) void benchLint();
