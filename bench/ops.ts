/**
 * Operation figures on the lab (fast detection profile): manual promote -> first write through pgpool;
 * switchover time and lost acknowledged writes vs pgpool's own `pcp_promote_node -s`; automatic failover
 * RTO after kill -9 of the primary, with and without client traffic. Leaves the lab healthy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { defaultLabDir, defaultLabNet, labLayout } from '../src/core/lab/layout';

const RUNS = Number(process.env.BENCH_OPS_RUNS ?? 3);
const layout = labLayout(defaultLabDir(), 3, defaultLabNet());
const PGPOOL = layout.pgpool.address;
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const NODES = layout.nodes.map((n) => ({ name: n.name, host: n.address, dataDir: n.dataDir }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };

function cliRun(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args, '--yes', '--file', layout.clusterFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGPOOL_CLUSTER_STATE_DIR: '/tmp/pgc-bench-state' } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (c) => {
      if (c !== 0) console.error(`  (pgpool-cluster ${args.join(' ')} exited ${c}: ${err.trim().split('\n').slice(-3).join(' | ')})`);
      resolve(c ?? 1);
    });
  });
}

/** Runs a program without blocking the event loop (the traffic generator keeps running meanwhile). */
function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(file, args, { stdio: 'ignore', env });
    p.on('close', (c) => resolve(c ?? 1));
  });
}

async function q(host: string, port: number, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
  c.on('error', () => undefined);
  await c.connect();
  try { return (await c.query(sql, params)).rows as Record<string, unknown>[]; } finally { await c.end().catch(() => undefined); }
}

async function primaryNode(): Promise<typeof NODES[number]> {
  for (;;) {
    const found: typeof NODES = [];
    for (const n of NODES) {
      try { if ((await q(n.host, 5432, 'SELECT pg_is_in_recovery() AS r'))[0]?.r === false) found.push(n); } catch { /* down */ }
    }
    if (found.length === 1) return found[0]!;
    await sleep(200);
  }
}

/** Waits until a write through pgpool succeeds; returns the time it did. */
async function firstWrite(since: number, timeoutMs = 60_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    try { await q(PGPOOL, 9999, 'INSERT INTO bench_ops VALUES (DEFAULT)'); return performance.now(); } catch { await sleep(20); }
  }
  throw new Error('no write accepted through pgpool');
}

/** Steady inserts through pgpool; returns the acknowledged ids when stopped. */
function traffic(): { stop: () => Promise<number[]> } {
  let run = true;
  const acked: number[] = [];
  const loop = (async () => {
    let c: Client | undefined;
    let id = Math.floor(Math.random() * 1e8);
    while (run) {
      try {
        if (!c) { c = new Client({ host: PGPOOL, port: 9999, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 }); c.on('error', () => undefined); await c.connect(); }
        await c.query('INSERT INTO bench_ops_ack VALUES ($1)', [++id]);
        acked.push(id);
      } catch { await c?.end().catch(() => undefined); c = undefined; await sleep(10); }
    }
    await c?.end().catch(() => undefined);
  })();
  return { stop: async () => { run = false; await loop; return acked; } };
}

async function healthy(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    for (const n of NODES) {
      const pool = await q(PGPOOL, 9999, 'SHOW pool_nodes').catch(() => []);
      const st = pool.find((x) => x.hostname === n.host)?.status;
      let alive = true;
      try { await q(n.host, 5432, 'SELECT 1'); } catch { alive = false; }
      if (!alive || st === 'down') await cliRun(['recover', n.name, ...(i >= 3 ? ['--method', 'basebackup'] : [])]);
    }
    const p = await primaryNode();
    const streaming = await q(p.host, 5432, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'").catch(() => [{ n: 0 }]);
    if (streaming[0]?.n === 2) return;
    await sleep(500);
  }
}

async function lostOn(primary: string, acked: number[]): Promise<number> {
  let rows: Record<string, unknown>[] | undefined;
  for (let i = 0; !rows; i++) {
    try { rows = await q(primary, 5432, 'SELECT id FROM bench_ops_ack'); } catch (err) { if (i >= 50) throw err; await sleep(200); }
  }
  const have = new Set(rows.map((r) => Number(r.id)));
  return acked.filter((id) => !have.has(id)).length;
}

export async function benchOps(): Promise<void> {
  process.env.PGPASSFILE ??= layout.pgpassFile;
  await healthy();
  await q(PGPOOL, 9999, 'CREATE TABLE IF NOT EXISTS bench_ops (id bigserial PRIMARY KEY)');
  await q(PGPOOL, 9999, 'CREATE TABLE IF NOT EXISTS bench_ops_ack (id bigint PRIMARY KEY)');
  const promote: number[] = []; const ours: number[] = []; const oursLost: number[] = []; const base: number[] = []; const baseLost: number[] = [];
  const rtoQuiet: number[] = []; const rtoBusy: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Manual promote (fenced): command start -> first write through pgpool.
    let p = await primaryNode();
    let t = NODES.find((n) => n !== p)!;
    let t0 = performance.now();
    const done = cliRun(['promote', t.name, '--fence']);
    promote.push((await firstWrite(t0)) - t0);
    await done;
    await healthy();

    // Our switchover under traffic: command start -> first write after the switch; lost acknowledged rows.
    p = await primaryNode(); t = NODES.find((n) => n !== p)!;
    let load = traffic(); await sleep(500);
    t0 = performance.now();
    await cliRun(['switchover', t.name]);
    ours.push((await firstWrite(t0)) - t0);
    await sleep(300);
    oursLost.push(await lostOn(t.host, await load.stop()));
    await healthy();

    // pgpool's own switchover (pcp_promote_node -s) as the baseline, same traffic.
    p = await primaryNode(); t = NODES.find((n) => n !== p)!;
    const id = NODES.indexOf(t);
    load = traffic(); await sleep(500);
    t0 = performance.now();
    await runAsync('/usr/sbin/pcp_promote_node', ['-h', PGPOOL, '-p', '9898', '-U', 'pcpadmin', '-w', '-s', '-n', String(id)], { ...process.env, PCPPASSFILE: layout.pcppassFile });
    for (;;) { if ((await primaryNode()).name === t.name) break; await sleep(20); }
    base.push((await firstWrite(t0)) - t0);
    await sleep(300);
    baseLost.push(await lostOn(t.host, await load.stop()));
    await healthy();

    // Automatic failover RTO: kill -9 of the primary's postmaster -> first write through pgpool.
    for (const busy of [false, true]) {
      p = await primaryNode();
      const pid = Number(spawnSync('head', ['-1', join(p.dataDir, 'postmaster.pid')], { encoding: 'utf8' }).stdout.trim());
      load = busy ? traffic() : { stop: async () => [] };
      if (busy) await sleep(300);
      t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      (busy ? rtoBusy : rtoQuiet).push((await firstWrite(t0)) - t0);
      await load.stop();
      await healthy();
    }
  }
  const s = (xs: number[]): string => `${(median(xs) / 1000).toFixed(2)} s (runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
  console.log('ops (lab, fast detection profile, medians):');
  console.log(`  manual promote (--fence) -> first write through pgpool: ${s(promote)}   goal <= 1 s`);
  console.log(`  switchover -> first write: ${s(ours)}, lost acknowledged writes ${oursLost.join('/')}   goal <= 3 s, 0 lost`);
  console.log(`  pcp_promote_node -s baseline: ${s(base)}, lost acknowledged writes ${baseLost.join('/')}`);
  console.log(`  switchover ratio (baseline / ours): ${(median(base) / median(ours)).toFixed(2)}x`);
  console.log(`  automatic failover RTO, kill -9, no traffic: ${s(rtoQuiet)}   goal <= 1.5 s`);
  console.log(`  automatic failover RTO, kill -9, with traffic: ${s(rtoBusy)}`);
}

if (require.main === module) void benchOps().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
