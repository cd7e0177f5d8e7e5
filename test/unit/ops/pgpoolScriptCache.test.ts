import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { CLEAN_STOP_MARKER, TARGET_FILE_MARKER } from '../../../src/core/ops/setup/pgpoolConfig';
import { probePgpoolScripts } from '../../../src/core/ops/handover/pgpoolScriptCache';
import { cluster } from './fixtures';

/** A pgpool host whose files carry a stamp; counts SFTP reads and stat calls. */
function fakeHost(files: Record<string, { text: string; stamp: string }>): { env: OpsEnvironment; reads: string[]; stats: number } {
  const seen = { reads: [] as string[], stats: 0 };
  const env = {
    remote: () => ({
      label: 'fake', writeFile: async () => undefined,
      readFile: async (p: string) => { seen.reads.push(p); const f = files[p]; if (!f) throw new Error(`No such file: ${p}`); return Buffer.from(f.text); },
      exec: async (argv: readonly string[]) => {
        // The discovery of the running pgpool.conf finds nothing here: the default path is used.
        if (argv[3] !== 'pgpool-cluster-stat') return { code: 1, signal: null, stderr: 'no pgpool running', stdout: '' };
        seen.stats++;
        return { code: 0, signal: null, stderr: '', stdout: argv.slice(4).map((p) => files[p]?.stamp ?? 'missing').join('\n') };
      },
    }),
  } as unknown as OpsEnvironment;
  return { env, get reads() { return seen.reads; }, get stats() { return seen.stats; } };
}

test('the failover script facts are read once, then served from the cache until a file\'s stamp changes', async () => {
  const c = cluster('15', '4.3');
  const cache = join(mkdtempSync(join(tmpdir(), 'script-cache-')), 'state', 'pgpool-scripts.json');
  const files = {
    '/etc/pgpool2/pgpool.conf': { text: "failover_command = '/etc/pgpool2/failover.sh %d %h'\nfollow_primary_command = '/etc/pgpool2/follow_primary.sh %d'\nsr_check_user = 'pgpool'\nsr_check_period = 5\n", stamp: '11 90 2026-11-29 20:00:00.1 +0000' },
    '/etc/pgpool2/failover.sh': { text: `#!/bin/bash\n${CLEAN_STOP_MARKER}: x\n${TARGET_FILE_MARKER}: /etc/pgpool2/failover.target\n`, stamp: '12 120 2026-11-29 20:00:00.2 +0000' },
  };
  const host = fakeHost(files);
  const srCheck = { user: 'pgpool', periodS: 5 };
  const want = { facts: { srCheck, waitsForCleanStop: true, script: '/etc/pgpool2/failover.sh', targetFile: '/etc/pgpool2/failover.target' }, scripts: ['/etc/pgpool2/failover.sh', '/etc/pgpool2/follow_primary.sh'] };
  assert.deepEqual(await probePgpoolScripts(c, host.env, undefined, cache), want);
  assert.equal(host.reads.length, 2);
  // Unchanged: one stat, no read.
  assert.deepEqual(await probePgpoolScripts(c, host.env, undefined, cache), want);
  assert.equal(host.reads.length, 2);
  // The script was replaced by an older one without the target marker: read again.
  files['/etc/pgpool2/failover.sh'] = { text: `#!/bin/bash\n${CLEAN_STOP_MARKER}: x\n`, stamp: '13 40 2026-11-29 20:05:00.0 +0000' };
  assert.deepEqual(await probePgpoolScripts(c, host.env, undefined, cache), { ...want, facts: { srCheck, waitsForCleanStop: true, script: '/etc/pgpool2/failover.sh' } });
  assert.equal(host.reads.length, 4);
  assert.deepEqual(await probePgpoolScripts(c, host.env, undefined, cache), { ...want, facts: { srCheck, waitsForCleanStop: true, script: '/etc/pgpool2/failover.sh' } });
  assert.equal(host.reads.length, 4);
});

test('a missing failover script is never cached: the next run looks again', async () => {
  const c = cluster('15', '4.3');
  const cache = join(mkdtempSync(join(tmpdir(), 'script-cache-')), 'pgpool-scripts.json');
  const host = fakeHost({ '/etc/pgpool2/pgpool.conf': { text: "failover_command = '/etc/pgpool2/failover.sh %d'\n", stamp: '1 2 3' } });
  // pgpool's defaults for its replication check (pgpool.conf leaves them out); nothing of the script.
  assert.deepEqual((await probePgpoolScripts(c, host.env, undefined, cache)).facts, { srCheck: { user: 'nobody', periodS: 10 } });
  await probePgpoolScripts(c, host.env, undefined, cache);
  assert.equal(host.reads.filter((p) => p.endsWith('failover.sh')).length, 2);
});
