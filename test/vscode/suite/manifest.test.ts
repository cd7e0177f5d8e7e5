// Files that package.json points at must exist in the extension folder, or VS Code fails at run time.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { activatedExtension, contributes } from './extension';

/** Every "./..." string inside a manifest value: grammar paths, language configurations, schema urls, icons. */
function relativePaths(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (value.startsWith('./')) into.add(posix.normalize(value));
  } else if (Array.isArray(value)) {
    for (const v of value) relativePaths(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) relativePaths(v, into);
  }
  return into;
}

suite('manifest files', () => {
  test('main and every file named in contributes exist', async () => {
    const ext = await activatedExtension();
    const named = relativePaths(contributes(ext));
    const main = (ext.packageJSON as { main?: string }).main;
    if (main) named.add(posix.normalize(main));
    assert.ok(named.size > 1, 'expected package.json to name its bundle and grammar files');
    const missing = [...named].filter((p) => !existsSync(join(ext.extensionPath, p)));
    assert.deepEqual(missing, [], `named in package.json but missing: ${missing.join(', ')}`);
  });

  test('every contributed language has a grammar', async () => {
    const c = contributes(await activatedExtension());
    const withGrammar = new Set((c.grammars ?? []).map((g) => g.language));
    const without = (c.languages ?? []).map((l) => l.id).filter((id) => !withGrammar.has(id));
    assert.deepEqual(without, []);
  });
});
