import { join, resolve } from 'node:path';

/** The repository root: out/test/harness/paths.js lives three levels below it. */
export const repoRoot = resolve(__dirname, '..', '..', '..');
export const codeServerDir = process.env.CODE_SERVER_DIR ?? join(repoRoot, '.code-server');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
/** Where `lab up` writes the cluster definition of the running lab (override for other layouts). */
export const labClusterFile = process.env.PGPOOL_LAB_CLUSTER_FILE ?? join(repoRoot, '.lab', 'pgpool-cluster.yaml');
export const extensionId = 'pgpool-cluster.pgpool-cluster';
