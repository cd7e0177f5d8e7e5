/**
 * Renames and removals of pgpool-II parameters (pgpool-param-history.md, checked against the
 * release tags). `since` is the first release line in which the old name no longer does its job.
 */
export interface PgpoolRename {
  old: string;
  /** Replacement name; absent when the feature went away. */
  replacement?: string;
  since: string;
  /** True when the old name is indexed (`other_pgpool_hostname0`). */
  indexed?: boolean;
  /** Safe to rewrite the name in place (same meaning and value syntax). */
  autoFix?: boolean;
  note?: string;
  /** Set when the rename came in a minor release (x.y.z) that the x.y.0 catalogue does not show. */
  minorRelease?: string;
}

export const PGPOOL_RENAMES: readonly PgpoolRename[] = [
  { old: 'master_slave_mode', replacement: 'backend_clustering_mode', since: '4.2',
    note: "write backend_clustering_mode = 'streaming_replication' (or the mode that matches master_slave_sub_mode)" },
  { old: 'master_slave_sub_mode', replacement: 'backend_clustering_mode', since: '4.2',
    note: "stream -> 'streaming_replication', logical -> 'logical_replication'" },
  { old: 'follow_master_command', replacement: 'follow_primary_command', since: '4.2', autoFix: true },
  { old: 'white_function_list', replacement: 'write_function_list', since: '4.2', autoFix: true },
  { old: 'black_function_list', replacement: 'read_only_function_list', since: '4.2', autoFix: true },
  { old: 'black_query_pattern_list', replacement: 'primary_routing_query_pattern_list', since: '4.2', autoFix: true },
  { old: 'white_memqcache_table_list', replacement: 'cache_safe_memqcache_table_list', since: '4.2', autoFix: true },
  { old: 'black_memqcache_table_list', replacement: 'cache_unsafe_memqcache_table_list', since: '4.2', autoFix: true },
  { old: 'other_pgpool_hostname', replacement: 'hostnameN', since: '4.2', indexed: true,
    note: 'since 4.2 every pgpool node, including this one, is listed as hostnameN/pgpool_portN/wd_portN and the local node is named by the pgpool_node_id file' },
  { old: 'other_pgpool_port', replacement: 'pgpool_portN', since: '4.2', indexed: true },
  { old: 'other_wd_port', replacement: 'wd_portN', since: '4.2', indexed: true },
  { old: 'wd_hostname', replacement: 'hostnameN', since: '4.2' },
  { old: 'wd_heartbeat_port', replacement: 'heartbeat_portN', since: '4.2' },
  { old: 'heartbeat_destination', replacement: 'heartbeat_hostnameN', since: '4.2', indexed: true },
  { old: 'heartbeat_destination_port', replacement: 'heartbeat_portN', since: '4.2', indexed: true },
  { old: 'wd_initial_node_showup_time', replacement: 'wd_no_show_node_removal_timeout', since: '4.3', autoFix: true, minorRelease: '4.3.1',
    note: 'only 4.3.0 knows the old name' },
  { old: 'socket_dir', replacement: 'unix_socket_directories', since: '4.4', autoFix: true },
  { old: 'fail_over_on_backend_error', replacement: 'failover_on_backend_error', since: '4.0', autoFix: true },
  { old: 'delegate_IP', replacement: 'delegate_ip', since: '4.4', autoFix: true },
  { old: 'logdir', replacement: 'work_dir', since: '4.7', autoFix: true },
  { old: 'debug_level', replacement: 'log_min_messages', since: '3.6' },
  { old: 'print_timestamp', replacement: 'log_line_prefix', since: '3.6' },
  { old: 'print_user', replacement: 'log_line_prefix', since: '3.6' },
  { old: 'allow_inet_domain_socket', replacement: 'listen_addresses', since: '3.6' },
  { old: 'enable_query_cache', replacement: 'memory_cache_enabled', since: '3.6' },
  { old: 'ifconfig_path', replacement: 'if_cmd_path', since: '3.6' },
  { old: 'parallel_mode', since: '3.6', note: 'parallel query was dropped in 3.5' },
  { old: 'pgpool2_hostname', since: '3.6', note: 'parallel query was dropped in 3.5' },
  { old: 'backend_socket_dir', since: '3.6' },
  { old: 'pcp_timeout', since: '3.6' },
  { old: 'system_db_hostname', since: '3.6', note: 'the system DB went away with parallel query in 3.5' },
  { old: 'system_db_port', since: '3.6' },
  { old: 'system_db_dbname', since: '3.6' },
  { old: 'system_db_schema', since: '3.6' },
  { old: 'system_db_user', since: '3.6' },
  { old: 'system_db_password', since: '3.6' },
];

const byOld = new Map(PGPOOL_RENAMES.map((r) => [r.old, r]));

/** The rename entry for a written name, trying the base of an indexed name too. */
export function findPgpoolRename(name: string): { rename: PgpoolRename; index?: string } | undefined {
  const direct = byOld.get(name);
  if (direct) return { rename: direct };
  const m = /^(.*?)(\d+)$/.exec(name);
  if (m && m[1]) {
    const r = byOld.get(m[1]);
    if (r && r.indexed) return { rename: r, index: m[2] };
  }
  return undefined;
}
