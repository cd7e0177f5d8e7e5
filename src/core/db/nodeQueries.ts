/** PostgreSQL's own view of a node, fetched in ONE round trip per node per refresh. */
import { parseLsn } from './lsn';
import { DbError, type SqlClient } from './types';

export interface ReplicationPeer {
  readonly applicationName: string;
  readonly clientAddr?: string;
  readonly state?: string;
  readonly syncState?: string;
  readonly sentLsn?: string;
  readonly writeLsn?: string;
  readonly flushLsn?: string;
  readonly replayLsn?: string;
  readonly writeLagSeconds?: number;
  readonly flushLagSeconds?: number;
  readonly replayLagSeconds?: number;
}

export interface WalReceiverInfo {
  readonly status: string;
  readonly receivedTimeline?: number;
  readonly senderHost?: string;
  readonly senderPort?: number;
  /** application_name this standby uses towards its primary (from conninfo, else cluster_name, else walreceiver). */
  readonly applicationName?: string;
}

export interface PgNodeView {
  readonly serverVersionNum: number;
  readonly inRecovery: boolean;
  readonly timeline?: number;
  readonly currentLsn?: string;
  readonly receiveLsn?: string;
  readonly replayLsn?: string;
  /** Seconds since the last replayed transaction (standby only; grows on an idle primary too). */
  readonly replayAgeSeconds?: number;
  readonly walReceiver?: WalReceiverInfo;
  readonly replication: readonly ReplicationPeer[];
  readonly clusterName?: string;
  readonly syncStandbyNames?: string;
}

export const NODE_STATE_SQL = `
SELECT current_setting('server_version_num')::int AS version_num,
  pg_is_in_recovery() AS in_recovery,
  current_setting('cluster_name') AS cluster_name,
  current_setting('synchronous_standby_names') AS sync_names,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
  CASE WHEN pg_is_in_recovery() THEN NULL
       ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS insert_tli,
  (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli,
  pg_last_wal_receive_lsn()::text AS receive_lsn,
  pg_last_wal_replay_lsn()::text AS replay_lsn,
  extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age,
  (SELECT row_to_json(w) FROM (SELECT status, received_tli, sender_host, sender_port, conninfo
     FROM pg_stat_wal_receiver) w) AS wal_receiver,
  (SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT application_name, client_addr::text AS client_addr, state, sync_state,
     sent_lsn::text AS sent_lsn, write_lsn::text AS write_lsn, flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn,
     extract(epoch FROM write_lag)::float8 AS write_lag, extract(epoch FROM flush_lag)::float8 AS flush_lag,
     extract(epoch FROM replay_lag)::float8 AS replay_lag
     FROM pg_stat_replication) r) AS replication`;

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v));
const numOrUndef = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function appNameFromConninfo(conninfo: string | undefined): string | undefined {
  if (!conninfo) return undefined;
  const m = /(?:^|\s)application_name=('(?:[^'\\]|\\.)*'|\S+)/.exec(conninfo);
  return m?.[1]?.replace(/^'|'$/g, '').replace(/\\(.)/g, '$1');
}

export function parseNodeState(row: Json): PgNodeView {
  const inRecovery = row.in_recovery === true;
  const wr = (typeof row.wal_receiver === 'string' ? JSON.parse(row.wal_receiver) : row.wal_receiver) as Json | null;
  const repl = (typeof row.replication === 'string' ? JSON.parse(row.replication) : row.replication ?? []) as Json[];
  const clusterName = str(row.cluster_name);
  const walReceiver: WalReceiverInfo | undefined = wr ? {
    status: String(wr.status ?? 'unknown'),
    ...(wr.received_tli != null ? { receivedTimeline: Number(wr.received_tli) } : {}),
    ...(str(wr.sender_host) ? { senderHost: String(wr.sender_host) } : {}),
    ...(wr.sender_port != null ? { senderPort: Number(wr.sender_port) } : {}),
    applicationName: appNameFromConninfo(str(wr.conninfo)) ?? clusterName ?? 'walreceiver',
  } : undefined;
  const timeline = inRecovery
    ? walReceiver?.receivedTimeline ?? numOrUndef(row.checkpoint_tli)
    : numOrUndef(row.insert_tli) ?? numOrUndef(row.checkpoint_tli);
  const view: PgNodeView = {
    serverVersionNum: Number(row.version_num),
    inRecovery,
    ...(timeline !== undefined ? { timeline } : {}),
    ...(str(row.current_lsn) ? { currentLsn: String(row.current_lsn) } : {}),
    ...(str(row.receive_lsn) ? { receiveLsn: String(row.receive_lsn) } : {}),
    ...(str(row.replay_lsn) ? { replayLsn: String(row.replay_lsn) } : {}),
    ...(inRecovery && row.replay_age != null ? { replayAgeSeconds: Number(row.replay_age) } : {}),
    ...(walReceiver ? { walReceiver } : {}),
    ...(clusterName ? { clusterName } : {}),
    ...(typeof row.sync_names === 'string' ? { syncStandbyNames: row.sync_names } : {}),
    replication: repl.map((r) => ({
      applicationName: String(r.application_name ?? ''),
      ...opt('clientAddr', str(r.client_addr)), ...opt('state', str(r.state)), ...opt('syncState', str(r.sync_state)),
      ...opt('sentLsn', str(r.sent_lsn)), ...opt('writeLsn', str(r.write_lsn)), ...opt('flushLsn', str(r.flush_lsn)),
      ...opt('replayLsn', str(r.replay_lsn)), ...opt('writeLagSeconds', numOrUndef(r.write_lag)),
      ...opt('flushLagSeconds', numOrUndef(r.flush_lag)), ...opt('replayLagSeconds', numOrUndef(r.replay_lag)),
    })),
  };
  return view;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export async function queryNodeState(client: SqlClient, timeoutMs?: number): Promise<PgNodeView> {
  try {
    const rows = await client.query(NODE_STATE_SQL, [], timeoutMs !== undefined ? { timeoutMs } : {});
    const row = rows[0];
    if (!row) throw new DbError('query-failed', `${client.label}: the status query returned no row.`);
    return parseNodeState(row);
  } catch (err) {
    if (err instanceof DbError && err.sqlState === '42883') {
      throw new DbError('unsupported', `${client.label}: PostgreSQL older than 10 is not supported for status (no pg_current_wal_lsn).`, err.sqlState);
    }
    throw err;
  }
}

export { parseLsn };
