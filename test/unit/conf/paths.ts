import * as path from 'node:path';

/** Repository root, from either test/unit/conf (ts) or out/test/unit/conf (compiled). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../../..' : '../../..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'conf');
