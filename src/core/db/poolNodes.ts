/** `SHOW pool_nodes` rows -> PgpoolNodeView. Columns differ by pgpool version, so fields are read by name. */
import type { SqlRow } from './types';

export type PgpoolNodeState = 'up' | 'waiting' | 'down' | 'quarantine' | 'unused' | 'unknown';
export type ReportedRole = 'primary' | 'standby' | 'unknown';

/** What pgpool believes about one backend. */
export interface PgpoolNodeView {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly status: PgpoolNodeState;
  /** pgpool's role for the node (4.x `role`; `main`/`replica` of other modes map to primary/standby). */
  readonly role: ReportedRole;
  /** 4.3+: status/role pgpool measured on the backend itself (`pg_status`, `pg_role`). */
  readonly pgStatus?: PgpoolNodeState;
  readonly pgRole?: ReportedRole;
  readonly lbWeight?: number;
  readonly selectCount?: number;
  readonly loadBalanceNode?: boolean;
  /** As pgpool reports it: bytes, or seconds when the value carries "second" (delay_threshold_by_time). */
  readonly replicationDelay?: { readonly value: number; readonly unit: 'bytes' | 'seconds' };
  readonly replicationState?: string;
  readonly replicationSyncState?: string;
  readonly lastStatusChange?: string;
  /** SHOW pool_health_check_stats (4.2+): pgpool's clock, `YYYY-MM-DD HH:MM:SS`, empty when never. */
  readonly lastSuccessfulHealthCheck?: string;
  readonly lastFailedHealthCheck?: string;
}

const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v).trim());

export function parseNodeState(v: unknown): PgpoolNodeState {
  const s = text(v)?.toLowerCase() ?? '';
  if (s === 'up' || s === 'waiting' || s === 'down' || s === 'quarantine' || s === 'unused') return s;
  // pcp_node_info numeric codes: 1 = up (waiting), 2 = up (in use), 3 = down.
  if (s === '1') return 'waiting';
  if (s === '2') return 'up';
  if (s === '3') return 'down';
  if (s === 'connection in use') return 'up';
  return 'unknown';
}

export function parseReportedRole(v: unknown): ReportedRole {
  const s = text(v)?.toLowerCase() ?? '';
  if (s === 'primary' || s === 'main' || s === 'master') return 'primary';
  if (s === 'standby' || s === 'replica' || s === 'slave') return 'standby';
  return 'unknown';
}

function num(v: unknown): number | undefined {
  const s = text(v);
  if (s === undefined || s === '') return undefined;
  const n = Number.parseFloat(s);
  return Number.isFinite(n) ? n : undefined;
}

export function parseReplicationDelay(v: unknown): PgpoolNodeView['replicationDelay'] {
  const s = text(v);
  const n = num(s);
  if (s === undefined || n === undefined) return undefined;
  return { value: n, unit: /sec/i.test(s) ? 'seconds' : 'bytes' };
}

function pick(row: SqlRow, ...names: string[]): unknown {
  for (const n of names) if (n in row) return row[n];
  return undefined;
}

export function parsePoolNodes(rows: readonly SqlRow[]): PgpoolNodeView[] {
  return rows.map((r) => {
    const lb = text(pick(r, 'load_balance_node'))?.toLowerCase();
    const pgStatus = pick(r, 'pg_status');
    const pgRole = pick(r, 'pg_role');
    const view: PgpoolNodeView = {
      id: Number(text(pick(r, 'node_id')) ?? -1),
      host: text(pick(r, 'hostname', 'host')) ?? '',
      port: Number(text(pick(r, 'port')) ?? 0),
      status: parseNodeState(pick(r, 'status')),
      role: parseReportedRole(pick(r, 'role')),
      ...(pgStatus !== undefined ? { pgStatus: parseNodeState(pgStatus) } : {}),
      ...(pgRole !== undefined ? { pgRole: parseReportedRole(pgRole) } : {}),
      ...optional('lbWeight', num(pick(r, 'lb_weight'))),
      ...optional('selectCount', num(pick(r, 'select_cnt'))),
      ...(lb !== undefined && lb !== '' ? { loadBalanceNode: lb === 'true' || lb === 't' } : {}),
      ...optional('replicationDelay', parseReplicationDelay(pick(r, 'replication_delay'))),
      ...optional('replicationState', text(pick(r, 'replication_state')) || undefined),
      ...optional('replicationSyncState', text(pick(r, 'replication_sync_state')) || undefined),
      ...optional('lastStatusChange', text(pick(r, 'last_status_change')) || undefined),
      ...optional('lastSuccessfulHealthCheck', text(pick(r, 'last_successful_health_check')) || undefined),
      ...optional('lastFailedHealthCheck', text(pick(r, 'last_failed_health_check')) || undefined),
    };
    return view;
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
