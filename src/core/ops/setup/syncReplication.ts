/**
 * Synchronous replication: synchronous_standby_names as `ANY n (...)` / `FIRST n (...)` over the cluster's nodes,
 * set with ALTER SYSTEM + reload on every node that answers. The primary enforces it; the standbys carry the same
 * line in their postgresql.auto.conf (a file, not replicated by WAL), so whichever standby is promoted later keeps
 * waiting for its own standbys. Each node is named by the application_name its walreceiver uses (from its
 * primary_conninfo), else by its node name (the name this tool writes into primary_conninfo).
 */
import { syncStandbyNamesError } from '../../conf/rules/syncStandbyNames';
import type { NodeDefinition } from '../../inventory/model';
import { livePrimaries, nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { pgAtLeast, sqlLiteral } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';

/** `off` turns synchronous replication off (an empty synchronous_standby_names). */
export type SyncSpec = { readonly method: 'ANY' | 'FIRST'; readonly count: number } | { readonly method: 'off' };

/** "ANY 1", "first 2", "off" (or the words apart) -> a spec, or a message saying what to write instead. */
export function parseSyncSpec(words: readonly string[] | string): SyncSpec | string {
  const parts = (typeof words === 'string' ? [words] : [...words]).flatMap((w) => w.trim().split(/\s+/)).filter((w) => w !== '');
  const usage = 'write ANY n or FIRST n (n standbys must confirm each commit), or off';
  if (parts.length === 1 && /^off$/i.test(parts[0] ?? '')) return { method: 'off' };
  if (parts.length !== 2) return `Cannot read "${parts.join(' ')}" as a synchronous mode: ${usage}.`;
  const method = (parts[0] ?? '').toUpperCase();
  if (method !== 'ANY' && method !== 'FIRST') return `"${parts[0]}" is not ANY or FIRST: ${usage}.`;
  if (!/^[1-9][0-9]{0,2}$/.test(parts[1] ?? '')) return `"${parts[1]}" is not a number of standbys (1 or more): ${usage}.`;
  return { method, count: Number(parts[1]) };
}

export const syncSpecText = (s: SyncSpec): string => (s.method === 'off' ? 'off' : `${s.method} ${s.count}`);

/** A standby name as synchronous_standby_names reads it: double-quoted, inner quotes doubled (case is kept). */
export const syncName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The value for `spec` over `names`; checked against PostgreSQL's grammar. */
export function syncStandbyNamesValue(spec: SyncSpec, names: readonly string[]): string {
  if (spec.method === 'off') return '';
  const value = `${spec.method} ${spec.count} (${names.map(syncName).join(', ')})`;
  const err = syncStandbyNamesError(value);
  if (err) throw new Error(err);
  return value;
}

/** The application_name a node streams under: what its walreceiver reported, else its node name. */
export function applicationNameOf(input: OpsInput, node: NodeDefinition): string {
  return nodeStatus(input.status, node)?.postgres.applicationName ?? node.name;
}

export interface SyncPlanOptions {
  /** Nodes that will stream by the time these steps run (setup-replication appends them after making one). */
  readonly willStream?: readonly string[];
}

const SYNC_CONFIRMED_SQL = "SELECT count(*) >= $1::int AS ok FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')";
const SETTING_IS_SQL = "SELECT current_setting('synchronous_standby_names') = $1 AS ok";

/** Steps that set synchronous_standby_names on every reachable node (the primary last) and the checks; or why not. */
export function syncSteps(input: OpsInput, spec: SyncSpec, options: SyncPlanOptions = {}): { steps: PlanStep[]; verify: Check[]; warnings: string[]; value: string; primary: NodeDefinition } | string {
  const { cluster, status } = input;
  const v = resolveVersions(cluster, status);
  if (!pgAtLeast(v, '10') && spec.method === 'ANY') return `ANY (quorum commit) needs PostgreSQL 10 or newer; the cluster runs ${v.postgres}. Use FIRST n.`;
  const primaries = livePrimaries(input);
  const primary = primaries[0];
  if (!primary) return 'No running primary: synchronous_standby_names is enforced by the primary. Promote or recover one first.';
  if (primaries.length > 1) return `Several nodes act as primary (${primaries.map((n) => n.name).join(', ')}): fence the false primary first ("pgpool-cluster fence NODE").`;
  const names = cluster.nodes.map((n) => applicationNameOf(input, n));
  const value = syncStandbyNamesValue(spec, names);
  const standbys = cluster.nodes.filter((n) => n !== primary);
  const streaming = standbys.filter((n) => {
    const s = nodeStatus(status, n);
    return (s?.postgres.reachable && s.postgres.role === 'standby' && s.postgres.walReceiverStatus === 'streaming') || options.willStream?.includes(n.name);
  });
  const warnings: string[] = [];
  if (spec.method !== 'off') {
    if (spec.count > standbys.length) {
      return `${syncSpecText(spec)} needs ${spec.count} standbys but the cluster has ${standbys.length} besides ${primary.name}: every commit would wait forever. Use a count of at most ${standbys.length}.`;
    }
    if (spec.count > streaming.length) {
      return `${syncSpecText(spec)} needs ${spec.count} streaming standbys but only ${streaming.length} stream${streaming.length === 1 ? 's' : ''} (${streaming.map((n) => n.name).join(', ') || 'none'}): `
        + 'commits would wait until more do. Recover the others first, or choose a smaller count.';
    }
    if (spec.count === streaming.length) {
      warnings.push(`${syncSpecText(spec)} with ${streaming.length} streaming standby${streaming.length === 1 ? '' : 's'}: if one of them stops, every commit on ${primary.name} waits until it is back (or until synchronous replication is turned off: "pgpool-cluster sync off").`);
    }
    warnings.push(`The list names every node (${names.join(', ')}), so it stays right on whichever node is promoted; a primary never waits for itself.`);
  }
  const literal = sqlLiteral(value);
  // The standbys first: the primary starts waiting only once the others already carry the line.
  const order = [...standbys, primary];
  const steps: PlanStep[] = [];
  for (const n of order) {
    const s = nodeStatus(status, n);
    if (!s?.postgres.reachable && !options.willStream?.includes(n.name)) {
      warnings.push(`${n.name} does not answer; its synchronous_standby_names is left as it is. Run this again once it is back (recover copies the primary's configuration).`);
      continue;
    }
    const isPrimaryNode = n === primary;
    const skipIf: Check = { kind: 'sql-true', node: n.name, sql: SETTING_IS_SQL, params: [value], describe: `${n.name} already has synchronous_standby_names = '${value}'` };
    steps.push({
      id: `sync-set-${n.name}`, title: `ALTER SYSTEM SET synchronous_standby_names on ${n.name}${isPrimaryNode ? ' (the primary)' : ''}`,
      why: isPrimaryNode ? 'The primary enforces it: a commit returns once the named standbys confirm it.'
        : 'A standby ignores it until it is promoted; then it keeps the cluster synchronous.',
      destructive: false, action: { kind: 'sql', node: n.name, sql: `ALTER SYSTEM SET synchronous_standby_names = ${literal}` }, skipIf,
      onFailure: `${n.name}'s synchronous_standby_names is unchanged${isPrimaryNode ? '' : ' (the primary is not changed yet)'}. Check that the cluster's database user is a superuser there.`,
    }, {
      id: `sync-reload-${n.name}`, title: `Reload ${n.name}'s configuration`, why: 'synchronous_standby_names takes effect on reload.', destructive: false,
      action: { kind: 'sql', node: n.name, sql: 'SELECT pg_reload_conf()' }, skipIf,
      check: { ...skipIf, waitMs: 5_000, describe: `${n.name} runs with synchronous_standby_names = '${value}'` },
      onFailure: `${n.name} has the new line in postgresql.auto.conf but does not use it yet: run SELECT pg_reload_conf() there.`,
    });
  }
  const verify: Check[] = [{ kind: 'sql-true', node: primary.name, sql: SETTING_IS_SQL, params: [value], describe: `${primary.name} runs with synchronous_standby_names = '${value}'` }];
  if (spec.method !== 'off') {
    verify.push({ kind: 'sql-true', node: primary.name, sql: SYNC_CONFIRMED_SQL, params: [String(spec.count)], waitMs: 15_000,
      describe: `${primary.name} has at least ${spec.count} standby${spec.count === 1 ? '' : 's'} in sync_state sync or quorum` });
  }
  return { steps, verify, warnings, value, primary };
}

export function buildSyncPlan(input: OpsInput, spec: SyncSpec): PlanResult {
  let built: ReturnType<typeof syncSteps>;
  try {
    built = syncSteps(input, spec);
  } catch (err) {
    return refuse(err instanceof Error ? err.message : String(err));
  }
  if (typeof built === 'string') return refuse(built);
  const { steps, verify, warnings, value, primary } = built;
  return {
    ok: true,
    plan: {
      operation: 'sync-replication', cluster: input.cluster.name, node: primary.name, destructive: false,
      versions: resolveVersions(input.cluster, input.status), warnings, steps, verify,
      summary: spec.method === 'off'
        ? `Turn synchronous replication off: commits on ${primary.name} no longer wait for any standby (an acknowledged commit can be lost in a failover).`
        : `Synchronous replication ${syncSpecText(spec)}: synchronous_standby_names = '${value}'. A commit on ${primary.name} returns once ${spec.method === 'ANY' ? `any ${spec.count}` : `the first ${spec.count} listed`} standby${spec.count === 1 ? '' : 's'} ha${spec.count === 1 ? 's' : 've'} flushed it.`,
    },
  };
}

/** A plan with the sync steps appended (setup-replication --sync): they run once the new standby streams. */
export function withSyncSteps(built: PlanResult, input: OpsInput, spec: SyncSpec, willStream: readonly string[]): PlanResult {
  if (!built.ok) return built;
  let sync: ReturnType<typeof syncSteps>;
  try {
    sync = syncSteps(input, spec, { willStream });
  } catch (err) {
    return refuse(err instanceof Error ? err.message : String(err));
  }
  if (typeof sync === 'string') return refuse(sync);
  const p = built.plan;
  return {
    ok: true,
    plan: {
      ...p, steps: [...p.steps, ...sync.steps], verify: [...p.verify, ...sync.verify], warnings: [...p.warnings, ...sync.warnings],
      summary: `${p.summary} Then synchronous replication ${syncSpecText(spec)} (synchronous_standby_names = '${sync.value}').`,
    },
  };
}
