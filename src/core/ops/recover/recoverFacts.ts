/**
 * Recover's default method ("the fastest safe one") and the probe that feeds it: what the node's control file
 * says (system, state, timeline, position) against the primary, and which client tools the node's host has.
 * The full-copy choice (pg_basebackup, else the backup API + rsync) is shared with setup-replication.
 */
import { formatBytes, lsnDiff, parseLsn } from '../../db/lsn';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import type { OpsEnvironment } from '../engine/environment';
import { currentPrimary, resolveVersions, type CopyMethod, type OpsInput, type RecoverMethod, type RecoveryFacts } from '../engine/input';
import { bin, controldataArgv, normalizePgMajor, parseControldata, pgAtLeast, walNames, type Versions } from '../engine/pgCommands';
import { compareVersions } from '../setup/pgpoolConfig/version';
import { op, shellScript } from '../../remote/shellQuote';
import { hostToHostSsh } from './recoverCopy';
import { forkPoint, followsWithoutRewind, historyFilePath, parseWalEnd, waldumpScript } from './walFork';

/**
 * pg_rewind (through PostgreSQL 17) copies every file of the source's pg_wal in full. When that is at least
 * this big and at least half the data, the plan says so: on a LAN pg_rewind stays the faster rebuild of a forked
 * node (measured), but over a slow link the copy method (rsync's page delta) sends a fraction of it.
 */
export const REWIND_WAL_FLOOR = 256 * 1024 * 1024;

/** Control-file states of a standby: running or crashed ("in archive recovery"), or stopped cleanly. */
const STANDBY_STATES = new Set(['in archive recovery', 'shut down in recovery']);

/**
 * How to copy the primary whole: pg_basebackup copies servers up to its own major version (and older ones), so a
 * server newer than the node's pg_basebackup is copied by the low-level backup API + rsync. Unknown tools: pg_basebackup.
 */
export function fullCopyMethod(clientMajor: string | undefined, v: Versions): { method: CopyMethod; why: string } {
  if (clientMajor !== undefined && compareVersions(clientMajor, v.postgres) < 0) {
    return { method: 'copy', why: `pg_basebackup ${clientMajor} on the node cannot copy PostgreSQL ${v.postgres}, so the low-level backup API + rsync` };
  }
  return { method: 'basebackup', why: clientMajor === undefined ? "the node's pg_basebackup version is unknown, so pg_basebackup" : `pg_basebackup ${clientMajor} on the node can copy PostgreSQL ${v.postgres}` };
}

/** Major version of pg_basebackup on the node's host (its binDir, else the PATH); undefined when it does not run. */
export async function probeClientMajor(node: NodeDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const r = await env.remote(node.name).exec([bin(node, 'pg_basebackup'), '--version'], { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
    const tool = r.code === 0 ? /(\d+(?:\.\d+)?)/.exec(r.stdout)?.[1] : undefined;
    return tool ? normalizePgMajor(tool) : undefined;
  } catch {
    return undefined;
  }
}

export function defaultRecoverMethod(input: OpsInput): { method: RecoverMethod; why: string } {
  const f = input.facts;
  const v = resolveVersions(input.cluster, input.status);
  const tools = fullCopyMethod(f?.clientMajor, v);
  const oldTools = tools.method === 'copy';
  const full: RecoverMethod = tools.method;
  const toolsWhy = oldTools ? `; ${tools.why}` : '';
  if (f?.nodeSystemId && f.primarySystemId && f.nodeSystemId === f.primarySystemId) {
    const standby = f.nodeState !== undefined && STANDBY_STATES.has(f.nodeState);
    const ahead = lsnDiff(f.nodeLsn, f.primaryLsn);
    if (standby && f.nodeTimeline !== undefined && f.nodeTimeline === f.primaryTimeline && ahead !== undefined && ahead <= 0) {
      return { method: 'restart', why: `it was a standby on the primary's timeline ${f.primaryTimeline} and is not ahead of it, so starting it as a standby is enough` };
    }
    // A node on an older timeline whose WAL stops at or before the fork never diverged: it follows the new
    // timeline as a standby, with nothing to rewind or copy (a failover of an idle primary).
    // Its control file must not be past the fork either: a standby's minimum recovery point beyond it makes
    // PostgreSQL refuse the new timeline ("requested timeline N does not contain minimum recovery point").
    const controlPast = lsnDiff(f.nodeLsn, f.forkLsn);
    if (f.nodeTimeline !== undefined && f.primaryTimeline !== undefined && f.nodeTimeline < f.primaryTimeline && followsWithoutRewind(f.nodeWalEnd, f.forkLsn)
      && controlPast !== undefined && controlPast <= 0) {
      return { method: 'restart', why: `its WAL ends at ${f.nodeWalEnd}, no later than ${f.forkLsn} where the primary's history left timeline ${f.nodeTimeline}, so it never diverged and follows as a standby` };
    }
    const past = f.nodeTimeline !== undefined && f.primaryTimeline !== undefined && f.nodeTimeline < f.primaryTimeline ? lsnDiff(f.nodeWalEnd, f.forkLsn) : undefined;
    const reason = past !== undefined && past > 0 ? `its WAL goes ${formatBytes(past)} past ${f.forkLsn}, where the primary's history left timeline ${f.nodeTimeline} (those changes are discarded)`
      : !standby ? `it was a primary ("${f.nodeState ?? 'unknown state'}"), so its history may have forked`
      : f.nodeTimeline !== f.primaryTimeline ? `it is on timeline ${f.nodeTimeline ?? '?'}, the primary on ${f.primaryTimeline ?? '?'}`
        : 'it is ahead of the primary';
    // pg_rewind works only within one major version (pg_basebackup also copies older servers).
    const sameMajorTools = f.clientMajor === undefined || compareVersions(f.clientMajor, v.postgres) === 0;
    if (sameMajorTools) return { method: 'rewind', why: `${reason}; pg_rewind copies only what changed` };
    return { method: full, why: `${reason}; pg_rewind ${f.clientMajor} cannot rewind PostgreSQL ${v.postgres}${oldTools ? toolsWhy : ', so a fresh pg_basebackup'}` };
  }
  if (f?.nodeSystemId && f.primarySystemId) return { method: full, why: `the node's data directory belongs to another database system (${f.nodeSystemId})${toolsWhy}` };
  if (f && !f.nodeSystemId && !f.error) return { method: full, why: `the node has no usable data directory${toolsWhy}` };
  return { method: full, why: `its data directory could not be inspected${f?.error ? ` (${f.error})` : ''}, and a full copy is always safe${toolsWhy}` };
}

const maxLsn = (...xs: (string | undefined)[]): string | undefined => {
  let best: { text: string; v: bigint } | undefined;
  for (const x of xs) {
    const v = parseLsn(x);
    if (x !== undefined && v !== undefined && (!best || v > best.v)) best = { text: x, v };
  }
  return best?.text;
};

/** Reads the node's control file and tools over SSH and the primary's system, timeline and position over SQL. */
export async function probeRecoveryFacts(cluster: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment, node: NodeDefinition, signal?: AbortSignal): Promise<RecoveryFacts> {
  const primary = currentPrimary({ cluster: { ...cluster, nodes: cluster.nodes.filter((n) => n !== node) }, status });
  if (!node.dataDirectory || !primary) return { error: !node.dataDirectory ? 'no data directory defined' : 'no primary' };
  const v = resolveVersions(cluster, status);
  const w = walNames(v);
  const walFile = pgAtLeast(v, '10') ? 'pg_walfile_name' : 'pg_xlogfile_name';
  const opts = { timeoutMs: 15_000, ...(signal ? { signal } : {}) };
  try {
    const [r, clientMajor, rows] = await Promise.all([
      env.remote(node.name).exec(controldataArgv(node), opts),
      probeClientMajor(node, env, signal),
      env.sql(primary.name).query<{ id: string; wal: string; lsn: string }>(
        `SELECT system_identifier::text AS id, ${walFile}(${w.currentLsn}) AS wal, ${w.currentLsn}::text AS lsn FROM pg_control_system()`),
    ]);
    const row = rows[0];
    const out = r.code === 0 ? r.stdout : '';
    const cd = (label: string): string | undefined => parseControldata(out, label);
    const tli = [cd("Latest checkpoint's TimeLineID"), cd("Min recovery ending loc's timeline")].map(Number).filter((n) => Number.isFinite(n) && n > 0);
    const facts: RecoveryFacts = {
      nodeSystemId: cd('Database system identifier'), primarySystemId: row?.id, nodeState: cd('Database cluster state'),
      nodeTimeline: tli.length ? Math.max(...tli) : undefined, nodeLsn: maxLsn(cd('Latest checkpoint location'), cd('Minimum recovery ending location')),
      primaryTimeline: row?.wal ? Number.parseInt(row.wal.slice(0, 8), 16) : undefined, primaryLsn: row?.lsn,
      clientMajor,
    };
    const checkpointTli = Number(cd("Latest checkpoint's TimeLineID"));
    const checkpoint = cd('Latest checkpoint location');
    if (facts.nodeSystemId && facts.nodeSystemId === facts.primarySystemId && facts.primaryTimeline !== undefined && facts.nodeTimeline !== undefined
      && facts.nodeTimeline < facts.primaryTimeline && checkpointTli === facts.nodeTimeline && checkpoint) {
      Object.assign(facts, await probeFork(node, primary, env, v, { timeline: facts.nodeTimeline, checkpoint, primaryTimeline: facts.primaryTimeline,
        pageSize: Number(cd('WAL block size')) || undefined, segmentSize: Number(cd('Bytes per WAL segment')) || undefined }, signal));
    }
    // Only when the choice so far is pg_rewind: is a copy cheaper (see REWIND_WAL_FLOOR)?
    if (defaultRecoverMethod({ cluster, status, facts }).method === 'rewind') {
      Object.assign(facts, await probeRewindCost(node, primary, env, v, signal));
    }
    return Object.fromEntries(Object.entries(facts).filter((e) => e[1] !== undefined)) as RecoveryFacts;
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The node's WAL end (pg_waldump on its host, from its latest checkpoint) and the fork point of its timeline in
 * the primary's history file. Either may stay unknown (another major's pg_waldump, no superuser to read the
 * history file); unknown makes the default fall back to pg_rewind.
 */
async function probeFork(node: NodeDefinition, primary: NodeDefinition, env: OpsEnvironment, v: Versions,
  at: { timeline: number; checkpoint: string; primaryTimeline: number; pageSize?: number; segmentSize?: number }, signal?: AbortSignal): Promise<Pick<RecoveryFacts, 'nodeWalEnd' | 'forkLsn'>> {
  const opts = { timeoutMs: 60_000, ...(signal ? { signal } : {}) };
  const [dump, history] = await Promise.all([
    env.remote(node.name).exec(waldumpScript(node, at.timeline, at.checkpoint), opts).catch(() => undefined),
    env.sql(primary.name).query<{ h: string }>('SELECT pg_read_file($1) AS h', [historyFilePath(at.primaryTimeline, pgAtLeast(v, '10') ? 'pg_wal' : 'pg_xlog')]).catch(() => undefined),
  ]);
  const nodeWalEnd = dump && !dump.timedOut ? parseWalEnd(dump.stdout, at.pageSize, at.segmentSize) : undefined;
  const text = history?.[0]?.h;
  const forkLsn = typeof text === 'string' ? forkPoint(text, at.timeline) : undefined;
  return { ...(nodeWalEnd ? { nodeWalEnd } : {}), ...(forkLsn ? { forkLsn } : {}) };
}

/** The plan's warning when pg_rewind would also send a large pg_wal, with the alternative when it can run. */
export function rewindWalWarning(f: RecoveryFacts | undefined): string | undefined {
  const wal = f?.primaryWalBytes;
  const db = f?.databaseBytes;
  if (wal === undefined || db === undefined || wal < REWIND_WAL_FLOOR || wal * 2 < db) return undefined;
  return `pg_rewind also copies the primary's whole pg_wal: ${formatBytes(wal)}, against ${formatBytes(db)} of data. Over a slow link, --method copy `
    + `(backup API + rsync) sends only the pages that differ${f?.copyReady ? '' : "; it needs rsync on both hosts and this node's host to reach the primary's over SSH (ssh.hostToHost)"}.`;
}

/** What a rewind would send (the primary's pg_wal) against the data, and whether the copy method can run. */
async function probeRewindCost(node: NodeDefinition, primary: NodeDefinition, env: OpsEnvironment, v: Versions, signal?: AbortSignal): Promise<Pick<RecoveryFacts, 'primaryWalBytes' | 'databaseBytes' | 'copyReady'>> {
  if (!pgAtLeast(v, '10')) return {};
  const h2h = hostToHostSsh(node, primary);
  const [sizes, ready] = await Promise.all([
    env.sql(primary.name).query<{ wal: string; db: string }>(
      'SELECT (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir())::text AS wal, (SELECT sum(pg_database_size(oid)) FROM pg_database)::text AS db').catch(() => undefined),
    env.remote(node.name).exec({ script: shellScript(['rsync', '--version', op('>'), '/dev/null', op('&&'), ...h2h.argv, h2h.login, 'rsync', '--version', op('>'), '/dev/null']) },
      { timeoutMs: 15_000, ...(signal ? { signal } : {}) }).catch(() => undefined),
  ]);
  const wal = Number(sizes?.[0]?.wal);
  const db = Number(sizes?.[0]?.db);
  return {
    ...(sizes && Number.isFinite(wal) && Number.isFinite(db) ? { primaryWalBytes: wal, databaseBytes: db } : {}),
    copyReady: ready?.code === 0 && !ready.timedOut,
  };
}

