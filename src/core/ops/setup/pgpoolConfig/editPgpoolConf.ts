/**
 * Edits an existing pgpool.conf instead of replacing it: only the parameters "Configure pgpool" manages are
 * written, every other line and comment stays byte for byte. pgpool reads the last occurrence of a name, so
 * a managed value is written there and earlier occurrences are commented out; missing ones are appended in
 * one marked block.
 */
import { PGPOOL_RENAMES } from '../../../conf/catalog/pgpoolHistory';
import { parseConf, type ConfEntry } from '../../../conf/parser';
import { SECRET_PARAMS } from './watchdog';

/**
 * `set`: what the tool needs, written as generated. `site`: a site choice the generator only has a default
 * for (sockets, pool sizes, stored passwords, logging, load balancing, backend flags and weights, ...): it
 * is written into a new file only; in an existing one the file's value, or pgpool's own default, stays.
 */
export type ManagedPolicy = 'set' | 'site';

const SITE = new Set([
  'listen_addresses', 'pcp_listen_addresses', 'unix_socket_directories', 'socket_dir', 'pcp_socket_dir', 'wd_ipc_socket_dir',
  'num_init_children', 'max_pool', 'enable_pool_hba', 'pool_passwd', 'pid_file_name', 'logdir', 'work_dir',
  'load_balance_mode', 'sr_check_password', 'sr_check_database', 'health_check_password', 'health_check_database',
  'search_primary_node_timeout', 'auto_failback', 'recovery_password', 'recovery_timeout', 'recovery_database',
  'log_destination', 'log_min_messages',
  // Watchdog: how this site moves its VIP (sudo rule or capability, device) and who it trusts.
  'if_cmd_path', 'if_up_cmd', 'if_down_cmd', 'arping_path', 'arping_cmd', 'trusted_servers', 'wd_priority',
]);
const SITE_INDEXED = /^(?:backend_(?:weight|flag)|heartbeat_device)\d+$/;

export function managedPolicy(name: string): ManagedPolicy {
  const n = name.toLowerCase();
  return SITE.has(n) || SITE_INDEXED.test(n) ? 'site' : 'set';
}

export interface DesiredParam {
  readonly name: string;
  /** As it is written after `=`, quotes included (from the generator). */
  readonly rawValue: string;
  /** The value pgpool sees. */
  readonly value: string;
  readonly policy: ManagedPolicy;
}

export type ParamChangeKind = 'changed' | 'added' | 'unchanged' | 'kept';

export interface ParamChange {
  readonly name: string;
  /**
   * changed: old -> new; added: not in the file; unchanged: already the managed value;
   * kept: a site choice the tool leaves alone (the file's value, or pgpool's default when `old` is unset).
   */
  readonly kind: ParamChangeKind;
  /** The value pgpool reads today (last occurrence), when there is one. */
  readonly old?: string;
  readonly new: string;
  /** Earlier occurrences and lines under an older name commented out (pgpool ignores them). */
  readonly duplicatesCommented: number;
  /** The older name (e.g. follow_master_command) whose line now carries this parameter. */
  readonly renamedFrom?: string;
}

export interface ConfEdit {
  readonly text: string;
  readonly changes: readonly ParamChange[];
}

export const MANAGED_BLOCK_MARKER = '# pgpool-cluster: managed parameters added by Configure pgpool';
export const DUPLICATE_PREFIX = '#pgpool-cluster: superseded by a later line: ';
export const RENAMED_PREFIX = '#pgpool-cluster: old name, superseded: ';

/** Older names of a parameter the generator writes under its current name (master_slave_mode, follow_master_command, ...). */
function olderNames(name: string): string[] {
  return PGPOOL_RENAMES.filter((r) => !r.indexed && r.replacement === name).map((r) => r.old.toLowerCase());
}

/** The parameters of a generated pgpool.conf, in its order, with their policies. */
export function desiredParams(generated: string): DesiredParam[] {
  return parseConf(generated, 'pgpool').entries
    .filter((e) => e.kind === 'setting')
    .map((e) => ({ name: e.name, rawValue: e.rawValue, value: e.value, policy: managedPolicy(e.name) }));
}

const TRUE = new Set(['on', 'true', 'yes', '1']);
const FALSE = new Set(['off', 'false', 'no', '0']);

/** Same value as pgpool reads it (booleans in any spelling, case of keywords). */
function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = a.trim().toLowerCase();
  const y = b.trim().toLowerCase();
  if ((TRUE.has(x) && TRUE.has(y)) || (FALSE.has(x) && FALSE.has(y))) return true;
  return /^[a-z_]+$/.test(x) && x === y;
}

/**
 * Writes the managed parameters into `current`. Undefined `current` (no file yet) yields `generated` itself.
 * Idempotent: editing the result again with the same parameters changes nothing.
 */
export function editPgpoolConf(current: string | undefined, generated: string): ConfEdit {
  const desired = desiredParams(generated);
  if (current === undefined) {
    return { text: generated, changes: desired.map((d) => ({ name: d.name, kind: 'added', new: d.value, duplicatesCommented: 0 })) };
  }
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const parsed = parseConf(current, 'pgpool');
  const lines = [...parsed.lines];
  const byName = new Map<string, ConfEntry[]>();
  for (const e of parsed.entries) {
    if (e.kind !== 'setting') continue;
    const k = e.name.toLowerCase();
    const list = byName.get(k);
    if (list) list.push(e); else byName.set(k, [e]);
  }
  const changes: ParamChange[] = [];
  const missing: DesiredParam[] = [];
  for (const d of desired) {
    const occurrences = byName.get(d.name.toLowerCase()) ?? [];
    const last = occurrences[occurrences.length - 1];
    if (d.policy === 'site') {
      changes.push(last ? { name: d.name, kind: 'kept', old: last.value, new: last.value, duplicatesCommented: 0 } : { name: d.name, kind: 'kept', new: d.value, duplicatesCommented: 0 });
      continue;
    }
    const older = olderNames(d.name).flatMap((n) => byName.get(n) ?? []).sort((a, b) => a.line - b.line);
    if (!last) {
      const carrier = older[older.length - 1];
      if (!carrier) {
        missing.push(d);
        changes.push({ name: d.name, kind: 'added', new: d.value, duplicatesCommented: 0 });
        continue;
      }
      // The line under the older name becomes this parameter (pgpool ignores the older name).
      const line = lines[carrier.line] ?? '';
      lines[carrier.line] = line.slice(0, carrier.nameRange.start.character) + d.name
        + line.slice(carrier.nameRange.end.character, carrier.valueRange.start.character) + d.rawValue + line.slice(carrier.valueRange.end.character);
      const rest = older.slice(0, -1);
      for (const e of rest) lines[e.line] = `${RENAMED_PREFIX}${lines[e.line] ?? ''}`;
      changes.push({ name: d.name, kind: 'changed', old: carrier.value, new: d.value, duplicatesCommented: rest.length, renamedFrom: carrier.name });
      continue;
    }
    for (const e of older) lines[e.line] = `${RENAMED_PREFIX}${lines[e.line] ?? ''}`;
    const same = sameValue(last.value, d.value);
    if (!same) {
      const line = lines[last.line] ?? '';
      lines[last.line] = line.slice(0, last.valueRange.start.character) + d.rawValue + line.slice(last.valueRange.end.character);
    }
    const earlier = occurrences.slice(0, -1);
    for (const e of earlier) lines[e.line] = `${DUPLICATE_PREFIX}${lines[e.line] ?? ''}`;
    changes.push({ name: d.name, kind: same ? 'unchanged' : 'changed', old: last.value, new: d.value, duplicatesCommented: earlier.length + older.length });
  }
  if (missing.length) insertBlock(lines, missing.map((d) => `${d.name} = ${d.rawValue}`));
  return { text: lines.join(eol), changes };
}

/** Appends to the marked block (after its last non-blank line), or starts one at the end of the file. */
function insertBlock(lines: string[], add: readonly string[]): void {
  const marker = lines.findIndex((l) => l.trim() === MANAGED_BLOCK_MARKER);
  if (marker >= 0) {
    let end = marker + 1;
    while (end < lines.length && (lines[end] ?? '').trim() !== '') end++;
    lines.splice(end, 0, ...add);
    return;
  }
  // Keep the file's final newline: the last element of a text ending in a newline is ''.
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const lead = lines.length && (lines[lines.length - 1] ?? '').trim() !== '' ? [''] : [];
  lines.push(...lead, MANAGED_BLOCK_MARKER, '# (values in this block may be edited; Configure pgpool writes them again)', ...add);
  lines.push('');
}

/**
 * Per-node settings (`health_check_period0`, ...) that override a managed global one for that node; pgpool
 * 4.x reads them first, so the profile does not reach those nodes. They are the site's: left alone, reported.
 */
export function perNodeOverrides(current: string | undefined, changes: readonly ParamChange[]): string[] {
  if (current === undefined) return [];
  const managed = new Set(changes.filter((c) => c.kind === 'changed' || c.kind === 'unchanged' || c.kind === 'added').map((c) => c.name.toLowerCase()));
  const last = new Map<string, ConfEntry>();
  for (const e of parseConf(current, 'pgpool').entries) if (e.kind === 'setting') last.set(e.name.toLowerCase(), e);
  const out: string[] = [];
  for (const [key, e] of last) {
    const m = /^(health_check_[a-z_]+?)(\d+)$/.exec(key);
    if (m && managed.has(m[1] ?? '')) out.push(`${e.name} = ${e.value} (line ${e.line + 1}) overrides ${m[1] ?? ''} for node ${m[2] ?? ''}`);
  }
  return out;
}

/** One line per managed parameter for the plan: `name: old -> new`, `added`, `left alone`. */
export function describeChanges(changes: readonly ParamChange[]): string[] {
  return changes.map((c) => {
    if (SECRET_PARAMS.has(c.name.toLowerCase())) return `${c.name}: ${c.kind === 'unchanged' || c.kind === 'kept' ? 'left alone' : c.kind} (secret, not shown)`;
    const dup = c.duplicatesCommented ? ` (${c.duplicatesCommented} earlier duplicate(s) commented out)` : '';
    switch (c.kind) {
      case 'changed': return `${c.name}: ${c.renamedFrom ? `${c.renamedFrom} = ` : ''}${show(c.old)} -> ${show(c.new)}${dup}`;
      case 'added': return `${c.name}: added = ${show(c.new)}`;
      case 'unchanged': return `${c.name}: left alone (already ${show(c.new)})${dup}`;
      case 'kept':
        if (c.old === undefined) return `${c.name}: left alone (not set: pgpool's default)`;
        return `${c.name}: left alone (site value ${c.name.endsWith('password') ? 'kept' : show(c.old)})`;
    }
  });
}

const show = (v: string | undefined): string => (v === undefined ? '(unset)' : `'${v}'`);
