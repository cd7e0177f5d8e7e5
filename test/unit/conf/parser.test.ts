import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConf } from '../../../src/core/conf';
import { unescapePostgres } from '../../../src/core/conf/parser';
import { parseBool, parseNumber } from '../../../src/core/conf/values';
import { editDistance, suggest } from '../../../src/core/conf/suggest';

test('entries keep exact ranges for name and value', () => {
  const doc = parseConf("  port = 9999  # comment\nlisten_addresses='*'\n", 'pgpool');
  const [port, listen] = doc.entries;
  assert.ok(port && listen);
  assert.deepEqual([port.nameRange.start.character, port.nameRange.end.character], [2, 6]);
  assert.deepEqual([port.valueRange.start.character, port.valueRange.end.character], [9, 13]);
  assert.equal(listen.value, '*');
  assert.equal(listen.rawValue, "'*'");
  assert.equal(listen.quoted, true);
  assert.equal(doc.comments.length, 0, "trailing comments are not whole-line comments");
});

test('equals sign is optional and keys are case-insensitive only for PostgreSQL', () => {
  const pg = parseConf('Shared_Buffers 128MB', 'postgresql');
  assert.equal(pg.entries[0]?.key, 'shared_buffers');
  assert.equal(pg.entries[0]?.hasEquals, false);
  const pool = parseConf('delegate_IP = 1', 'pgpool');
  assert.equal(pool.entries[0]?.key, 'delegate_IP');
});

test("PostgreSQL reads '' and backslash escapes; pgpool keeps the text between the quotes", () => {
  const pg = parseConf("a = 'it''s\\tok'", 'postgresql');
  assert.equal(pg.entries[0]?.value, "it's\tok");
  const pool = parseConf("a = 'it\\'s'", 'pgpool');
  assert.equal(pool.entries[0]?.value, "it\\'s");
  assert.equal(pool.problems.length, 0);
  assert.equal(unescapePostgres('\\101\\n'), 'A\n');
});

test('include directives are recognised', () => {
  const doc = parseConf("include 'a.conf'\ninclude_if_exists = 'b.conf'\ninclude_dir 'conf.d'", 'postgresql');
  assert.deepEqual(doc.entries.map((e) => e.kind), ['include', 'include', 'include']);
});

test('CRLF and lone CR line endings count as line breaks', () => {
  const doc = parseConf('a = 1\r\nb = 2\rc = 3', 'postgresql');
  assert.deepEqual(doc.entries.map((e) => e.line), [0, 1, 2]);
});

test('binary input gives one diagnostic and no entries', () => {
  const doc = parseConf('port = 1\u0000\u0001\u0002', 'pgpool');
  assert.equal(doc.binary, true);
  assert.equal(doc.entries.length, 0);
  assert.equal(doc.problems[0]?.code, 'conf/binary-file');
});

test('sections are taken from the sample banners', () => {
  const doc = parseConf('#------------------------------\n# CONNECTIONS\n#------------------------------\nport = 1\n', 'pgpool');
  assert.deepEqual(doc.sections, [{ title: 'CONNECTIONS', line: 1 }]);
});

test('parseBool follows parse_bool: unique prefixes, case-insensitive', () => {
  assert.equal(parseBool('ON'), true);
  assert.equal(parseBool('of'), false);
  assert.equal(parseBool('o'), undefined);
  assert.equal(parseBool('t'), true);
  assert.equal(parseBool('maybe'), undefined);
});

test('parseNumber converts units to the base unit and rejects the wrong family', () => {
  assert.deepEqual(parseNumber('5min', 's', true), { ok: true, value: 300, unitText: 'min' });
  assert.deepEqual(parseNumber('64MB', 'B', true), { ok: true, value: 67108864, unitText: 'MB' });
  assert.deepEqual(parseNumber('0x10', undefined, true), { ok: true, value: 16 });
  assert.equal(parseNumber('10 mb', 'kB', true).ok, false);
  assert.equal(parseNumber('10s', undefined, true).ok, false);
  assert.equal(parseNumber('abc', 's', true).ok, false);
});

test('edit distance counts a swap as one edit and suggestions are ranked', () => {
  assert.equal(editDistance('heatlh', 'health'), 1);
  assert.deepEqual(suggest('listen_adresses', ['listen_addresses', 'port']), ['listen_addresses']);
});
