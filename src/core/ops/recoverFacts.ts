/**
 * Recover's default method ("the fastest safe one") and the probe that feeds it: what the node's control file
 * says (system, state, timeline, position) against the primary, and which client tools the node's host has.
 */
import * as path from 'node:path';
import { lsnDiff, parseLsn } from '../db/lsn';
import type { ClusterDefinition, NodeDefinition } from '../inventory/model';
import type { ClusterStatus } from '../status/model';
import type { OpsEnvironment } from './environment';
import { currentPrimary, findNode, resolveVersions, type OpsInput, type RecoverMethod, type RecoveryFacts } from './input';
import { controldataArgv, normalizePgMajor, parseControldata, pgAtLeast, walNames } from './pgCommands';
import { compareVersions } from './pgpoolConfig/version';

/** Control-file states of a standby: running or crashed ("in archive recovery"), or stopped cleanly. */
const STANDBY_STATES = new Set(['in archive recovery', 'shut down in recovery']);

export function defaultRecoverMethod(input: OpsInput): { method: RecoverMethod; why: string } {
  const f = input.facts;
  const v = resolveVersions(input.cluster, input.status);
  const oldTools = f?.clientMajor !== undefined && compareVersions(f.clientMajor, v.postgres) < 0;
  const full: RecoverMethod = oldTools ? 'copy' : 'basebackup';
  const toolsWhy = oldTools ? `; pg_basebackup/pg_rewind ${f?.clientMajor} on the node cannot work on PostgreSQL ${v.postgres}, so the low-level backup API + rsync` : '';
  if (f?.nodeSystemId && f.primarySystemId && f.nodeSystemId === f.primarySystemId) {
    const standby = f.nodeState !== undefined && STANDBY_STATES.has(f.nodeState);
    const ahead = lsnDiff(f.nodeLsn, f.primaryLsn);
    if (standby && f.nodeTimeline !== undefined && f.nodeTimeline === f.primaryTimeline && ahead !== undefined && ahead <= 0) {
      return { method: 'restart', why: `it was a standby on the primary's timeline ${f.primaryTimeline} and is not ahead of it, so starting it as a standby is enough` };
    }
    const reason = !standby ? `it was a primary ("${f.nodeState ?? 'unknown state'}"), so its history may have forked`
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
export async function probeRecoveryFacts(cluster: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment, nodeName: string, signal?: AbortSignal): Promise<RecoveryFacts> {
  const node = findNode(cluster, nodeName);
  const primary = currentPrimary({ cluster: { ...cluster, nodes: cluster.nodes.filter((n) => n !== node) }, status });
  if (!node?.dataDirectory || !primary) return { error: !node?.dataDirectory ? 'no data directory defined' : 'no primary' };
  const v = resolveVersions(cluster, status);
  const w = walNames(v);
  const walFile = pgAtLeast(v, '10') ? 'pg_walfile_name' : 'pg_xlogfile_name';
  const opts = { timeoutMs: 15_000, ...(signal ? { signal } : {}) };
  try {
    const [r, tools, rows] = await Promise.all([
      env.remote(node.name).exec(controldataArgv(node), opts),
      env.remote(node.name).exec([bin(node, 'pg_basebackup'), '--version'], opts).catch(() => undefined),
      env.sql(primary.name).query<{ id: string; wal: string; lsn: string }>(
        `SELECT system_identifier::text AS id, ${walFile}(${w.currentLsn}) AS wal, ${w.currentLsn}::text AS lsn FROM pg_control_system()`),
    ]);
    const row = rows[0];
    const out = r.code === 0 ? r.stdout : '';
    const cd = (label: string): string | undefined => parseControldata(out, label);
    const tli = [cd("Latest checkpoint's TimeLineID"), cd("Min recovery ending loc's timeline")].map(Number).filter((n) => Number.isFinite(n) && n > 0);
    const tool = tools?.code === 0 ? /(\d+(?:\.\d+)?)/.exec(tools.stdout)?.[1] : undefined;
    const facts: RecoveryFacts = {
      nodeSystemId: cd('Database system identifier'), primarySystemId: row?.id, nodeState: cd('Database cluster state'),
      nodeTimeline: tli.length ? Math.max(...tli) : undefined, nodeLsn: maxLsn(cd('Latest checkpoint location'), cd('Minimum recovery ending location')),
      primaryTimeline: row?.wal ? Number.parseInt(row.wal.slice(0, 8), 16) : undefined, primaryLsn: row?.lsn,
      clientMajor: tool ? normalizePgMajor(tool) : undefined,
    };
    return Object.fromEntries(Object.entries(facts).filter((e) => e[1] !== undefined)) as RecoveryFacts;
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

const bin = (n: NodeDefinition, tool: string): string => (n.binDir ? path.posix.join(n.binDir, tool) : tool);
