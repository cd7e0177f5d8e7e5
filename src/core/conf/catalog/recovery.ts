/** recovery.conf parameters (PostgreSQL <= 11): not GUCs; an unknown key there stops the server. */
import type { ParamSpec, ParamType, ParamUnit } from './spec';

export interface RecoveryParam extends ParamSpec {
  since: number;
  /** The PostgreSQL 12+ GUC that replaces it, or a sentence when there is none. */
  replacement: string;
  deprecatedSince?: number;
}

function r(name: string, type: ParamType, since: number, replacement: string, extra: Partial<RecoveryParam> = {}): RecoveryParam {
  return { name, type, default: '', context: 'restart', indexed: 'no', since, replacement, ...extra };
}
const ms: ParamUnit = 'ms';

export const RECOVERY_PARAMS: readonly RecoveryParam[] = [
  r('standby_mode', 'bool', 9.0, 'an empty standby.signal file in the data directory', { default: 'off' }),
  r('primary_conninfo', 'string', 9.0, 'primary_conninfo'),
  r('primary_slot_name', 'string', 9.4, 'primary_slot_name'),
  r('trigger_file', 'string', 9.0, 'promote_trigger_file (12-15); pg_ctl promote or pg_promote() from 16'),
  r('recovery_min_apply_delay', 'int', 9.4, 'recovery_min_apply_delay', { unit: ms, min: 0, max: 2147483647, default: '0' }),
  r('restore_command', 'string', 8.0, 'restore_command'),
  r('archive_cleanup_command', 'string', 9.0, 'archive_cleanup_command'),
  r('recovery_end_command', 'string', 9.0, 'recovery_end_command'),
  r('recovery_target_name', 'string', 9.1, 'recovery_target_name'),
  r('recovery_target_time', 'string', 8.0, 'recovery_target_time'),
  r('recovery_target_xid', 'string', 8.0, 'recovery_target_xid'),
  r('recovery_target_lsn', 'string', 10, 'recovery_target_lsn'),
  r('recovery_target', 'enum', 9.4, 'recovery_target', { enumValues: ['immediate'] }),
  r('recovery_target_inclusive', 'bool', 8.0, 'recovery_target_inclusive', { default: 'on' }),
  r('recovery_target_timeline', 'string', 8.0, 'recovery_target_timeline'),
  r('pause_at_recovery_target', 'bool', 9.1, "recovery_target_action = 'pause'", { deprecatedSince: 9.5 }),
  r('recovery_target_action', 'enum', 9.5, 'recovery_target_action', { enumValues: ['pause', 'promote', 'shutdown'], default: 'pause' }),
];

export const RECOVERY_BY_NAME: ReadonlyMap<string, RecoveryParam> = new Map(RECOVERY_PARAMS.map((p) => [p.name, p]));
