/**
 * Recover of the old primary of a ~1 GB database after a failover, by each method, on loopback and over a
 * 100 Mbit/s link.
 *
 * The whole lab runs inside a network namespace of its own (`ip netns add`), so its "hosts" (127.0.0.10-13
 * inside the namespace) talk over that namespace's loopback and nothing else on the machine shares it. For
 * the slow-link figures the namespace's loopback is shaped with `tc qdisc ... tbf rate 100mbit` (netem does
 * not work here): every byte between the simulated hosts (pg_basebackup's stream, pg_rewind's block fetches,
 * rsync over SSH) crosses a 100 Mbit/s link. The shaping is added only around the recover being timed.
 *
 * Figures: for each method, `pgpool-cluster recover <old primary> --method M` from command start to return
 * (the command itself verifies that the node streams and that pgpool lists it up). The default method (no
 * --method) must be at most 1.2x slower than the fastest on loopback, and at least 10x faster than a full copy
 * (pg_basebackup) over 100 Mbit/s.
 *
 * Needs root (network namespaces, tc). BENCH_RECOVER_SCALE sets pgbench's scale (default 68, about 1 GB).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { labLayout } from '../src/core/lab/layout';

const NS = 'pgc-bench-recover';
const DIR = '/var/lib/pgpool-cluster-bench-recover';
const NET = '127.0.0';
const SCALE = Number(process.env.BENCH_RECOVER_SCALE ?? 68);
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const PG_BIN = '/usr/lib/postgresql/15/bin';
const layout = labLayout(DIR, 3, NET);
const PGPOOL = layout.pgpool.address;
const ENV = { ...process.env, PGPASSFILE: layout.pgpassFile, PCPPASSFILE: layout.pcppassFile, PGPOOL_CLUSTER_STATE_DIR: join(DIR, 'bench-state') };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function must(what: string, r: SpawnSyncReturns<string>): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').slice(-4).join(' | ')}`);
  return r.stdout;
}
const sh = (file: string, args: string[], env: NodeJS.ProcessEnv = ENV): SpawnSyncReturns<string> => spawnSync(file, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
const cli = (args: string[]): SpawnSyncReturns<string> => sh(process.execPath, [CLI, ...args]);

async function q<T extends Record<string, unknown>>(host: string, port: number, sql: string): Promise<T[]> {
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000, query_timeout: 120_000 });
  c.on('error', () => undefined);
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end().catch(() => undefined); }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try { const v = await fn(); if (v !== undefined) return v; } catch (err) { last = err; }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

type LabNodeT = (typeof layout.nodes)[number];

async function roles(): Promise<Array<boolean | undefined>> {
  return Promise.all(layout.nodes.map(async (n) => {
    try { return (await q<{ r: boolean }>(n.address, 5432, 'SELECT pg_is_in_recovery() AS r'))[0]?.r; } catch { return undefined; }
  }));
}

/** The single primary, once every other node streams from it (what a healthy cluster looks like). */
async function streamingNames(p: LabNodeT): Promise<string[]> {
  return (await q<{ a: string }>(p.address, 5432, "SELECT application_name AS a FROM pg_stat_replication WHERE state = 'streaming'")).map((x) => x.a);
}

/**
 * The single primary, once every other node streams from it (what a healthy cluster looks like). A standby
 * that pgpool's follow_primary left behind for 30 s is repaired with `recover` (not timed); with two
 * primaries or none it stops with what it saw rather than guessing.
 */
async function settled(): Promise<LabNodeT> {
  const deadline = Date.now() + 300_000;
  let since = Date.now();
  let seen = '';
  while (Date.now() < deadline) {
    const r = await roles();
    const primaries = layout.nodes.filter((_, i) => r[i] === false);
    seen = `roles ${JSON.stringify(r)}`;
    if (primaries.length === 1) {
      const p = primaries[0]!;
      const names = await streamingNames(p).catch(() => [] as string[]);
      seen += `, ${p.name} streams to ${JSON.stringify(names)}`;
      const behind = layout.nodes.filter((n) => n !== p && !names.includes(n.name));
      if (behind.length === 0) return p;
      if (Date.now() - since > 30_000) {
        for (const n of behind) {
          const fix = cli(['recover', n.name, '--yes', '--file', layout.clusterFile]);
          console.log(`  (repair: recover ${n.name} exited ${fix.status}${fix.status ? `: ${fix.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''})`);
        }
        since = Date.now();
      }
    } else if (primaries.length > 1) {
      throw new Error(`two primaries (${primaries.map((n) => n.name).join(', ')}): stopping; ${seen}`);
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for one primary with two streaming standbys; last seen: ${seen}`);
}

async function caughtUp(primary: LabNodeT): Promise<void> {
  await until('standbys to replay everything', async () => {
    const r = await q<{ lag: string }>(primary.address, 5432,
      'SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::text AS lag, count(*) AS n FROM pg_stat_replication');
    return Number(r[0]?.lag) === 0 ? true : undefined;
  }, 600_000);
}

function shape(rate: string | undefined): void {
  sh('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
  if (rate) must('tc qdisc add tbf', sh('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '50ms']));
}

interface Run { method: string; link: string; scenario: string; seconds: number; mb: number; walMb: number; picked?: string; why?: string; }

/** Bytes sent over the namespace's loopback so far (each packet counted once). */
function loBytes(): number {
  const line = readFileSync('/proc/net/dev', 'utf8').split('\n').find((l) => l.trim().startsWith('lo:'));
  return Number(line?.split(':')[1]?.trim().split(/\s+/)[8] ?? NaN);
}

/** Kill -9 the primary, let pgpool fail over, write on the new primary, then time `recover` of the old one. */
async function failoverAndRecover(method: string | undefined, link: string, rate: string | undefined, forked = false): Promise<Run> {
  const old = await settled();
  const pid = Number(sh('head', ['-1', join(old.dataDir, 'postmaster.pid')]).stdout.trim());
  if (forked) {
    // Acknowledged writes the standbys never receive (asynchronous replication): freeze the old primary's WAL
    // senders, commit on it, then kill it and all its processes. Its WAL now goes past the fork point.
    const senders = await q<{ pid: number }>(old.address, 5432, 'SELECT pid FROM pg_stat_replication');
    for (const s of senders) process.kill(s.pid, 'SIGSTOP');
    must('pgbench on the old primary', sh(join(PG_BIN, 'pgbench'), ['-n', '-h', old.address, '-U', 'postgres', '-c', '2', '-t', '100', 'postgres']));
  }
  // The primary's host dies: the postmaster and every child at once (a lone kill -9 of the postmaster lets the
  // children, the checkpointer among them, write WAL for a moment after the WAL senders are gone).
  const children = sh('pgrep', ['-P', String(pid)]).stdout.split('\n').map(Number).filter((x) => x > 0);
  for (const p of [pid, ...children]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  const fresh = await until('pgpool to fail over to another primary', async () => {
    const r = await roles();
    const i = r.findIndex((x) => x === false);
    return i >= 0 && layout.nodes[i] !== old ? layout.nodes[i] : undefined;
  });
  await until('writes through pgpool', () => q(PGPOOL, 9999, 'SELECT 1').then(() => true));
  // Changes on the new primary that the old one must take: about 5,000 pgbench transactions.
  must('pgbench on the new primary', sh(join(PG_BIN, 'pgbench'), ['-n', '-h', fresh.address, '-U', 'postgres', '-c', '4', '-t', '1250', 'postgres']));
  const wal = await q<{ b: string }>(fresh.address, 5432, 'SELECT coalesce(sum(size), 0)::text AS b FROM pg_ls_waldir()');
  const walMb = Number(wal[0]?.b) / 1e6;
  shape(rate);
  const b0 = loBytes();
  const t0 = performance.now();
  const r = cli(['recover', old.name, ...(method ? ['--method', method] : []), '--yes', '--file', layout.clusterFile]);
  const seconds = (performance.now() - t0) / 1000;
  const mb = (loBytes() - b0) / 1e6;
  shape(undefined);
  must(`recover ${old.name} --method ${method ?? '(default)'}`, r);
  // The default's choice, from the plan the command printed.
  const choice = method ? undefined : / as a standby of \S+ by (\w+) \((.*)\)\.\s*$/m.exec(r.stderr);
  const picked = choice?.[1];
  const why = choice?.[2];
  // Checked on the servers, not from the command's report: the old primary streams from the new one and has
  // every pgbench transaction the new primary committed after the failover.
  await until(`${old.name} to stream from ${fresh.name}`, async () => {
    const x = await q<{ n: number }>(fresh.address, 5432, `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '${old.name}'`);
    return x[0]?.n === 1 ? true : undefined;
  });
  await until(`${old.name} to replay every transaction of ${fresh.name}`, async () => {
    const n = await q<{ n: string }>(fresh.address, 5432, 'SELECT count(*)::text AS n FROM pgbench_history');
    const o = await q<{ n: string; r: boolean }>(old.address, 5432, 'SELECT count(*)::text AS n, pg_is_in_recovery() AS r FROM pgbench_history');
    return o[0]?.r === true && n[0]?.n === o[0]?.n ? true : undefined;
  });
  return { method: method ?? 'default', link, scenario: forked ? 'diverged' : 'idle', seconds, mb, walMb, ...(picked ? { picked } : {}), ...(why ? { why } : {}) };
}

async function inner(): Promise<void> {
  process.env.PGPASSFILE = layout.pgpassFile;
  sh('ip', ['link', 'set', 'lo', 'up']);
  shape(undefined);
  must('lab up', cli(['lab', '--dir', DIR, '--net', NET, 'up']));
  const primary = await settled();
  const t0 = performance.now();
  must('pgbench -i', sh(join(PG_BIN, 'pgbench'), ['-i', '-q', '-I', 'dtGvp', '-s', String(SCALE), '-h', primary.address, '-U', 'postgres', 'postgres']));
  await q(primary.address, 5432, 'CHECKPOINT');
  await caughtUp(primary);
  const size = await q<{ s: string; b: string }>(primary.address, 5432, "SELECT pg_size_pretty(sum(pg_database_size(datname))) AS s, sum(pg_database_size(datname))::text AS b FROM pg_database");
  console.log(`recover: data set ${size[0]?.s} (pgbench scale ${SCALE}), loaded and replicated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const runs: Run[] = [];
  const report = (r: Run): void => { runs.push(r); console.log(`  ${r.link.padEnd(12)} ${r.method.padEnd(10)} ${r.seconds.toFixed(2)} s, ${r.mb.toFixed(0)} MB over the link (primary's pg_wal ${r.walMb.toFixed(0)} MB)${r.picked ? ` (picked ${r.picked}: ${r.why ?? '?'})` : ''}`); };
  const RUNS = Number(process.env.BENCH_RECOVER_RUNS ?? 3);
  console.log(`  old primary killed while idle (its WAL ends where the standbys' does); ${RUNS} runs of each but copy and the slow full copy:`);
  for (let i = 0; i < RUNS; i++) {
    for (const m of [undefined, 'restart', 'rewind', 'basebackup', ...(i === 0 ? ['copy'] : [])]) report(await failoverAndRecover(m, 'loopback', undefined));
    for (const m of [undefined, ...(i === 0 ? ['basebackup'] : [])]) report(await failoverAndRecover(m, '100 Mbit/s', '100mbit'));
  }
  console.log('  old primary killed holding acknowledged writes its standbys never received (its history forked):');
  for (const [m, link, rate] of [[undefined, 'loopback', undefined], ['copy', 'loopback', undefined], [undefined, '100 Mbit/s', '100mbit'], ['copy', '100 Mbit/s', '100mbit']] as const) report(await failoverAndRecover(m, link, rate, true));

  const median = (xs: number[]): number => { const v = [...xs].sort((a, b) => a - b); return v.length ? v[Math.floor(v.length / 2)]! : NaN; };
  const at = (scenario: string, link: string, m: string): number => median(runs.filter((r) => r.scenario === scenario && r.link === link && r.method === m).map((r) => r.seconds));
  const methods = ['restart', 'rewind', 'basebackup', 'copy'];
  console.log(`recover medians, loopback: ${['default', ...methods].map((m) => `${m} ${at('idle', 'loopback', m).toFixed(2)} s`).join(', ')}`);
  const fastest = methods.map((m) => ({ m, s: at('idle', 'loopback', m) })).reduce((a, b) => (b.s < a.s ? b : a));
  const tally = new Map<string, number>();
  for (const r of runs) if (r.picked) tally.set(`${r.scenario} ${r.link}: ${r.picked}`, (tally.get(`${r.scenario} ${r.link}: ${r.picked}`) ?? 0) + 1);
  const picks = [...tally].map(([k, n]) => `${k} x${n}`).join(', ');
  console.log(`recover: default picked ${picks}`);
  console.log(`recover: loopback default / fastest (${fastest.m}): ${(at('idle', 'loopback', 'default') / fastest.s).toFixed(2)}x   goal <= 1.2x`);
  console.log(`recover: 100 Mbit/s full copy (basebackup ${at('idle', '100 Mbit/s', 'basebackup').toFixed(1)} s) / default (${at('idle', '100 Mbit/s', 'default').toFixed(2)} s): ${(at('idle', '100 Mbit/s', 'basebackup') / at('idle', '100 Mbit/s', 'default')).toFixed(1)}x   goal >= 10x`);
  const forked = at('diverged', '100 Mbit/s', 'default');
  if (Number.isFinite(forked)) {
    console.log(`recover: forked history, 100 Mbit/s: full copy / default (pg_rewind): ${(at('idle', '100 Mbit/s', 'basebackup') / forked).toFixed(1)}x; default / copy: ${(forked / at('diverged', '100 Mbit/s', 'copy')).toFixed(1)}x`);
    console.log(`recover: forked history, loopback: copy / default (pg_rewind): ${(at('diverged', 'loopback', 'copy') / at('diverged', 'loopback', 'default')).toFixed(2)}x`);
  }
}

/** Runs this file inside a fresh network namespace and removes the namespace (and the lab) afterwards. */
export async function benchRecover(): Promise<void> {
  if (process.getuid?.() !== 0) { console.log('recover: skipped (needs root for network namespaces and tc)'); return; }
  const busy = sh('ip', ['netns', 'pids', NS]).stdout.trim();
  if (busy) throw new Error(`network namespace ${NS} still has processes (${busy.split('\n').length}): another recover benchmark is running, or one was killed; stop them (ip netns pids ${NS} | xargs kill) and retry`);
  sh('ip', ['netns', 'del', NS]);
  must('ip netns add', sh('ip', ['netns', 'add', NS]));
  try {
    const code = await new Promise<number>((resolve) => {
      const p = spawn('ip', ['netns', 'exec', NS, process.execPath, __filename, '--inner'], { stdio: 'inherit', env: ENV });
      p.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error(`the benchmark inside the namespace exited ${code}`);
  } finally {
    sh('ip', ['netns', 'exec', NS, process.execPath, CLI, 'lab', '--dir', DIR, '--net', NET, 'down']);
    sh('ip', ['netns', 'del', NS]);
  }
}

if (require.main === module) {
  const isInner = process.argv.includes('--inner');
  const run = isInner ? inner : benchRecover;
  void run().then(() => process.exit(0), (err: unknown) => {
    console.error(`recover: ${err instanceof Error ? err.message : String(err)}`);
    if (isInner) {
      // What pgpool saw, before the lab (and its logs) is taken down.
      console.error(sh('tail', ['-n', '40', layout.pgpool.logFile]).stdout);
      for (const n of layout.nodes) console.error(`--- ${n.name}\n${sh('tail', ['-n', '8', n.logFile]).stdout}`);
    }
    process.exit(1);
  });
}
