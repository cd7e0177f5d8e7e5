import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.code-server/**', 'test-results/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test()/describe() return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerZones(),
);

/**
 * Layer zones: each folder may import only the layers below it (ARCHITECTURE.md "Architecture invariants").
 * core: inventory <- remote <- db <- status <- ops <- lab | history, conf beside them; nothing in core, cli, shared or webview
 * imports `vscode`; webview imports only src/shared; src/shared imports nothing outside itself.
 */
function layerZones() {
  const CORE = ['conf', 'inventory', 'remote', 'db', 'status', 'ops', 'lab', 'history'];
  const OUTSIDE_CORE = ['extension', 'cli', 'webview', 'shared'];
  /** A relative import that walks into one of these folders. */
  const into = (folders) => `(^|/)(${folders.join('|')})(/|$)`;
  const vscode = { name: 'vscode', message: 'Only src/extension (and test/vscode) may import vscode.' };
  const zone = (files, forbidden, message) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscode],
        patterns: forbidden.length > 0 ? [{ regex: into(forbidden), message }] : [],
      }],
    },
  });
  const coreAllowed = {
    conf: [], inventory: [], remote: ['inventory'], db: ['inventory', 'remote'], status: ['inventory', 'remote', 'db'],
    ops: ['conf', 'inventory', 'remote', 'db', 'status'], lab: ['conf', 'inventory', 'remote', 'db', 'status', 'ops'],
    history: ['conf', 'inventory', 'remote', 'db', 'status', 'ops'],
  };
  return [
    ...CORE.map((layer) => zone([`src/core/${layer}/**/*.ts`],
      [...CORE.filter((l) => l !== layer && !coreAllowed[layer].includes(l)), ...OUTSIDE_CORE],
      `src/core/${layer} may import only ${coreAllowed[layer].length ? coreAllowed[layer].map((l) => `src/core/${l}`).join(', ') : 'its own folder'} (layer zones).`)),
    zone(['src/cli/**/*.ts'], ['extension', 'webview', 'shared'], 'src/cli builds on src/core only.'),
    zone(['src/shared/**/*.ts'], [...CORE, 'core', 'extension', 'cli', 'webview'], 'src/shared holds types and pure helpers for both bundles: it imports nothing outside itself.'),
    zone(['webview/**/*.ts'], ['core', 'extension', 'cli'], 'The webview bundle imports only src/shared (types and pure helpers).'),
  ];
}
