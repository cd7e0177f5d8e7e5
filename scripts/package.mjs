// Builds the production bundle, packages pgpool-cluster-<version>.vsix with vsce, and fails if the
// .vsix holds anything outside the allow-list (the bundle already contains every dependency).
// Usage: node scripts/package.mjs        (prints the .vsix path on its last line)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manifestPaths } from './manifest-paths.mjs';
import { zipEntries } from './zip-entries.mjs';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { name, version, repository } = pkg;
const vsix = join(root, `${name}-${version}.vsix`);

const ALLOWED = [
  /^extension\/dist\/.+/,
  /^extension\/syntaxes\/.+/,
  /^extension\/media\/.+/,
  /^extension\/schemas\/.+/,
  /^extension\/package\.json$/,
  /^extension\/(README\.md|CHANGELOG\.md|LICENSE(\.txt)?)$/i,
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
];

// vsce turns README links relative to the repository into absolute ones, but detects the base only for
// GitHub/GitLab; for any other host, the base comes from package.json `repository`.
function readmeLinkBase() {
  const url = (typeof repository === 'string' ? repository : repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
  if (!url || /github\.com|gitlab\.com/.test(url)) return [];
  return ['--baseContentUrl', `${url}/blob/HEAD`, '--baseImagesUrl', `${url}/raw/HEAD`];
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// Source maps of an earlier development build would otherwise ship beside the minified bundle.
for (const f of existsSync(join(root, 'dist')) ? readdirSync(join(root, 'dist'), { withFileTypes: true }) : []) {
  if (f.isFile() && f.name.endsWith('.map')) rmSync(join(root, 'dist', f.name));
}
run('node', ['scripts/build.mjs', '--production']);
rmSync(vsix, { force: true });
run('npx', ['vsce', 'package', '--no-dependencies', '--out', vsix, ...readmeLinkBase()]);

const entries = zipEntries(vsix);
const outside = entries.filter((e) => !ALLOWED.some((re) => re.test(e.name)));
for (const e of entries) console.log(`${String(e.size).padStart(10)}  ${e.name}`);
const kib = (statSync(vsix).size / 1024).toFixed(1);
console.log(`${entries.length} files, ${kib} KiB: ${vsix}`);
const shipped = new Set(entries.map((e) => e.name));
const missing = manifestPaths(pkg).filter((p) => !shipped.has(`extension/${p}`));
for (const e of outside) console.error(`package: not in the allow-list: ${e.name}`);
for (const p of missing) console.error(`package: package.json names ${p}, which the .vsix does not contain`);
if (outside.length > 0 || missing.length > 0) process.exit(1);
console.log(vsix);
