import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONF_LANGUAGE_IDS, lintDocument, type Diagnostic } from '../../../src/core/conf';
import { fixturesDir } from './paths';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "abcdefghijklmnop_=' \"#%\\\t\n\r0123456789.:/-*+@,|$\u00e9\u0000";
const TOKENS = ['backend_hostname0', 'backend_port0', ' = ', "'", "''", '#', '\n', 'include ', '%d', 'on', '5min', '99999999999',
  'host all all 0.0.0.0/0 trust', 'admin:', 'health_check_period', 'wal_level', '\\', '\r\n', 'failover_command', '0x1F'];

function checkRanges(text: string, diags: Diagnostic[]): void {
  const lines = text.split(/\r\n|\n|\r/);
  for (const d of diags) {
    const { start, end } = d.range;
    assert.ok(start.line >= 0 && start.line < lines.length, `start line ${start.line} outside ${lines.length}`);
    assert.ok(end.line >= start.line && end.line < lines.length, `end line ${end.line}`);
    assert.ok(start.character >= 0 && start.character <= (lines[start.line] ?? '').length, `start char ${start.character}`);
    assert.ok(end.character >= 0 && end.character <= (lines[end.line] ?? '').length, `end char ${end.character} for ${d.code} in ${JSON.stringify(text.slice(0, 300))}`);
    if (end.line === start.line) assert.ok(end.character >= start.character);
    for (const f of d.fixes ?? []) for (const e of f.edits) assert.ok(e.range.start.line < lines.length);
  }
}

test('10,000 random and mutated files: no exception, every range inside the document', () => {
  const next = rng(20261125);
  const seeds = ['samples/pgpool2-V4_7_2-pgpool.conf.sample-stream', 'indexed/backends.pgpool.conf', 'hba/pg_hba.conf', 'pcp/pcp.conf',
    'postgresql/pg16.postgresql.conf', 'recovery/recovery.conf', 'syntax/broken.pgpool.conf', 'cluster/breaks.pgpool.conf']
    .map((f) => readFileSync(path.join(fixturesDir, f), 'utf8'));
  const bigSeed = seeds[0] as string;
  for (let i = 0; i < 10_000; i++) {
    let text: string;
    const mode = i % 3;
    if (mode === 0) {
      const n = Math.floor(next() * 200);
      text = '';
      for (let k = 0; k < n; k++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
    } else if (mode === 1) {
      const n = Math.floor(next() * 30);
      text = '';
      for (let k = 0; k < n; k++) text += TOKENS[Math.floor(next() * TOKENS.length)];
    } else {
      // Mutate a slice of a real file (the big sample is sliced to keep the run short).
      let base = seeds[Math.floor(next() * seeds.length)] as string;
      if (base === bigSeed) { const at = Math.floor(next() * (base.length - 3000)); base = base.slice(at, at + 3000); }
      const chars = base.split('');
      const edits = 1 + Math.floor(next() * 8);
      for (let k = 0; k < edits; k++) {
        const pos = Math.floor(next() * (chars.length + 1));
        const op = next();
        if (op < 0.4) chars.splice(pos, 1);
        else if (op < 0.8) chars.splice(pos, 0, ALPHABET[Math.floor(next() * ALPHABET.length)] as string);
        else chars.splice(pos, 0, TOKENS[Math.floor(next() * TOKENS.length)] as string);
      }
      text = chars.join('');
    }
    const languageId = CONF_LANGUAGE_IDS[i % CONF_LANGUAGE_IDS.length] ?? 'pgpool-conf';
    let diags: Diagnostic[] = [];
    try {
      diags = lintDocument(text, { languageId, pgpoolVersion: ['3.6', '4.1', '4.7'][i % 3] as string, postgresVersion: ['9.6', '11', '17'][i % 3] as string });
    } catch (err) {
      assert.fail(`iteration ${i} (${languageId}) threw ${String(err)} on ${JSON.stringify(text.slice(0, 200))}`);
    }
    checkRanges(text, diags);
  }
});

// Speed is measured by `npm run bench` (lint); here only the answers are checked.
test('a 10 MB file and a binary file are linted', () => {
  const line = "backend_hostname0 = 'db1'  # comment\n";
  const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
  const d = lintDocument(big, { languageId: 'pgpool-conf' });
  assert.ok(d.length > 0);
  const binary = Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  for (const languageId of CONF_LANGUAGE_IDS) {
    const b = lintDocument(binary, { languageId });
    assert.equal(b[0]?.code, 'conf/binary-file');
  }
});
