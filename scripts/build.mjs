// Bundles the extension (node/cjs, vscode external), the CLI and the webview (browser).
//
// Start-up is kept short by not reading code before it is needed (`npm run bench -- startup` measures it):
// - the CLI is ES module chunks (dist/cli/) behind a small launcher (dist/cli.js); each command group is a
//   dynamic import() in src/cli/main.ts, so `--version` and `lint` never read the SSH, PostgreSQL or YAML code;
//   a plain `lint FILE...` is one CommonJS file (dist/cli/lint.js) that the launcher require()s first;
//   ssh2 (dist/cli/vendor/ssh2.js) is read on first use, like the extension's vendor files;
// - the extension stays one CommonJS file (dist/extension/main.js behind the launcher dist/extension.js), but
//   ssh2, pg and yaml are separate files (dist/extension/vendor/) that a stand-in module require()s on the
//   first use of one of their exports.
import * as esbuild from 'esbuild';
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const require = createRequire(import.meta.url);

// ssh2 and pg have optional native parts; leaving them out makes ssh2 use Node's own crypto.
const nodeExternals = ['vscode', 'pg-native', 'cpu-features', './crypto/build/Release/sshcrypto.node'];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  loader: { '.node': 'empty' },
};

/** Packages the extension loads on first use, each bundled into dist/extension/vendor/<name>.js. */
const LAZY_PACKAGES = ['ssh2', 'pg', 'yaml'];
/**
 * The CLI's cluster commands need pg and yaml at once (cluster file, status) but SSH only after that: ssh2
 * (dist/cli/vendor/ssh2.js) is read on first use, while the status queries are in flight, not before them.
 */
const CLI_LAZY_PACKAGES = ['ssh2'];

/**
 * Resolves each lazy package to a stand-in whose exports are getters: the first read require()s the vendor
 * file. esbuild reads an import from a CommonJS module as a property at each use, so nothing loads before then.
 */
const lazyPackagesOf = (packages) => ({
  name: 'lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${packages.join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-package' }));
    build.onResolve({ filter: /^\.\/vendor\// }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
      const names = Object.keys(require(args.path)).filter((k) => k !== 'default' && k !== '__esModule');
      return {
        resolveDir: '.',
        loader: 'js',
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require('./vendor/${args.path}.js'));`,
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
        ].join('\n'),
      };
    });
  },
});
const lazyPackages = lazyPackagesOf(LAZY_PACKAGES);

const vendorBuild = (name, dir) => ({
  ...common,
  stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: '.', sourcefile: `vendor-${name}.js` },
  outfile: `${dir}/vendor/${name}.js`, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals,
});
const vendorBuilds = [
  ...LAZY_PACKAGES.map((name) => vendorBuild(name, 'dist/extension')),
  ...CLI_LAZY_PACKAGES.map((name) => vendorBuild(name, 'dist/cli')),
];

// ES module chunks need `require` and `__dirname` for the CommonJS packages inside them (commander, ssh2, pg).
const esmRequire = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { dirname as __pathDirname } from 'node:path';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);',
].join(' ');
const CLI_LAUNCHER = `#!/usr/bin/env node
'use strict';
// The CLI is ES module chunks (dist/cli/): each command loads only the code it needs. A plain \`lint FILE...\`
// runs from one CommonJS file, dist/cli/lint.js, without starting the ES module loader.
const full = () => import('./cli/main.mjs').then((cli) => cli.runCli());
if (process.argv[2] === 'lint') require('./cli/lint.js').runPlainLint(process.argv).then((done) => done || full());
else full();
`;

// The extension host require()s this; it notes the instant first, so activate() can log load + activation time.
const EXTENSION_LAUNCHER = `'use strict';
const loadStart = performance.now();
const extension = require('./extension/main.js');
extension.markLoadStart(loadStart);
module.exports = extension;
`;

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension/main.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals, plugins: [lazyPackages] },
  ...vendorBuilds,
  {
    ...common, entryPoints: { main: 'src/cli/main.ts' }, outdir: 'dist/cli', splitting: true, format: 'esm', platform: 'node', target: 'node20',
    outExtension: { '.js': '.mjs' }, chunkNames: 'chunk-[hash]', external: nodeExternals, banner: { js: esmRequire }, plugins: [lazyPackagesOf(CLI_LAZY_PACKAGES)],
  },
  // A plain lint (src/cli/lintEntry.ts) as one CommonJS file: the ES module loader costs more than the lint itself.
  { ...common, entryPoints: ['src/cli/lintEntry.ts'], outfile: 'dist/cli/lint.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

// Chunk names change with their content: start from empty folders so no stale chunk is shipped.
for (const dir of ['dist/cli', 'dist/extension']) rmSync(dir, { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
writeFileSync('dist/cli.js', CLI_LAUNCHER, { mode: 0o755 });
writeFileSync('dist/extension.js', EXTENSION_LAUNCHER);

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
