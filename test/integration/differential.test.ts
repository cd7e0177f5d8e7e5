import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDifferential, summary } from '../differential/harness';

/*
 * The validator against the real programs (PostgreSQL 11, 15, 17 and pgpool-II 4.3): fixtures, pgpool's
 * samples and 1,250 seeded mutations per family (3 x 1,256 PostgreSQL probes + 1,264 pgpool probes >= 5,000). Report: test-results/differential/report.json.
 */
test('the validator calls a file fatal exactly when the real server refuses it', { timeout: 300_000 }, async () => {
  const report = await runDifferential({ mutationsPerFamily: 1250, concurrency: 4 });
  console.log(summary(report));
  assert.ok(report.probes >= 4 * 1000 + 1000, `too few probes: ${report.probes}`);
  const unreported = report.disagreements.filter((d) => d.kind === 'fatal-unreported');
  const falseFatal = report.disagreements.filter((d) => d.kind === 'accepted-called-fatal');
  assert.deepEqual(unreported.map((d) => `${d.program} ${d.file} [${d.mutation ?? d.origin}]: ${d.programMessage}`), [], 'the server refuses these files but the validator reports no error');
  assert.deepEqual(falseFatal.map((d) => `${d.program} ${d.file} [${d.mutation ?? d.origin}]: ${d.diagnostics[0] ?? ''}`), [], 'the server accepts these files but the validator reports an error');
});
