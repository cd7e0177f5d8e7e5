/**
 * `npm run bench -- events`: reading a 100 MB pgpool log the way `pgpool-cluster events` does, against grep
 * over the same file (time and peak memory, medians of 3 paired runs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A pgpool log of `bytes`, the lab's failover story repeated with advancing times. */
function writeLog(file: string, bytes: number): void {
  const story = readFileSync(path.join(root, 'test', 'fixtures', 'history', 'pgpool-failover.log'), 'utf8');
  const fd = openSync(file, 'w');
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const day = String(1 + (Math.floor(i / 3600) % 28)).padStart(2, '0');
    const hh = String(Math.floor(i / 60) % 24).padStart(2, '0');
    const mm = String(i % 60).padStart(2, '0');
    const block = story.replace(/2026-11-29 18:12:/g, `2026-11-${day} ${hh}:${mm}:`);
    written += writeSync(fd, block);
  }
  closeSync(fd);
}

/** Wall time and peak RSS of a command, from GNU time when the machine has it. */
function measured(argv: string[]): { ms: number; maxRssKb?: number; stdout: string } {
  const useTime = existsSync('/usr/bin/time');
  const started = performance.now();
  const r = spawnSync(useTime ? '/usr/bin/time' : argv[0]!, useTime ? ['-f', 'maxrss=%M', ...argv] : argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (r.status !== 0 && !(argv[0] === 'grep' && r.status === 1)) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const rss = /maxrss=(\d+)/.exec(r.stderr ?? '');
  return { ms, ...(rss ? { maxRssKb: Number(rss[1]) } : {}), stdout: r.stdout };
}

export async function benchEvents(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgc-bench-events-'));
  const file = path.join(dir, 'pgpool.log');
  try {
    writeLog(file, 100 * 1024 * 1024);
    const size = statSync(file).size;
    const reader = path.join(__dirname, 'eventsRead.js');
    const ours: Array<{ ms: number; rss: number; kept: number; lines: number }> = [];
    const grep: Array<{ ms: number; rss: number; hits: number }> = [];
    for (let i = 0; i < 3; i++) {
      const o = measured([process.execPath, reader, file]);
      const j = JSON.parse(o.stdout.trim()) as { kept: number; lines: number; maxRssKb: number };
      ours.push({ ms: o.ms, rss: o.maxRssKb ?? j.maxRssKb, kept: j.kept, lines: j.lines });
      const g = measured(['grep', '-c', '-E', 'degenerate|failover|failback|follow|promot|quarantine|escalation', file]);
      grep.push({ ms: g.ms, rss: g.maxRssKb ?? 0, hits: Number(g.stdout.trim()) });
    }
    const mb = size / 1024 / 1024;
    const o = { ms: median(ours.map((x) => x.ms)), rss: median(ours.map((x) => x.rss)) };
    const g = { ms: median(grep.map((x) => x.ms)), rss: median(grep.map((x) => x.rss)) };
    console.log(`events: a ${mb.toFixed(0)} MB pgpool log, ${ours[0]?.lines} lines, ${ours[0]?.kept} events kept; grep matched ${grep[0]?.hits} lines`);
    console.log(`  pgpool-cluster events read: median ${(o.ms / 1000).toFixed(2)} s (${ours.map((x) => (x.ms / 1000).toFixed(2)).join(', ')}), ${(mb / (o.ms / 1000)).toFixed(0)} MB/s, peak RSS ${(o.rss / 1024).toFixed(0)} MB`);
    console.log(`  grep -c -E over the same file: median ${(g.ms / 1000).toFixed(2)} s, peak RSS ${g.rss ? `${(g.rss / 1024).toFixed(1)} MB` : 'n/a (no /usr/bin/time)'}`);
    console.log(`  ratio: ${(o.ms / g.ms).toFixed(1)}x grep's time${g.rss ? `, ${(o.rss / g.rss).toFixed(1)}x its memory` : ''}; memory follows the 4 MB read chunk, not the file (about 130 MB peak for a 20 MB log)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
