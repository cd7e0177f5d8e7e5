import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDifferential, summary } from '../differential/harness';
import { ORACLE_ENV } from '../differential/environment';

/*
 * The validator against the real programs (PostgreSQL 11, 15, 17 and pgpool-II 4.3): fixtures, pgpool's
 * samples and 1,250 seeded mutations per family (3 x 1,256 PostgreSQL probes + 1,264 pgpool probes >= 5,000).
 * The oracles run in a fixed environment (nothing inherited, LC_ALL=LANG=C, TZ=UTC) on data directories made
 * for the run, so the verdicts do not depend on the machine or the caller's LANG/TZ; PGPOOL_CLUSTER_DIFF_SEED
 * picks another corpus. Report: test-results/differential/report.json; figures in test/differential/README.md.
 * The time limit only stops a hung run (about 5 min on a busy 2-CPU machine).
 */
test('the validator calls a file fatal exactly when the real server refuses it', { timeout: 1_200_000 }, async () => {
  const report = await runDifferential({ mutationsPerFamily: 1250, concurrency: 4 });
  console.log(summary(report));
  assert.deepEqual(report.environment.oracle, { ...ORACLE_ENV });
  assert.ok(report.probes >= 4 * 1000 + 1000, `too few probes: ${report.probes}`);
  const unreported = report.disagreements.filter((d) => d.kind === 'fatal-unreported');
  const falseFatal = report.disagreements.filter((d) => d.kind === 'accepted-called-fatal');
  assert.deepEqual(unreported.map((d) => `${d.program} ${d.file} [${d.mutation ?? d.origin}]: ${d.programMessage}`), [], 'the server refuses these files but the validator reports no error');
  assert.deepEqual(falseFatal.map((d) => `${d.program} ${d.file} [${d.mutation ?? d.origin}]: ${d.diagnostics[0] ?? ''}`), [], 'the server accepts these files but the validator reports an error');
});
