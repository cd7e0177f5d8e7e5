// Runs the test tiers and ends with one line: "N passed, N failed".
// Usage: node scripts/test.mjs all|unit|integration|vscode|e2e
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2] ?? 'all';
const tiers = which === 'all' ? ['unit', 'integration', 'vscode', 'e2e'] : [which];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

// `npm test` does its own set-up on a fresh machine: node modules, system packages, code-server.
if (!existsSync(join(root, 'node_modules', '.bin', 'tsc')) && run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const needsBrowser = tiers.includes('vscode') || tiers.includes('e2e');
if (tiers.some((t) => t !== 'unit')) {
  const env = { ...process.env, WITH_BROWSER: needsBrowser ? '1' : '0' };
  if (run('bash', ['scripts/setup-system.sh'], { env }) !== 0) {
    console.error('Installing the system packages failed; see the message above.');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
// PostgreSQL 11 and 17 server binaries (npm) for the version tests and `lab up --postgres 11|17`.
if (tiers.includes('integration') && run('bash', ['scripts/install-postgres-versions.sh']) !== 0) {
  console.error('Installing the PostgreSQL 11/17 server binaries failed; see the message above.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (needsBrowser && existsSync(join(root, 'scripts', 'install-code-server.sh')) && run('bash', ['scripts/install-code-server.sh']) !== 0) {
  console.error('Installing code-server failed; see the message above.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// The tests run on the isolated lab (hosts that share nothing) whenever they can: as root, unless
// PGPOOL_CLUSTER_LAB_ISOLATED=0 asks for the loopback lab. Every `lab` command below and the tests' ensureLab follow it.
if (process.env.PGPOOL_CLUSTER_LAB_ISOLATED === undefined && process.getuid?.() === 0) process.env.PGPOOL_CLUSTER_LAB_ISOLATED = '1';
if (tiers.some((t) => t !== 'unit') && process.env.PGPOOL_CLUSTER_LAB_ISOLATED === '1') {
  console.log(`Lab: isolated (each host its own namespaces on ${process.env.PGPOOL_CLUSTER_LAB_NET ?? '10.213.1'}.0/24; needs root).`);
}
const totals = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
// Under CI a skip must say why in the test; tests turn unmet preconditions into failures there (test/harness/precondition.ts).
const strict = /^(1|true|yes)$/i.test(process.env.CI ?? '') || process.env.PGPOOL_CLUSTER_STRICT_TESTS === '1';
mkdirSync(join(root, 'test-results'), { recursive: true });

if (run('npx', ['tsc', '-p', 'tsconfig.json']) !== 0) {
  console.error('TypeScript compilation failed.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (tiers.some((t) => t !== 'unit') && run('node', ['scripts/build.mjs']) !== 0) {
  console.error('Bundling failed.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

for (const tier of tiers) {
  const started = Date.now();
  const resultFile = join(root, 'test-results', `${tier}.json`);
  rmSync(resultFile, { force: true });
  let status;
  if (tier === 'unit' || tier === 'integration') {
    const files = findTests(join(root, 'out', 'test', tier));
    if (files.length === 0) continue;
    const args = ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'count-reporter.mjs')}`, `--test-reporter-destination=${resultFile}`];
    // Integration tests share one lab cluster: run them one file at a time.
    if (tier === 'integration') args.push('--test-concurrency=1');
    // A hung test fails after 10 minutes instead of stalling the whole run.
    args.push(`--test-timeout=${tier === 'integration' ? 600_000 : 120_000}`);
    status = run('node', [...args, ...files]);
  } else {
    const launcher = join(root, 'out', 'test', tier, 'launch.js');
    if (!existsSync(launcher)) continue;
    // The editor suites operate the lab too (tree, promote, recover): make sure it is up.
    if (run('node', ['dist/cli.js', 'lab', 'up', '--quiet']) !== 0) console.error('lab up failed: the suites will report what needs it.');
    status = run('node', [launcher, resultFile]);
  }
  let counts = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  try { counts = JSON.parse(readFileSync(resultFile, 'utf8')); } catch { /* no results written */ }
  if (status !== 0 && counts.failed === 0) { counts.failed = 1; counts.failures.push(`${tier}: runner exited with ${status}`); }
  console.log(`[${tier}] ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  totals.passed += counts.passed; totals.failed += counts.failed; totals.skipped += counts.skipped;
  totals.failures.push(...counts.failures);
  totals.skips.push(...(counts.skips ?? []));
}

// The lab was started for these tiers; leave the machine as it was found.
if (tiers.some((t) => t !== 'unit') && process.env.PGPOOL_CLUSTER_KEEP_LAB !== '1') run('node', ['dist/cli.js', 'lab', 'down'], { stdio: 'ignore' });

for (const s of totals.skips) console.log(`SKIPPED: ${s.name}: ${s.reason ?? '(no reason written in the test)'}`);
const unexplained = totals.skips.filter((s) => !s.reason).length + Math.max(0, totals.skipped - totals.skips.length);
if (strict && unexplained > 0) {
  totals.failed += unexplained;
  totals.failures.push(`${unexplained} test(s) skipped without a reason written in the test (CI refuses unexplained skips)`);
}
for (const f of totals.failures) console.log(`FAILED: ${f}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
