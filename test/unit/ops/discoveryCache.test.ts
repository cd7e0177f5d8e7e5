/** The last complete discovery stands in for a plan's SSH probes: kept only when every host answered, keyed by what it depends on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discover } from '../../../src/core/ops/preflight/discovery';
import { discoveryCacheable, discoveryCacheKey, readCachedDiscovery, writeCachedDiscovery } from '../../../src/core/ops/preflight/discoveryCache';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import type { SqlClient } from '../../../src/core/db/types';
import { cluster } from './fixtures';

const withoutBinDirs = (): ReturnType<typeof cluster> => {
  const base = cluster('15', '4.3');
  return { ...base, nodes: base.nodes.map(({ binDir: _b, ...n }) => n), pgpool: base.pgpool.map(({ binDir: _b, ...p }) => p) };
};

function env(answers: (host: string) => string | undefined): OpsEnvironment {
  return {
    nodes: [],
    remote: (host) => ({
      label: host,
      exec: async () => { const out = answers(host); if (out === undefined) throw new Error(`ssh to ${host} refused`); return { code: 0, signal: null, stdout: out, stderr: '' }; },
      readFile: async () => Buffer.alloc(0), writeFile: async () => undefined,
    }),
    sql: (node) => ({ label: node, query: async () => [], close: async () => undefined }) as unknown as SqlClient,
    pcp: async () => '', pgpoolNode: async () => { throw new Error('unused'); }, close: async () => undefined,
  };
}

test('a complete discovery is written and read back as it was; one with a silent host is not kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'disc-cache-'));
  try {
    const file = path.join(dir, 'discovery.json');
    const c = withoutBinDirs();
    assert.equal(discoveryCacheable(c), true, 'the fixture names every data directory');
    const key = discoveryCacheKey(c, '15');
    const all = await discover(c, undefined, env(() => 'pg=/usr/lib/postgresql/15/bin\npg_on_path=\npcp=/usr/sbin\npcp_on_path=\n'));
    assert.equal(all.unanswered, undefined);
    await writeCachedDiscovery(key, all, file);
    const back = await readCachedDiscovery(key, file);
    assert.ok(back);
    assert.deepEqual([...back.nodes.entries()], [...all.nodes.entries()]);
    assert.deepEqual([...back.pgpool.entries()], [...all.pgpool.entries()]);
    assert.deepEqual(back.notes, all.notes);
    assert.equal(back.nodes.get(c.nodes[1]!.name)?.binDir, '/usr/lib/postgresql/15/bin');

    const partial = await discover(c, undefined, env((h) => (h === c.nodes[2]!.name ? undefined : 'pg=/opt/pg/bin\npg_on_path=\npcp=\npcp_on_path=\n')));
    assert.deepEqual(partial.unanswered, [c.nodes[2]!.name]);
    await writeCachedDiscovery(key, partial, file);
    assert.equal((await readCachedDiscovery(key, file))?.nodes.get(c.nodes[1]!.name)?.binDir, '/usr/lib/postgresql/15/bin', 'the complete entry stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the key changes with what the answer depends on: address, SSH user, wanted major; a file without data directories is not cached', () => {
  const c = withoutBinDirs();
  const key = discoveryCacheKey(c, '15');
  assert.notEqual(discoveryCacheKey(c, '16'), key);
  assert.notEqual(discoveryCacheKey({ ...c, nodes: c.nodes.map((n, i) => (i === 1 ? { ...n, host: '192.0.2.99' } : n)) }, '15'), key);
  assert.notEqual(discoveryCacheKey({ ...c, ssh: { ...c.ssh, user: 'someone' } }, '15'), key);
  assert.equal(discoveryCacheKey({ ...c }, '15'), key);
  assert.equal(discoveryCacheable({ ...c, nodes: c.nodes.map(({ dataDirectory: _d, ...n }, i) => (i === 0 ? n : { ...n, dataDirectory: '/d' })) }), false);
});
