/**
 * `node out/test/differential/main.js [mutationsPerFamily]`: runs the differential harness and prints the summary.
 * PGPOOL_CLUSTER_DIFF_SEED picks another corpus (default 20261125).
 */
import { runDifferential, summary } from './harness';

runDifferential({ mutationsPerFamily: Number(process.argv[2] ?? 1000) }).then((r) => {
  console.log(summary(r));
}, (err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
