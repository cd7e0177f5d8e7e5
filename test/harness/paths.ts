import { join, resolve } from 'node:path';
import { defaultLabDir } from '../../src/core/lab/layout';

/** The repository root: out/test/harness/paths.js lives three levels below it. */
export const repoRoot = resolve(__dirname, '..', '..', '..');
export const codeServerDir = process.env.CODE_SERVER_DIR ?? join(repoRoot, '.code-server');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
/** The running lab's cluster definition: `lab up` writes it, `lab down` removes it (`lab env` exports it). */
export const labClusterFile = process.env.PGPOOL_CLUSTER_FILE ?? join(defaultLabDir(), 'pgpool-cluster.yaml');
export const extensionId = 'pgpool-cluster.pgpool-cluster';
