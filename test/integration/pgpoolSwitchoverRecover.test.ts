import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { labUser, pcp, query, queryPgpool, readOnHost, ssh } from '../lab/labFixture';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { fenceMarkPath } from '../../src/core/status/fenceMark';
import {
  currentPrimary, healthy, inRecovery, layout, NODES, ops, poolNodes, primaries, restoreLab, standbysStreamingFrom, waitUntil, type LabNodeRef,
} from './opsLab';

// Recover after pgpool's OWN operations (pcp_promote_node -s with the failover / follow_primary scripts
// configure-pgpool generates), not ours: the old primary wrote its shutdown checkpoint after the standby was
// promoted, so its WAL goes past the fork. Every assertion reads the real servers; each test leaves the lab healthy.
afterEach(async () => { await restoreLab(); });
after(async () => { await restoreLab().catch(() => undefined); });

const TABLE = 'pgpool_switchover_recover';
const PG_BIN = '/usr/lib/postgresql/15/bin';
const idOf = (n: LabNodeRef): number => layout.nodes.find((x) => x.name === n.name)!.id;
const onHost = (n: LabNodeRef, argv: string[]): { code: number; stdout: string; stderr: string } => ssh(layout, labUser(), n.host, shellCommand(argv));
const pgpoolLog = (): string => readOnHost(layout, layout.pgpool.address, layout.pgpool.logFile);

/** follow_primary.sh's last word on a node after `offset` in pgpool's log (attached, stays down, failed, fenced...). */
function followPrimaryDone(offset: number, n: LabNodeRef): boolean {
  const re = new RegExp(`follow_primary\\.sh: (node ${idOf(n)} (attached|.*stays down|.*did not start|.*is fenced)|pg_rewind of node ${idOf(n)} failed)`);
  return re.test(pgpoolLog().slice(offset));
}

/** pgpool's own switchover to `target`, then waits until pgpool routes to it and follow_primary is done with every other node. */
async function pgpoolSwitchover(target: LabNodeRef): Promise<void> {
  const offset = pgpoolLog().length;
  assert.match(pcp(layout, 'pcp_promote_node', ['-s', '-n', String(idOf(target))]), /Command Successful/);
  await waitUntil(`pgpool to route to ${target.name}`, async () => (await poolNodes()).find((x) => x.role === 'primary')?.hostname === target.host);
  for (const n of NODES.filter((x) => x !== target)) await waitUntil(`follow_primary.sh to finish with ${n.name}`, async () => followPrimaryDone(offset, n), 60_000);
}

/** kill -9 of the postmaster alone (its children may linger), as the bench's RTO runs and a crashing host do. */
async function killPostmaster(n: LabNodeRef): Promise<void> {
  const r = onHost(n, ['sh', '-c', 'kill -9 "$(head -n 1 "$1/postmaster.pid")"', '_', n.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil(`${n.name} to stop answering`, async () => (await inRecovery(n.host)) === undefined);
}

/** Recover with the default method; asserts it rejoined without a copy and the node follows `primary` with every row. */
async function recoverDefault(n: LabNodeRef, primary: LabNodeRef, rows: number): Promise<string> {
  const r = ops(['recover', n.name, '--yes']);
  assert.equal(r.code, 0, `recover ${n.name}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  const method = /by (restart|rewind|basebackup|copy|pcp) \(/.exec(r.stderr)?.[1];
  assert.ok(method === 'rewind' || method === 'restart', `${n.name} rejoined without a full copy (method ${method ?? '?'}):\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /FAILED/);
  assert.equal(await inRecovery(n.host), true, `${n.name} is a standby`);
  await waitUntil(`${n.name} to stream from ${primary.name} with all ${rows} rows`, async () =>
    (await standbysStreamingFrom(primary.host)).includes(n.name)
    && (await query<{ n: string }>(n.host, 5432, `SELECT count(*) AS n FROM ${TABLE}`))[0]?.n === String(rows));
  assert.ok(['up', 'waiting'].includes((await poolNodes()).find((x) => x.hostname === n.host)?.status ?? ''), `pgpool uses ${n.name} again`);
  return r.stderr;
}

async function writeRows(from: number, count: number): Promise<void> {
  await queryPgpool(`INSERT INTO ${TABLE} SELECT generate_series($1::int, $1::int + $2::int - 1)`, [from, count]);
}

/** A healthy lab, rows 1..500 written through pgpool; the current primary and the standby pgpool's switchover will promote. */
async function healthyWith500Rows(): Promise<{ old: LabNodeRef; target: LabNodeRef }> {
  await restoreLab();
  const old = await currentPrimary();
  const target = NODES.find((n) => n !== old)!;
  await queryPgpool(`CREATE TABLE IF NOT EXISTS ${TABLE} (id int PRIMARY KEY)`);
  await queryPgpool(`TRUNCATE ${TABLE}`);
  await writeRows(1, 500);
  return { old, target };
}

test('after pgpool\'s own switchover, recover\'s default rejoins every node left behind (the old primary killed meanwhile) without a base backup', async () => {
  const { old, target } = await healthyWith500Rows();

  await pgpoolSwitchover(target);
  assert.deepEqual(await primaries(), [target.name], 'pgpool\'s switchover left one primary');
  await writeRows(501, 500);
  // Whatever follow_primary made of the old primary, it now crashes (the bench's RTO run, a host losing power).
  await killPostmaster(old);

  // The old primary, and the other standby when follow_primary could not re-point it.
  const streaming = await standbysStreamingFrom(target.host);
  for (const n of NODES.filter((x) => x !== target && (x === old || !streaming.includes(x.name)))) await recoverDefault(n, target, 1000);
  assert.deepEqual(await primaries(), [target.name], 'still one primary, the one pgpool chose');
  await writeRows(1001, 10);
  for (const n of NODES.filter((x) => x !== target)) {
    await waitUntil(`${n.name} to replay new writes`, async () => (await query(n.host, 5432, `SELECT 1 FROM ${TABLE} WHERE id = 1010`)).length === 1);
  }
  await waitUntil('healthy', healthy);
});

test('a former primary past the fork, started as a standby of the new primary without a rewind, then killed: recover settles it on its own timeline and rewinds it', async () => {
  const { old, target } = await healthyWith500Rows();
  // follow_primary.sh leaves a node with a fence mark alone: the old primary keeps running on the old timeline.
  const mark = fenceMarkPath(old.dataDir);
  assert.equal(onHost(old, ['sh', '-c', 'printf "%s\\n" "# pgpool-cluster fence (test)" "by=pgpoolSwitchoverRecover.test" > "$1"', '_', mark]).code, 0);
  await pgpoolSwitchover(target);
  await writeRows(501, 500);

  // What a follow_primary whose pg_rewind ran before the new primary's first checkpoint ("no rewind required")
  // leaves: the old primary stopped (its shutdown checkpoint past the fork), made a standby of the new primary and started.
  const data = old.dataDir;
  const conninfo = `primary_conninfo = 'host=${target.host} port=5432 user=replicator application_name=${old.name}'`;
  for (const argv of [
    [`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop'],
    ['sh', '-c', 'touch "$1/standby.signal" && printf "%s\\n" "$2" >> "$1/postgresql.auto.conf"', '_', data, conninfo],
    [`${PG_BIN}/pg_ctl`, '-D', data, '-l', `${data}/startup.log`, '-w', '-t', '60', 'start'],
  ]) {
    const r = onHost(old, argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  }
  const tli = Number.parseInt((await query<{ w: string }>(target.host, 5432, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS w'))[0]!.w.slice(0, 8), 16);
  const history = `${data}/pg_wal/${tli.toString(16).toUpperCase().padStart(8, '0')}.history`;
  await waitUntil(`${old.name} to fetch ${target.name}'s timeline history`, async () => onHost(old, ['test', '-f', history]).code === 0);
  assert.ok(!(await standbysStreamingFrom(target.host)).includes(old.name), `${old.name} went past the fork: it cannot follow`);
  await killPostmaster(old);
  const state = onHost(old, ['env', 'LC_ALL=C', `${PG_BIN}/pg_controldata`, data]).stdout;
  assert.match(state, /Database cluster state:\s+in archive recovery/, 'crashed as a standby');

  const out = await recoverDefault(old, target, 1000);
  assert.match(out, /by rewind/);
  assert.match(out, /\[(\d+)\/\d+\] Shut \S+ down cleanly as a standby \.\.\.\n(?:[^\n]*\n)*?\s*\[\1\] ok/, 'the settle step ran and succeeded');
  assert.doesNotMatch(out, /FATAL: +requested timeline/);
  assert.equal(onHost(old, ['test', '-e', mark]).code, 1, 'recover removed the fence mark');
  assert.deepEqual(await primaries(), [target.name], 'one primary');
  await waitUntil('healthy', healthy);
});
