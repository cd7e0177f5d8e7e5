/**
 * PostgreSQL GUCs whose own check hooks refuse values of the wrong shape: the server stops with "invalid value for
 * parameter". Each check follows the server's hook (verified against PostgreSQL 11, 15 and 17 by the differential
 * test); where the answer depends on data the text does not carry, only clear cases are reported.
 */
import { pgLabel, type RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import type { ParamSpec } from '../catalog/spec';
import { PG_ABBREVIATION_SETS } from '../catalog/postgresZones.generated';
import { timeZoneError, timestampError } from './postgresTime';
import { parseNumber } from '../values';
import { syncStandbyNamesError } from './syncStandbyNames';

type Check = (value: string, version: number) => string | undefined;

// Which locales exist depends on the host; a name without a territory (measured: 'on' is refused) is a clear case.
// An empty lc_monetary/lc_numeric/lc_time is accepted on every host: the postmaster pins those categories' environment to C.
const LOCALE = /^(|c|posix|c\.[a-z0-9_-]+|[a-z]{2,3}_[a-z]{2}(\.[a-z0-9_-]+)?(@[a-z0-9]+)?)$/i;
const shape = (re: RegExp, what: string): Check => (v) => (re.test(v) ? undefined : `"${v}" is not ${what}`);
const locale = shape(LOCALE, 'a locale name such as C or en_US.UTF-8');

/** SplitIdentifierString (','): trimmed, lower-cased unless double-quoted; undefined when the list is malformed. */
export function splitIdentifierList(raw: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const s = raw;
  const space = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (space(s[i])) i++;
  if (i >= s.length) return out;
  for (;;) {
    let item = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        const end = s.indexOf('"', i);
        if (end < 0) return undefined;
        item += s.slice(i, end);
        i = end + 1;
        if (s[i] === '"') { item += '"'; i++; continue; }
        break;
      }
    } else {
      const start = i;
      while (i < s.length && s[i] !== ',' && !space(s[i])) i++;
      if (i === start) return undefined;
      item = s.slice(start, i).toLowerCase();
    }
    out.push(item);
    while (space(s[i])) i++;
    if (i >= s.length) return out;
    if (s[i] !== ',') return undefined;
    i++;
    while (space(s[i])) i++;
  }
}

const logDestination: Check = (v, version) => {
  const items = splitIdentifierList(v);
  if (!items) return `"${v}" is not a comma-separated list of log destinations`;
  const known = ['stderr', 'csvlog', 'syslog', ...(version >= 15 ? ['jsonlog'] : [])];
  const bad = items.find((i) => !known.includes(i));
  if (bad === undefined) return undefined;
  return `"${bad}" is not a log destination for PostgreSQL ${pgLabel(version)} (${known.join(', ')}${bad === 'eventlog' ? '; eventlog exists only on Windows' : ''})`;
};

const abbreviations: Check = (v) => (PG_ABBREVIATION_SETS.includes(v) ? undefined
  : `"${v}" is not a time zone abbreviation set; PostgreSQL ships ${PG_ABBREVIATION_SETS.join(', ')} (file names in share/timezonesets, case-sensitive)`);

/** ReplicationSlotValidateName: lower-case letters, digits and underscores, at most 63 characters. */
const slotName: Check = (v) => (v === '' || /^[a-z0-9_]{1,63}$/.test(v) ? undefined
  : `"${v}" is not a replication slot name (lower-case letters, digits and underscores, at most 63 characters)`);

/** check_datestyle: a list of keywords, at most one output style and one field order (repeating one is fine). */
const dateStyle: Check = (v) => {
  const items = splitIdentifierList(v);
  if (!items) return `"${v}" is not a comma-separated list of DateStyle keywords`;
  let style: string | undefined;
  let order: string | undefined;
  for (const item of items) {
    const w = item.toLowerCase();
    const s = w === 'iso' ? 'ISO' : w === 'sql' ? 'SQL' : w.startsWith('postgres') ? 'Postgres' : w === 'german' ? 'German' : undefined;
    const o = w === 'ymd' ? 'YMD' : w === 'dmy' || w.startsWith('euro') ? 'DMY' : w === 'mdy' || w === 'us' || w.startsWith('noneuro') ? 'MDY' : undefined;
    if (s) {
      if (style && style !== s) return `"${v}" names two output styles (${style} and ${s})`;
      style = s;
    } else if (o) {
      if (order && order !== o) return `"${v}" names two field orders (${order} and ${o})`;
      order = o;
    } else if (w !== 'default') {
      return `"${item}" is not a DateStyle keyword (ISO, SQL, Postgres or German, and MDY, DMY or YMD; also US, European, NonEuropean, Default)`;
    }
  }
  return undefined;
};

/** check_createrole_self_grant (16+): a list of 'set' and 'inherit'. */
const createroleSelfGrant: Check = (v) => {
  const items = splitIdentifierList(v);
  if (!items) return `"${v}" is not a comma-separated list of 'set' and 'inherit'`;
  const bad = items.find((i) => !/^(set|inherit)$/i.test(i));
  return bad === undefined ? undefined : `"${bad}" is not an option of createrole_self_grant (an empty string, 'set', 'inherit' or 'set, inherit')`;
};

/** check_locale_messages refuses an empty value from a file (only the built-in default may be empty). */
const messagesLocale: Check = (v) => (v === '' ? "an empty lc_messages is refused outside the built-in default; write 'C' or a locale name"
  : locale(v, 0));

/** check_synchronized_standby_slots (17+): slot names, each cut to 63 characters by the list parser first. */
const standbySlots: Check = (v) => {
  const items = splitIdentifierList(v);
  if (!items) return `"${v}" is not a comma-separated list of replication slot names`;
  const bad = items.find((i) => !/^[a-z0-9_]+$/.test(i));
  return bad === undefined ? undefined : `"${bad}" is not a replication slot name (lower-case letters, digits and underscores)`;
};

const CHECKS: Record<string, Check> = {
  recovery_target_time: (v) => timestampError(v),
  recovery_target_lsn: shape(/^([0-9a-f]{1,8}\/[0-9a-f]{1,8})?$/i, 'an LSN such as 0/3000060'),
  client_encoding: shape(/^[a-z][a-z0-9_]*$/i, 'an encoding name such as UTF8'),
  datestyle: dateStyle,
  createrole_self_grant: createroleSelfGrant,
  lc_messages: messagesLocale, lc_monetary: locale, lc_numeric: locale, lc_time: locale,
  log_destination: logDestination,
  synchronous_standby_names: (v) => syncStandbyNamesError(v),
  timezone: (v) => timeZoneError(v),
  log_timezone: (v) => timeZoneError(v),
  timezone_abbreviations: abbreviations,
  primary_slot_name: slotName,
  synchronized_standby_slots: standbySlots,
};

/** SLRU caches of 17+: the value (in 8kB pages) must be a multiple of the bank size, 16. */
const SLRU_BUFFERS = new Set(['commit_timestamp_buffers', 'multixact_member_buffers', 'multixact_offset_buffers', 'notify_buffers',
  'serializable_buffers', 'subtransaction_buffers', 'transaction_buffers']);

export function checkPgHooks(ctx: RuleContext, e: ConfEntry, spec: ParamSpec): void {
  const check = CHECKS[e.key];
  const problem = check && spec.type === 'string' ? check(e.value, ctx.postgres) : undefined;
  if (problem) {
    ctx.report({ range: e.valueRange, severity: 'error', code: 'postgresql/invalid-value',
      message: `${problem}: PostgreSQL refuses ${e.name} = '${e.value}' and does not start.` });
    return;
  }
  if (ctx.postgres >= 17 && SLRU_BUFFERS.has(e.key) && (spec.type === 'int')) {
    const p = parseNumber(e.value, spec.unit, true);
    if (p.ok && p.value % 16 !== 0 && (spec.min === undefined || p.value >= spec.min) && (spec.max === undefined || p.value <= spec.max)) {
      ctx.report({ range: e.valueRange, severity: 'error', code: 'postgresql/invalid-value',
        message: `${e.name} must be a multiple of 16 pages (128kB) since PostgreSQL 17 (the SLRU bank size); ${e.value} is ${p.value} pages. The server does not start.` });
    }
  }
}
