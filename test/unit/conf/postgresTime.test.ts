import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintDocument } from '../../../src/core/conf';
import { isPosixTzRule, timestampError, timeZoneError } from '../../../src/core/conf/rules/postgresTime';

/*
 * The check hooks PostgreSQL runs on DateStyle, createrole_self_grant, lc_messages, recovery_target_time and
 * TimeZone/log_timezone. Every value below was put to PostgreSQL 11, 15 and 17 (`postgres -C port` with the value
 * appended to initdb's postgresql.conf, LC_ALL=C, TZ=UTC) and the server's answer is the expectation.
 */

function refused(line: string, version: string): string | undefined {
  const d = lintDocument(`${line}\n`, { languageId: 'postgresql-conf', postgresVersion: version }).find((x) => x.severity === 'error');
  return d ? `${d.code}: ${d.message}` : undefined;
}

function expectVerdicts(param: string, versions: string[], refusedValues: string[], acceptedValues: string[]): void {
  for (const version of versions) {
    for (const v of refusedValues) assert.ok(refused(`${param} = ${v}`, version), `${version}: ${param} = ${v} is refused by the server`);
    for (const v of acceptedValues) assert.equal(refused(`${param} = ${v}`, version), undefined, `${version}: ${param} = ${v} is accepted by the server`);
  }
}

test('DateStyle: keywords, one output style and one field order, a comma-separated list', () => {
  expectVerdicts('datestyle', ['11', '15', '17'],
    ['440ms', 'on', "'a,b'", 'x', "'iso,sql'", "'dmy, mdy'", "'eur'", "'iso,,mdy'", "'iso mdy'", "'iso, '", "'\"\"'"],
    ["''", "'iso, mdy'", "'ISO, DMY'", "'iso, iso'", "'german'", "'german, ymd'", "'postgresxx'", "'european'", "'euro'", "'noneuro'",
      "'noneuropean'", "'us'", "'default'", "'default, sql'", "'\"ISO\", mdy'", 'iso', "' iso'"]);
  const m = refused("datestyle = 'a,b'", '17') ?? '';
  assert.match(m, /"a" is not a DateStyle keyword/);
  assert.match(refused("datestyle = 'iso, sql'", '15') ?? '', /two output styles \(ISO and SQL\)/);
});

test('createrole_self_grant (16+): a list of set and inherit', () => {
  expectVerdicts('createrole_self_grant', ['17'], ['localhost', 'on', 'x', "'a,b'", "'set inherit'", "'set,'"],
    ["''", "'set'", "'inherit'", "'set, inherit'", "'INHERIT,SET'", "'set,set'", "'\"SET\"'"]);
  assert.match(refused("createrole_self_grant = 'set'", '15') ?? '', /postgresql\/(parameter-not-in-version|unknown-parameter)/);
});

test('lc_messages: empty is refused on every host; empty lc_monetary/lc_numeric/lc_time are accepted', () => {
  expectVerdicts('lc_messages', ['11', '15', '17'], ["''", 'on'], ["'C'", "'POSIX'", "'en_US.UTF-8'"]);
  for (const p of ['lc_monetary', 'lc_numeric', 'lc_time']) expectVerdicts(p, ['11', '15', '17'], ['on'], ["''", "'C'"]);
  assert.match(refused("lc_messages = ''", '17') ?? '', /empty lc_messages/);
});

test('recovery_target_time: what timestamptz input gives a date, while no zone abbreviation is loaded', () => {
  expectVerdicts('recovery_target_time', ['15', '17'],
    ["'461KB'", "'461 s'", "'12h'", "'123456'", "'12345'", "'now'", "'epoch'", "'infinity'", "'-infinity'", "'allballs'", "'12:00'", "'x'", "'a,b'",
      "'/tmp'", "'localhost'", "'on'", "'12abc'", "'2024-05-01 12:00:00 PST'", "'2024-05-01 12:00:00 z'", "'2024-05-01T12:00:00Z'", "'2024-13-01'",
      "'2024-02-30'", "'2024-05-01 25:00'", "'2024-05-01 12:00 foo'", "'1.5'", "'-1'", "'99999999999'"],
    ["''", "'2024-05-01 12:00:00 EST'", "'2024-05-01 12:00:00 UTC'", "'2024-05-01 12:00:00 Europe/Berlin'", "'2024-05-01 12:00:00+02'",
      "'2024-05-01'", "'20240501'", "'240501'", "'NOW'", "'Now'", "'May 1 2024'", "'1 May 2024 12:00'", "'J2451187'", "'2024-05-01 12:00:00 zulu'",
      "'01/02/2024'", "'2024-05-01 12:00 at'", "'2024-05-01 12:00:00 pm'", "'2024-05-01 12:00:00 bc'", "'2024-05-01 mon'", "'2024-05-01 12:00:00 EST5EDT'",
      "'2024 05 01'", "'2024-05-01 12:00:00 Etc/GMT+5'", "'2024-05-01T12:00:00'", "'2024-05-01 12:00:00.123+05:30'", "'May-01-2024'",
      "'2024-05-01 12:00:00-05'", "'2024.05.01'", "'2024-02-29'"]);
  assert.match(timestampError('461KB') ?? '', /"kb" is neither a date\/time word nor a time zone name/);
  assert.match(timestampError('12:00') ?? '', /no date/);
});

test('TimeZone and log_timezone: hours, zone names, POSIX rules (hours at most 167), host-dependent zone files not judged', () => {
  const refusedValues = ['290sec', '168', '168h', "'290 sec'", "'a b'", 'x', 'on', '99999999999', 'localhost', '/tmp', "'a,b'", "''", "'1.5h'", '500xx',
    "'ABC-3DEF,X'", "'ABC-3DEF4,M3.2.0'", "'1abc2x'", "'1abc200'", "'1:60'", "'1abc,'", "'3e2'", "'abc'", 'right/UTC', "':xyz'"];
  const acceptedValues = ['94s', '167', '-167.9', '167h', "'94 sec'", "'1 s'", "'12abc'", "'a b1'", '-1', '1.5', '5min', '5m', '5ms', '100MB', "'100 MB'",
    "'1kB'", 'utc', 'UTC', 'Europe/Berlin', 'europe/berlin', 'EST5EDT', "'EST5EDT,M3.2.0,M11.1.0'", "'<+03>-3'", "'ABC-3DEF'", "'1abc2'", "'1:30'",
    "'+5'", "'-5x'", "':UTC'", 'Factory', "'interval ''1 hour'''", "'1abc;'", "'0x10'", "'1 abc'", "'1a-2'",
    // tz database files present on some hosts only (measured: 15 on Debian accepts localtime and posix/UTC, 11 and 17 refuse them)
    'localtime', 'posixrules', 'posix/UTC'];
  expectVerdicts('timezone', ['11', '15', '17'], refusedValues, acceptedValues);
  expectVerdicts('log_timezone', ['17'], ['290sec', "'abc'"], ['94s', "'<+03>-3'"]);
  assert.match(timeZoneError('290sec') ?? '', /290 hours; at most 167/);
});

test('isPosixTzRule follows tzparse: empty std name allowed, offsets, DST name, rules', () => {
  for (const v of ['94s', 'EST5', 'EST5EDT', '<+03>-3', '<-0330>3:30', 'A B1', 'EST5EDT,M3.2.0/2,M11.1.0/2', 'X1Y,J60,300/26', '1ABC;'])
    assert.equal(isPosixTzRule(v), true, v);
  for (const v of ['', 'EST', '290SEC', '<+03', '1:60', 'X1Y,M13.1.0,M11.1.0', 'X1Y,M3.6.0,M11.1.0', 'X1Y,J0,J5', 'X1Y2Z', 'X1,'])
    assert.equal(isPosixTzRule(v), false, v);
});

// Found by the differential tier with PGPOOL_CLUSTER_DIFF_SEED=7.
test('synchronized_standby_slots (17): a list of slot names', () => {
  expectVerdicts('synchronized_standby_slots', ['17'], ["'1.5'", "'\"A\"'", "'*'", "'a b'", "'a,,b'"],
    ["''", "'a_1, b'", "'A'", `'${'a'.repeat(64)}'`]);
});

test('the microsecond unit exists since PostgreSQL 12', () => {
  expectVerdicts('wal_sender_timeout', ['11'], ["'143 us'", '143us'], ["'5 ms'", '60s']);
  expectVerdicts('wal_sender_timeout', ['15', '17'], [], ['143us', "'143 us'"]);
  assert.match(refused('wal_sender_timeout = 143us', '11') ?? '', /PostgreSQL 12 and later/);
});
