import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONF_LANGUAGE_IDS } from '../../../src/core/conf';
import { repoRoot } from './paths';

/** Every `match`/`begin`/`end` regex in a grammar, walked recursively. */
function regexes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => regexes(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
      else regexes(v, out);
    }
  }
  return out;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { grammars: { language: string; scopeName: string; path: string }[] } };

for (const id of CONF_LANGUAGE_IDS) {
  test(`grammar for ${id} is valid JSON, has scope source.${id}, and its regexes compile`, () => {
    const file = path.join(repoRoot, 'syntaxes', `${id}.tmLanguage.json`);
    const grammar = JSON.parse(readFileSync(file, 'utf8')) as { scopeName: string; patterns: unknown[] };
    assert.equal(grammar.scopeName, `source.${id}`);
    assert.ok(grammar.patterns.length > 0);
    const list = regexes(grammar);
    assert.ok(list.length > 0);
    // Oniguruma's (?i) prefix is not JS syntax; translate it to a flag for this sanity check.
    for (const re of list) assert.doesNotThrow(() => new RegExp(re.replace(/^\(\?i\)/, ''), re.startsWith('(?i)') ? 'i' : ''), re);
    const contributed = pkg.contributes.grammars.find((g) => g.language === id);
    assert.equal(contributed?.scopeName, grammar.scopeName);
  });
}

test('the grammar colours a pgpool.conf line into name, value and comment', () => {
  const g = JSON.parse(readFileSync(path.join(repoRoot, 'syntaxes', 'pgpool-conf.tmLanguage.json'), 'utf8')) as { repository: Record<string, { begin?: string; match?: string }> };
  const begin = new RegExp(g.repository.setting?.begin ?? '');
  const m = begin.exec('backend_hostname0 = \'db1\'');
  assert.deepEqual([m?.[1], m?.[2]], ['backend_hostname', '0']);
  assert.ok(new RegExp(g.repository.comment?.match ?? '').test('# hello'));
});

test('language configuration declares # comments and auto-closing quotes', () => {
  const conf = JSON.parse(readFileSync(path.join(repoRoot, 'syntaxes', 'conf.language-configuration.json'), 'utf8')) as { comments: { lineComment: string }; autoClosingPairs: { open: string }[] };
  assert.equal(conf.comments.lineComment, '#');
  assert.ok(conf.autoClosingPairs.some((p) => p.open === "'"));
});
