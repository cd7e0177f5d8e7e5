/**
 * PostgreSQL GUCs whose own check hooks refuse values of the wrong shape: the server stops with "invalid value for
 * parameter". Each check follows the server's hook (verified against PostgreSQL 11, 15 and 17 by the differential
 * test); where the answer depends on data the text does not carry, only clear cases are reported.
 */
import { pgLabel, type RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import type { ParamSpec } from '../catalog/spec';
import { PG_ABBREVIATION_SETS, PG_ZONE_NAMES } from '../catalog/postgresZones.generated';
import { parseNumber } from '../values';
import { syncStandbyNamesError } from './syncStandbyNames';

type Check = (value: string, version: number) => string | undefined;

// Which locales exist depends on the host; a name without a territory (measured: 'on' is refused) is a clear case.
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

const STRTOD = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;
/**
 * What could be a POSIX TZ rule (tzparse): an optional zone abbreviation, then an offset. PostgreSQL's tzparse
 * even allows an empty abbreviation (measured: '94s' and '12abc' are accepted), so anything of that shape is not
 * judged: whether the rest parses depends on details the validator does not model.
 */
const POSIX_TZ = /^(?:[A-Za-z]*|<[A-Za-z0-9+-]*>)[+-]?\d/;

/** check_timezone: hours as a number (|h| < 168), "interval ..." (not judged), a zone name, or a POSIX TZ rule. */
const timeZone: Check = (v) => {
  if (STRTOD.test(v)) {
    const hours = /^\s*[+-]?0[xX]/.test(v) ? parseInt(v, 16) : Number(v);
    return Math.abs(hours) < 168 ? undefined : `${v} hours is outside the UTC offsets PostgreSQL accepts (less than 168 hours either way)`;
  }
  if (/^interval/i.test(v) || PG_ZONE_NAMES.has(v.toLowerCase()) || POSIX_TZ.test(v)) return undefined;
  return `"${v}" is not a time zone name PostgreSQL knows (such as UTC or Europe/Berlin), a UTC offset in hours, or a POSIX time zone rule`;
};

const abbreviations: Check = (v) => (PG_ABBREVIATION_SETS.includes(v) ? undefined
  : `"${v}" is not a time zone abbreviation set; PostgreSQL ships ${PG_ABBREVIATION_SETS.join(', ')} (file names in share/timezonesets, case-sensitive)`);

/** ReplicationSlotValidateName: lower-case letters, digits and underscores, at most 63 characters. */
const slotName: Check = (v) => (v === '' || /^[a-z0-9_]{1,63}$/.test(v) ? undefined
  : `"${v}" is not a replication slot name (lower-case letters, digits and underscores, at most 63 characters)`);

/**
 * check_recovery_target_time parses a timestamp with time zone. Only clear cases are reported: a bare number
 * that is not a YYMMDD/YYYYMMDD date (measured: 99999999999 is refused), or text without a digit (now/today are
 * refused by the hook; epoch and infinity are let through).
 */
const recoveryTargetTime: Check = (v) => {
  const t = v.trim();
  if (t === '' || /^[+-]?infinity$|^epoch$/i.test(t)) return undefined;
  if (/^[+-]?\d+(\.\d*)?$/.test(t) && !/^\d{6}$|^\d{8}$/.test(t)) return `"${v}" is not a timestamp such as 2024-05-01 12:00:00+00`;
  if (!/\d/.test(t)) return `"${v}" is not a timestamp such as 2024-05-01 12:00:00+00`;
  return undefined;
};

const CHECKS: Record<string, Check> = {
  recovery_target_time: recoveryTargetTime,
  recovery_target_lsn: shape(/^([0-9a-f]{1,8}\/[0-9a-f]{1,8})?$/i, 'an LSN such as 0/3000060'),
  client_encoding: shape(/^[a-z][a-z0-9_]*$/i, 'an encoding name such as UTF8'),
  lc_messages: locale, lc_monetary: locale, lc_numeric: locale, lc_time: locale,
  log_destination: logDestination,
  synchronous_standby_names: (v) => syncStandbyNamesError(v),
  timezone: timeZone,
  log_timezone: timeZone,
  timezone_abbreviations: abbreviations,
  primary_slot_name: slotName,
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
