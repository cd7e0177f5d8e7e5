/**
 * The time values PostgreSQL's check hooks parse while reading postgresql.conf: POSIX time zone rules (its copy of
 * tzcode's tzparse, reached by TimeZone/log_timezone) and timestamps (recovery_target_time). Each function returns
 * why the server refuses the value, or undefined when it accepts it or the answer is not clear from the text.
 * Measured against PostgreSQL 11, 15 and 17 (test/differential).
 */
import { PG_ZONE_NAMES } from '../catalog/postgresZones.generated';

/** tzcode's getnum: digits only, refused as soon as the number passes max. */
function getnum(s: string, i: number, min: number, max: number): number | undefined {
  if (!/[0-9]/.test(s[i] ?? '')) return undefined;
  let n = 0;
  while (/[0-9]/.test(s[i] ?? '')) {
    n = n * 10 + Number(s[i]);
    if (n > max) return undefined;
    i++;
  }
  return n < min ? undefined : i;
}

/** getsecs: hh[:mm[:ss]] with hours up to 167 (a week, for rules like M10.4.6/26), minutes 0-59, seconds 0-60. */
function getsecs(s: string, i: number): number | undefined {
  let at = getnum(s, i, 0, 24 * 7 - 1);
  if (at === undefined) return undefined;
  if (s[at] === ':') {
    at = getnum(s, at + 1, 0, 59);
    if (at === undefined) return undefined;
    if (s[at] === ':') at = getnum(s, at + 1, 0, 60);
  }
  return at;
}

function getoffset(s: string, i: number): number | undefined {
  return getsecs(s, s[i] === '-' || s[i] === '+' ? i + 1 : i);
}

/** getzname: anything up to a digit, a comma, a sign or the end (spaces and semicolons included). */
function getzname(s: string, i: number): number {
  while (i < s.length && !/[0-9,+-]/.test(s[i] ?? '')) i++;
  return i;
}

/** A zone name: <quoted> (up to '>') or an unquoted one; undefined when a quoted name is not closed. */
function zoneName(s: string, i: number): { start: number; end: number; next: number } | undefined {
  if (s[i] === '<') {
    const close = s.indexOf('>', i + 1);
    return close < 0 ? undefined : { start: i + 1, end: close, next: close + 1 };
  }
  const end = getzname(s, i);
  return { start: i, end, next: end };
}

/** getrule: Jn (1-365), n (0-365) or Mm.w.d, then an optional /time. */
function getrule(s: string, i: number): number | undefined {
  let at: number | undefined;
  if (s[i] === 'J') at = getnum(s, i + 1, 1, 365);
  else if (s[i] === 'M') {
    at = getnum(s, i + 1, 1, 12);
    if (at === undefined || s[at] !== '.') return undefined;
    at = getnum(s, at + 1, 1, 5);
    if (at === undefined || s[at] !== '.') return undefined;
    at = getnum(s, at + 1, 0, 6);
  } else at = getnum(s, i, 0, 365);
  if (at === undefined) return undefined;
  return s[at] === '/' ? getoffset(s, at + 1) : at;
}

/**
 * True when PostgreSQL's tzparse accepts `value` as a POSIX TZ rule "std offset [dst [offset] [,start,end]]". The
 * server upper-cases the value first and, unlike IANA, allows an empty std name: '94s' is std "" at +94 hours with
 * a DST zone "S". Hours go up to 167, so '290sec' is refused (290 hours), and so is an offset-less 'abc'.
 */
export function isPosixTzRule(value: string): boolean {
  const s = value.toUpperCase();
  const std = zoneName(s, 0);
  if (!std || std.next >= s.length) return false;
  let at = getoffset(s, std.next);
  if (at === undefined) return false;
  if (at >= s.length) return true;
  const dst = zoneName(s, at);
  if (!dst || dst.end === dst.start) return false;
  at = dst.next;
  if (at < s.length && s[at] !== ',' && s[at] !== ';') {
    at = getoffset(s, at);
    if (at === undefined) return false;
  }
  if (at >= s.length) return true; // the default rules (posixrules or M3.2.0,M11.1.0)
  if (s[at] !== ',' && s[at] !== ';') return false;
  at = getrule(s, at + 1);
  if (at === undefined || s[at] !== ',') return false;
  at = getrule(s, at + 1);
  return at === s.length;
}

/**
 * Zone files that a server has or lacks depending on its tz database (system tzdata or its own copy): measured,
 * PostgreSQL 15 on Debian accepts 'localtime' and 'posix/UTC' and refuses 'posixrules'; 11 and 17 (own tzdata)
 * the other way round. The text alone cannot say, so these are never called fatal.
 */
export function isHostDependentZone(name: string): boolean {
  return /^(localtime|posixrules|posix\/.+)$/i.test(name.replace(/^:/, ''));
}

const STRTOD = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;

/**
 * check_timezone: a number of hours (|h| < 168), 'interval ...' (not judged), a zone of the tz database
 * (case-insensitive, an optional leading ':'), or a POSIX TZ rule.
 */
export function timeZoneError(v: string): string | undefined {
  if (STRTOD.test(v)) {
    const hours = /^\s*[+-]?0[xX]/.test(v) ? parseInt(v.replace(/^\s*[+-]?/, ''), 16) : Number(v);
    return Math.abs(hours) < 168 ? undefined : `${v} hours is outside the UTC offsets PostgreSQL accepts (less than 168 hours either way)`;
  }
  if (/^interval/i.test(v) || isHostDependentZone(v)) return undefined;
  const zone = v.replace(/^:/, '').toLowerCase();
  if (/^right\//.test(zone)) return `"${v}" is a zone with leap seconds, which PostgreSQL does not support`;
  if (PG_ZONE_NAMES.has(zone) || (!v.startsWith(':') && isPosixTzRule(v))) return undefined;
  const hours = /^(?:<[^>]*>|[^0-9,+<-]*)[+-]?([0-9]+)/.exec(v);
  const why = hours && Number(hours[1]) > 167 ? ` (read as a POSIX rule its offset is ${hours[1]} hours; at most 167 are allowed)` : '';
  return `"${v}" is not a time zone name PostgreSQL knows (such as UTC or Europe/Berlin), a UTC offset in hours, or a POSIX time zone rule such as EST5EDT or <+03>-3${why}`;
}

/** datetktbl: the words a timestamp may contain (PostgreSQL 12-17); any other word must be a tz database zone. */
const DATE_WORDS = new Set(['-infinity', 'ad', 'allballs', 'am', 'apr', 'april', 'at', 'aug', 'august', 'bc', 'current', 'd', 'dec', 'december',
  'dow', 'doy', 'dst', 'epoch', 'feb', 'february', 'fri', 'friday', 'h', 'infinity', 'invalid', 'isodow', 'isoyear', 'j', 'jan', 'january', 'jd',
  'jul', 'julian', 'july', 'jun', 'june', 'm', 'mar', 'march', 'may', 'mm', 'mon', 'monday', 'nov', 'november', 'now', 'oct', 'october', 'on',
  'pm', 's', 'sat', 'saturday', 'sep', 'sept', 'september', 'sun', 'sunday', 't', 'thu', 'thur', 'thurs', 'thursday', 'today', 'tomorrow',
  'tue', 'tues', 'tuesday', 'undefined', 'wed', 'wednesday', 'weds', 'y', 'yesterday']);
const MONTHS = /^(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december)$/;

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= ([31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 31);
}

const NOT_A_TIMESTAMP = (v: string, why: string): string => `"${v}" is not a timestamp such as 2024-05-01 12:00:00+00 (${why})`;

/**
 * check_recovery_target_time: timestamp with time zone input that must yield a date. While the configuration file
 * is read no zone abbreviation is loaded yet (measured: 'EST' is accepted as a tz database zone, 'PST' is refused),
 * so a word must be a date keyword or a zone name. Only clear cases are reported: unknown words, no date at all
 * ('12h', '12:00', 'epoch'), an impossible ISO date or time, and the literal now/today/tomorrow/yesterday.
 */
export function timestampError(v: string): string | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  if (/^(now|today|tomorrow|yesterday)$/.test(v)) return NOT_A_TIMESTAMP(v, `'${v}' is relative; recovery needs a fixed point in time`);
  if (/^[+-]?\d+(\.\d*)?$/.test(t)) {
    const m8 = /^(\d{4})(\d\d)(\d\d)$/.exec(t) ?? /^(\d\d)(\d\d)(\d\d)$/.exec(t);
    if (m8 && validYmd(Number(m8[1]), Number(m8[2]), Number(m8[3]))) return undefined;
    return NOT_A_TIMESTAMP(v, 'a number is a date only as YYYYMMDD or YYMMDD');
  }
  // The fields as ParseDateTime splits them; punctuation between fields is ignored.
  const tokens = t.toLowerCase().match(/-infinity|[a-z][a-z0-9_]*(?:\/[a-z0-9_+-]+)*|[+-]\d+(?::\d+)*|\d+(?::\d+)+(?:\.\d+)?|\d+(?:-\d+)+|\d+(?:\/\d+)+|\d+(?:\.\d+)+|\d+[-/.][a-z]+(?:[-/.][a-z0-9]+)*|\d+/g) ?? [];
  let dated = tokens.filter((tok) => /^\d+$/.test(tok)).length >= 3; // '2024 05 01'
  for (const tok of tokens) {
    if (/^[a-z]/.test(tok) || tok === '-infinity') {
      if (DATE_WORDS.has(tok) || PG_ZONE_NAMES.has(tok) || isHostDependentZone(tok)) { if (MONTHS.test(tok) || /^(now|today|tomorrow|yesterday)$/.test(tok)) dated = true; continue; }
      if (/^(t|j)\d+$/.test(tok)) { if (tok.startsWith('j')) dated = true; continue; }
      return NOT_A_TIMESTAMP(v, `"${tok}" is neither a date/time word nor a time zone name`);
    }
    const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(tok);
    if (iso && !validYmd(Number(iso[1]), Number(iso[2]), Number(iso[3]))) return NOT_A_TIMESTAMP(v, `${tok} is not a calendar date`);
    const time = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(tok);
    if (time && (Number(time[1]) > 24 || Number(time[2]) > 59 || Number(time[3] ?? 0) > 60)) return NOT_A_TIMESTAMP(v, `${tok} is not a time of day`);
    if (/^\d+[-/.][a-z0-9]+[-/.][a-z0-9]+/.test(tok) || /^\d{5,}$/.test(tok)) dated = true;
  }
  return dated ? undefined : NOT_A_TIMESTAMP(v, 'it has no date');
}
