/**
 * PostgreSQL GUCs (9.6 .. 17) that matter to a replicated cluster, written from the PostgreSQL docs and
 * pg-recovery-facts.md. Versions are numbers: 9.6, 10, 11, ... 17. Other GUCs are known by name only.
 */
import type { ParamContext, ParamSpec, ParamType, ParamUnit } from './spec';


export interface PgGuc extends ParamSpec {
  since: number;
  /** Last major version that has it (inclusive). */
  until?: number;
}

interface Opts {
  since?: number; until?: number; min?: number; max?: number; enum?: string[]; unit?: ParamUnit; ctx?: ParamContext;
}
const INT_MAX = 2147483647;
const BOOL_WORDS = ['on', 'off', 'true', 'false', 'yes', 'no', '1', '0'];

function g(name: string, type: ParamType, def: string, o: Opts = {}): PgGuc {
  const spec: PgGuc = { name, type, default: def, context: o.ctx ?? 'reload', indexed: 'no', since: o.since ?? 9.6 };
  if (o.until !== undefined) spec.until = o.until;
  if (o.min !== undefined) spec.min = o.min;
  if (o.max !== undefined) spec.max = o.max;
  if (o.enum) spec.enumValues = o.enum;
  if (o.unit) spec.unit = o.unit;
  return spec;
}
const R: ParamContext = 'restart';
const U: ParamContext = 'session';

export const PG_GUCS: readonly PgGuc[] = [
  // Connections
  g('listen_addresses', 'string', 'localhost', { ctx: R }),
  g('port', 'int', '5432', { ctx: R, min: 1, max: 65535 }),
  g('max_connections', 'int', '100', { ctx: R, min: 1, max: 262143 }),
  g('superuser_reserved_connections', 'int', '3', { ctx: R, min: 0, max: 262143 }),
  g('password_encryption', 'bool', 'on', { until: 9.6 }),
  // 10-13: an enum whose hidden spellings on/true/yes/1 mean md5 (measured on 11: off is refused); 14 dropped them.
  { ...g('password_encryption', 'enum', 'md5', { since: 10, until: 13, enum: ['md5', 'scram-sha-256'] }), hiddenEnum: ['on', 'true', 'yes', '1'] },
  g('password_encryption', 'enum', 'scram-sha-256', { since: 14, enum: ['md5', 'scram-sha-256'] }),
  g('ssl', 'bool', 'off'),
  // WAL
  g('wal_level', 'enum', 'minimal', { ctx: R, until: 9.6, enum: ['minimal', 'replica', 'logical', 'archive', 'hot_standby'] }),
  g('wal_level', 'enum', 'replica', { ctx: R, since: 10, enum: ['minimal', 'replica', 'logical', 'archive', 'hot_standby'] }),
  g('fsync', 'bool', 'on'),
  g('synchronous_commit', 'enum', 'on', { ctx: U, enum: ['local', 'remote_write', 'remote_apply', ...BOOL_WORDS] }),
  g('full_page_writes', 'bool', 'on'),
  g('wal_log_hints', 'bool', 'off', { ctx: R }),
  g('wal_compression', 'bool', 'off', { until: 14, ctx: U }),
  g('wal_compression', 'enum', 'off', { since: 15, ctx: U, enum: ['pglz', 'lz4', 'zstd', ...BOOL_WORDS] }),
  g('wal_buffers', 'int', '-1', { ctx: R, min: -1, max: 262143, unit: '8kB' }),
  g('checkpoint_timeout', 'int', '300', { min: 30, max: 86400, unit: 's' }),
  g('max_wal_size', 'int', '1024', { min: 2, max: INT_MAX, unit: 'MB' }),
  g('min_wal_size', 'int', '80', { min: 2, max: INT_MAX, unit: 'MB' }),
  g('archive_mode', 'enum', 'off', { ctx: R, enum: ['always', ...BOOL_WORDS] }),
  g('archive_command', 'string', ''),
  g('archive_library', 'string', '', { since: 15 }),
  g('archive_timeout', 'int', '0', { min: 0, max: 1073741823, unit: 's' }),
  // Replication: sending servers
  g('max_wal_senders', 'int', '0', { ctx: R, until: 9.6, min: 0, max: 262143 }),
  g('max_wal_senders', 'int', '10', { ctx: R, since: 10, min: 0, max: 262143 }),
  g('max_replication_slots', 'int', '0', { ctx: R, until: 9.6, min: 0, max: 262143 }),
  g('max_replication_slots', 'int', '10', { ctx: R, since: 10, min: 0, max: 262143 }),
  g('wal_keep_segments', 'int', '0', { until: 12, min: 0, max: INT_MAX }),
  g('wal_keep_size', 'int', '0', { since: 13, min: 0, max: INT_MAX, unit: 'MB' }),
  g('max_slot_wal_keep_size', 'int', '-1', { since: 13, min: -1, max: INT_MAX, unit: 'MB' }),
  g('wal_sender_timeout', 'int', '60000', { min: 0, max: INT_MAX, unit: 'ms' }),
  g('track_commit_timestamp', 'bool', 'off', { ctx: R }),
  g('synchronous_standby_names', 'string', ''),
  g('vacuum_defer_cleanup_age', 'int', '0', { until: 15, min: 0, max: 1000000 }),
  // Replication: standby servers
  g('hot_standby', 'bool', 'off', { ctx: R, until: 9.6 }),
  g('hot_standby', 'bool', 'on', { ctx: R, since: 10 }),
  g('hot_standby_feedback', 'bool', 'off'),
  g('max_standby_archive_delay', 'int', '30000', { min: -1, max: INT_MAX, unit: 'ms' }),
  g('max_standby_streaming_delay', 'int', '30000', { min: -1, max: INT_MAX, unit: 'ms' }),
  g('wal_receiver_status_interval', 'int', '10', { min: 0, max: 2147483, unit: 's' }),
  g('wal_receiver_timeout', 'int', '60000', { min: 0, max: INT_MAX, unit: 'ms' }),
  g('wal_retrieve_retry_interval', 'int', '5000', { min: 1, max: INT_MAX, unit: 'ms' }),
  g('wal_receiver_create_temp_slot', 'bool', 'off', { since: 13 }),
  g('primary_conninfo', 'string', '', { since: 12, until: 12, ctx: R }),
  g('primary_conninfo', 'string', '', { since: 13 }),
  g('primary_slot_name', 'string', '', { since: 12, until: 12, ctx: R }),
  g('primary_slot_name', 'string', '', { since: 13 }),
  g('promote_trigger_file', 'string', '', { since: 12, until: 15 }),
  g('recovery_min_apply_delay', 'int', '0', { since: 12, min: 0, max: INT_MAX, unit: 'ms' }),
  g('restore_command', 'string', '', { since: 12, until: 13, ctx: R }),
  g('restore_command', 'string', '', { since: 14 }),
  g('archive_cleanup_command', 'string', '', { since: 12 }),
  g('recovery_end_command', 'string', '', { since: 12 }),
  g('recovery_target', 'enum', '', { since: 12, ctx: R, enum: ['immediate', ''] }),
  g('recovery_target_name', 'string', '', { since: 12, ctx: R }),
  g('recovery_target_time', 'string', '', { since: 12, ctx: R }),
  g('recovery_target_xid', 'string', '', { since: 12, ctx: R }),
  g('recovery_target_lsn', 'string', '', { since: 12, ctx: R }),
  g('recovery_target_inclusive', 'bool', 'on', { since: 12, ctx: R }),
  g('recovery_target_timeline', 'string', 'latest', { since: 12, ctx: R }),
  g('recovery_target_action', 'enum', 'pause', { since: 12, ctx: R, enum: ['pause', 'promote', 'shutdown'] }),
  g('recovery_prefetch', 'enum', 'try', { since: 15, enum: ['try', ...BOOL_WORDS] }),
  g('recovery_init_sync_method', 'enum', 'fsync', { since: 14, ctx: R, enum: ['fsync', 'syncfs'] }),
  g('summarize_wal', 'bool', 'off', { since: 17 }),
  g('sync_replication_slots', 'bool', 'off', { since: 17 }),
  g('synchronized_standby_slots', 'string', '', { since: 17 }),
  // Logical replication
  g('max_logical_replication_workers', 'int', '4', { since: 10, ctx: R, min: 0, max: 262143 }),
  g('max_sync_workers_per_subscription', 'int', '2', { since: 10, min: 0, max: 262143 }),
  g('max_worker_processes', 'int', '8', { ctx: R, min: 0, max: 262143 }),
  // Memory (common)
  g('shared_buffers', 'int', '16384', { ctx: R, min: 16, max: 1073741823, unit: '8kB' }),
  g('work_mem', 'int', '4096', { ctx: U, min: 64, max: INT_MAX, unit: 'kB' }),
  g('maintenance_work_mem', 'int', '65536', { ctx: U, until: 16, min: 1024, max: INT_MAX, unit: 'kB' }),
  // 17 lowered the minimum to 64kB (measured on 17.10: 952 is accepted; --describe-config says 64).
  g('maintenance_work_mem', 'int', '65536', { ctx: U, since: 17, min: 64, max: INT_MAX, unit: 'kB' }),
  g('effective_cache_size', 'int', '524288', { ctx: U, min: 1, max: INT_MAX, unit: '8kB' }),
];

/**
 * Other GUCs known by name (any supported version) so that they are not reported as unknown.
 * Removed ones (e.g. stats_temp_directory) are in PG_REMOVED instead.
 */
const OTHER_GUC_NAMES = `
application_name array_nulls authentication_timeout autovacuum autovacuum_analyze_scale_factor
autovacuum_analyze_threshold autovacuum_freeze_max_age autovacuum_max_workers autovacuum_multixact_freeze_max_age
autovacuum_naptime autovacuum_vacuum_cost_delay autovacuum_vacuum_cost_limit autovacuum_vacuum_insert_scale_factor
autovacuum_vacuum_insert_threshold autovacuum_vacuum_scale_factor autovacuum_vacuum_threshold autovacuum_work_mem
backend_flush_after backslash_quote bgwriter_delay bgwriter_flush_after bgwriter_lru_maxpages bgwriter_lru_multiplier
bonjour bonjour_name bytea_output check_function_bodies checkpoint_completion_target checkpoint_flush_after
checkpoint_warning client_connection_check_interval client_encoding client_min_messages cluster_name commit_delay
commit_siblings compute_query_id config_file constraint_exclusion cpu_index_tuple_cost cpu_operator_cost
cpu_tuple_cost cursor_tuple_fraction data_directory data_sync_retry DateStyle deadlock_timeout debug_parallel_query
debug_pretty_print debug_print_parse debug_print_plan debug_print_rewritten default_statistics_target
default_table_access_method default_tablespace default_text_search_config default_toast_compression
default_transaction_deferrable default_transaction_isolation default_transaction_read_only dynamic_library_path
dynamic_shared_memory_type effective_io_concurrency enable_async_append enable_bitmapscan enable_gathermerge
enable_group_by_reordering enable_hashagg enable_hashjoin enable_incremental_sort enable_indexonlyscan
enable_indexscan enable_material enable_memoize enable_mergejoin enable_nestloop enable_parallel_append
enable_parallel_hash enable_partition_pruning enable_partitionwise_aggregate enable_partitionwise_join
enable_presorted_aggregate enable_seqscan enable_sort enable_tidscan escape_string_warning event_source
event_triggers exit_on_error external_pid_file extra_float_digits force_parallel_mode from_collapse_limit geqo
geqo_effort geqo_generations geqo_pool_size geqo_seed geqo_selection_bias geqo_threshold gin_fuzzy_search_limit
gin_pending_list_limit gss_accept_delegation hash_mem_multiplier hba_file huge_pages huge_page_size icu_validation_level
ident_file idle_in_transaction_session_timeout idle_session_timeout IntervalStyle io_combine_limit jit jit_above_cost
jit_debugging_support jit_dump_bitcode jit_expressions jit_inline_above_cost jit_optimize_above_cost
jit_profiling_support jit_provider jit_tuple_deforming join_collapse_limit krb_caseins_users krb_server_keyfile
lc_messages lc_monetary lc_numeric lc_time lo_compat_privileges local_preload_libraries lock_timeout
log_autovacuum_min_duration log_checkpoints log_connections log_destination log_directory log_disconnections
log_duration log_error_verbosity log_executor_stats log_file_mode log_filename log_hostname log_line_prefix
log_lock_waits log_min_duration_sample log_min_duration_statement log_min_error_statement log_min_messages
log_parameter_max_length log_parameter_max_length_on_error log_parser_stats log_planner_stats
log_recovery_conflict_waits log_replication_commands log_rotation_age log_rotation_size log_startup_progress_interval
log_statement log_statement_sample_rate log_statement_stats log_temp_files log_timezone log_transaction_sample_rate
log_truncate_on_rotation logging_collector logical_decoding_work_mem maintenance_io_concurrency max_connections
max_files_per_process max_locks_per_transaction max_notify_queue_pages max_parallel_apply_workers_per_subscription
max_parallel_maintenance_workers max_parallel_workers max_parallel_workers_per_gather max_pred_locks_per_page
max_pred_locks_per_relation max_pred_locks_per_transaction max_prepared_transactions max_stack_depth
min_dynamic_shared_memory min_parallel_index_scan_size min_parallel_table_scan_size multixact_member_buffers
multixact_offset_buffers notify_buffers parallel_leader_participation parallel_setup_cost parallel_tuple_cost
plan_cache_mode post_auth_delay pre_auth_delay quote_all_identifiers random_page_cost recursive_worktable_factor
remove_temp_files_after_crash reserved_connections restart_after_crash row_security scram_iterations search_path
send_abort_for_crash send_abort_for_kill seq_page_cost serializable_buffers session_preload_libraries
session_replication_role shared_memory_type shared_preload_libraries ssl_ca_file ssl_cert_file ssl_ciphers
ssl_crl_dir ssl_crl_file ssl_dh_params_file ssl_ecdh_curve ssl_key_file ssl_max_protocol_version
ssl_min_protocol_version ssl_passphrase_command ssl_passphrase_command_supports_reload ssl_prefer_server_ciphers
standard_conforming_strings statement_timeout stats_fetch_consistency subtransaction_buffers syslog_facility
syslog_ident syslog_sequence_numbers syslog_split_messages tcp_keepalives_count tcp_keepalives_idle
tcp_keepalives_interval tcp_user_timeout temp_buffers temp_file_limit temp_tablespaces TimeZone timezone_abbreviations
trace_notify trace_recovery_messages trace_sort track_activities track_activity_query_size track_counts
track_functions track_io_timing track_wal_io_timing transaction_buffers transaction_deferrable transaction_isolation
transaction_read_only transaction_timeout transform_null_equals unix_socket_directories unix_socket_group
unix_socket_permissions update_process_title vacuum_buffer_usage_limit vacuum_cost_delay vacuum_cost_limit
vacuum_cost_page_dirty vacuum_cost_page_hit vacuum_cost_page_miss vacuum_failsafe_age vacuum_freeze_min_age
vacuum_freeze_table_age vacuum_multixact_failsafe_age vacuum_multixact_freeze_min_age vacuum_multixact_freeze_table_age
wal_consistency_checking wal_decode_buffer_size wal_init_zero wal_recycle wal_skip_threshold wal_sync_method
wal_writer_delay wal_writer_flush_after work_mem xmlbinary xmloption zero_damaged_pages
allow_alter_system allow_in_place_tablespaces allow_system_table_mods commit_timestamp_buffers createrole_self_grant
db_user_namespace enable_self_join_elimination event_triggers gss_accept_delegation old_snapshot_threshold
password_encryption replacement_sort_tuples row_security operator_precedence_warning stats_temp_directory
trace_connection_negotiation huge_pages_status data_checksums block_size segment_size wal_block_size wal_segment_size
server_encoding server_version server_version_num lc_collate lc_ctype max_function_args max_identifier_length
max_index_keys integer_datetimes debug_assertions in_hot_standby ssl_library shared_memory_size
shared_memory_size_in_huge_pages krb_srvname ignore_checksum_failure ignore_invalid_pages ignore_system_indexes
jit_enabled trace_locks trace_lwlocks trace_userlocks trace_lock_oidmin trace_lock_table debug_deadlocks
log_btree_build_stats wal_debug debug_discard_caches debug_io_direct debug_logical_replication_streaming
logical_replication_mode synchronize_seqscans
`.trim().split(/\s+/).map((n) => n.toLowerCase());

export const PG_OTHER_NAMES: ReadonlySet<string> = new Set(OTHER_GUC_NAMES);

export interface PgRemoval {
  name: string;
  /** First major version where the name is unknown. */
  removedIn: number;
  replacement?: string;
  note: string;
}

export const PG_REMOVED: readonly PgRemoval[] = [
  { name: 'wal_keep_segments', removedIn: 13, replacement: 'wal_keep_size',
    note: 'wal_keep_size is in megabytes: wal_keep_segments x 16MB (e.g. 64 segments = 1GB)' },
  { name: 'promote_trigger_file', removedIn: 16, note: 'promote with pg_ctl promote or SELECT pg_promote()' },
  { name: 'trigger_file', removedIn: 12, replacement: 'promote_trigger_file', note: 'trigger_file was a recovery.conf setting; 12 renamed it promote_trigger_file and 16 removed that' },
  { name: 'standby_mode', removedIn: 12, note: 'create an empty standby.signal file in the data directory instead' },
  { name: 'checkpoint_segments', removedIn: 9.5, replacement: 'max_wal_size', note: 'replaced by max_wal_size/min_wal_size in 9.5' },
  { name: 'pause_at_recovery_target', removedIn: 12, replacement: 'recovery_target_action', note: "use recovery_target_action = 'pause'" },
  { name: 'stats_temp_directory', removedIn: 15, note: 'statistics live in shared memory since 15' },
  { name: 'vacuum_defer_cleanup_age', removedIn: 16, note: 'use hot_standby_feedback or replication slots' },
  { name: 'operator_precedence_warning', removedIn: 14, note: 'removed' },
  { name: 'replacement_sort_tuples', removedIn: 11, note: 'removed' },
  { name: 'min_parallel_relation_size', removedIn: 10, replacement: 'min_parallel_table_scan_size', note: 'renamed in 10' },
  { name: 'force_parallel_mode', removedIn: 16, replacement: 'debug_parallel_query', note: 'renamed in 16' },
  { name: 'old_snapshot_threshold', removedIn: 17, note: 'removed in 17' },
  { name: 'db_user_namespace', removedIn: 17, note: 'removed in 17' },
  { name: 'lc_collate', removedIn: 16, note: 'read-only; set at initdb' },
];

const pgCache = new Map<number, Map<string, PgGuc>>();

/** Detailed GUCs valid for a major version. */
export function pgCatalog(version: number): Map<string, PgGuc> {
  const cached = pgCache.get(version);
  if (cached) return cached;
  const map = new Map<string, PgGuc>();
  for (const guc of PG_GUCS) {
    if (guc.since <= version && (guc.until === undefined || version <= guc.until)) map.set(guc.name, guc);
  }
  pgCache.set(version, map);
  return map;
}

/** Any version that has this detailed GUC, for "added in" notes. */
export function pgGucHistory(name: string): PgGuc[] {
  return PG_GUCS.filter((g2) => g2.name === name);
}
