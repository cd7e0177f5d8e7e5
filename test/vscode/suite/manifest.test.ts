// Files that package.json points at must exist in the extension folder, or VS Code fails at run time.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { activatedExtension, contributes } from './extension';

suite('manifest files', () => {
  test('main, grammars and language configurations exist', async () => {
    const ext = await activatedExtension();
    const c = contributes(ext);
    const named = [
      (ext.packageJSON as { main?: string }).main,
      ...(c.grammars ?? []).map((g) => g.path),
      ...(c.languages ?? []).map((l) => l.configuration),
    ].filter((p): p is string => p !== undefined);
    const missing = [...new Set(named)].filter((p) => !existsSync(join(ext.extensionPath, p)));
    assert.deepEqual(missing, [], `named in package.json but missing: ${missing.join(', ')}`);
  });

  test('every contributed language has a grammar', async () => {
    const c = contributes(await activatedExtension());
    const withGrammar = new Set((c.grammars ?? []).map((g) => g.language));
    const without = (c.languages ?? []).map((l) => l.id).filter((id) => !withGrammar.has(id));
    assert.deepEqual(without, []);
  });
});
