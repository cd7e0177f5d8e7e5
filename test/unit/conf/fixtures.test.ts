import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { languageIdForFile, lintDocument } from '../../../src/core/conf';
import { fixturesDir } from './paths';

interface Expected { line: number; column: number; severity: string; code: string }

const families = readdirSync(fixturesDir).filter((f) => f !== 'samples' && f !== 'crossfile');

for (const family of families) {
  for (const file of readdirSync(path.join(fixturesDir, family)).filter((f) => !f.endsWith('.json'))) {
    test(`fixture ${family}/${file} gives exactly the expected diagnostics`, () => {
      const expectedFile = path.join(fixturesDir, family, `${file.replace(/\..*$/, '')}.expected.json`);
      assert.ok(existsSync(expectedFile), `missing ${expectedFile}`);
      const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected[];
      const languageId = languageIdForFile(file);
      assert.ok(languageId, `no language for ${file}`);
      const text = readFileSync(path.join(fixturesDir, family, file), 'utf8');
      const actual = lintDocument(text, { languageId, fileName: file }).map((d) => ({
        line: d.range.start.line + 1, column: d.range.start.character + 1, severity: d.severity, code: d.code,
      }));
      assert.deepEqual(actual, expected);
    });
  }
}

test('every rule family has at least one fixture with a diagnostic of its own prefix', () => {
  const prefixes = new Set<string>();
  for (const family of families) {
    for (const f of readdirSync(path.join(fixturesDir, family)).filter((x) => x.endsWith('.expected.json'))) {
      for (const d of JSON.parse(readFileSync(path.join(fixturesDir, family, f), 'utf8')) as Expected[]) prefixes.add(d.code.split('/')[0] ?? '');
    }
  }
  for (const p of ['conf', 'pgpool', 'postgresql', 'recovery', 'hba', 'pcp']) assert.ok(prefixes.has(p), `no fixture covers ${p}/*`);
});
