/** recovery.conf -> standby.signal/recovery.signal + postgresql.auto.conf lines (PostgreSQL 12+). */
import { pgLabel } from './context';
import { parseConf } from './parser';
import { parseBool } from './values';

export interface RecoveryMigration {
  /** File to create (empty) in the data directory. */
  signalFile: 'standby.signal' | 'recovery.signal';
  /** Lines to append to postgresql.auto.conf (or an included file). */
  autoConf: string;
  /** What could not be carried over, and why. */
  notes: string[];
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export function migrateRecoveryConf(text: string, postgresVersion = 17): RecoveryMigration {
  const doc = parseConf(text, 'postgresql');
  const notes: string[] = [];
  const lines: string[] = [`# Migrated from recovery.conf for PostgreSQL ${pgLabel(postgresVersion)}`];
  let standby = false;
  const seen = new Map<string, string>();
  for (const e of doc.entries) if (e.kind === 'setting') seen.set(e.key, e.value);
  for (const [key, value] of seen) {
    switch (key) {
      case 'standby_mode':
        standby = parseBool(value) ?? false;
        break;
      case 'trigger_file':
        if (postgresVersion >= 16) notes.push('trigger_file dropped: PostgreSQL 16 removed promote_trigger_file; promote with pg_ctl promote or SELECT pg_promote().');
        else lines.push(`promote_trigger_file = ${quote(value)}`);
        break;
      case 'pause_at_recovery_target':
        lines.push(`recovery_target_action = ${quote((parseBool(value) ?? true) ? 'pause' : 'promote')}`);
        break;
      default:
        lines.push(`${key} = ${quote(value)}`);
    }
  }
  for (const p of doc.problems) notes.push(`line ${p.range.start.line + 1} skipped: ${p.message}`);
  if (!seen.has('recovery_target_timeline') && standby) {
    notes.push("recovery_target_timeline now defaults to 'latest' (PostgreSQL 12+), which standbys following a failover need.");
  }
  notes.push(`Create an empty ${standby ? 'standby.signal' : 'recovery.signal'} in the data directory and remove recovery.conf; a PostgreSQL 12+ server refuses to start while recovery.conf exists.`);
  return { signalFile: standby ? 'standby.signal' : 'recovery.signal', autoConf: `${lines.join('\n')}\n`, notes };
}
