/** Discovery: what the hosts reveal fills only what the cluster file leaves out, and plans and check say so. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyDiscovery, discover, discoverArgv, parseDiscovery } from '../../../src/core/ops/preflight/discovery';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { withDiscovery } from '../../../src/core/ops/engine/operation';
import { renderPlan } from '../../../src/core/ops/engine/plan';
import type { SqlClient } from '../../../src/core/db/types';
import { cluster, HEALTHY, status, planFor } from './fixtures';

test('the probe output is parsed strictly: absolute directories only, on-PATH flags', () => {
  assert.deepEqual(parseDiscovery('pg=/usr/lib/postgresql/15/bin\npg_on_path=\npcp=/usr/sbin\npcp_on_path=1\n'),
    { pg: '/usr/lib/postgresql/15/bin', pcp: '/usr/sbin', pcpOnPath: true });
  assert.deepEqual(parseDiscovery('pg=\npg_on_path=\npcp=relative/dir\npcp_on_path=\n'), {});
  assert.deepEqual(parseDiscovery('garbage'), {});
});

test('the probe is one fixed script; a hostile wanted major is data, never code', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'disc-'));
  try {
    const marker = path.join(dir, 'pwned');
    const argv = discoverArgv(`15; touch ${marker}`);
    assert.equal(argv.length, 5);
    assert.equal(argv[4], `15; touch ${marker}`);
    const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    assert.match(out, /^pg=.*\npg_on_path=.*\npcp=.*\npcp_on_path=.*\n$/);
    assert.equal(existsSync(marker), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeEnv(replies: Record<string, string>, dataDirs: Record<string, string>): OpsEnvironment & { probed: string[] } {
  const probed: string[] = [];
  return {
    probed, nodes: [],
    remote: (host) => ({
      label: host,
      exec: async () => { probed.push(host); return { code: 0, signal: null, stdout: replies[host] ?? 'pg=\npcp=\n', stderr: '' }; },
      readFile: async () => Buffer.alloc(0), writeFile: async () => undefined,
    }),
    sql: (node) => ({ label: node, query: async () => [{ data_directory: dataDirs[node] }], close: async () => undefined }) as unknown as SqlClient,
    pcp: async () => '', pgpoolNode: async () => { throw new Error('unused'); }, close: async () => undefined,
  };
}

test('only what the file leaves out is probed and filled; the file always wins; plans list it', async () => {
  const base = cluster('15', '4.3');
  const c = {
    ...base,
    pgpool: base.pgpool.map(({ binDir: _b, ...p }) => p),
    nodes: base.nodes.map((n, i) => (i === 0 ? n : (({ binDir: _b, dataDirectory: _d, ...rest }) => rest)(n))),
  };
  const env = fakeEnv({
    db1: 'pg=/usr/lib/postgresql/15/bin\npg_on_path=\npcp=\npcp_on_path=\n',
    db2: 'pg=/opt/pg/bin\npg_on_path=1\npcp=\npcp_on_path=\n',
    pgpool: 'pg=\npg_on_path=\npcp=/usr/sbin\npcp_on_path=\n',
  }, { db0: '/ignored', db1: '/srv/db1', db2: '/srv/db2' });
  const d = await discover(c, status(c, HEALTHY), env);
  assert.deepEqual(env.probed.sort(), ['db1', 'db2', 'pgpool'], 'db0 names its binDir: not probed');
  const known = applyDiscovery(c, d);
  assert.deepEqual(known.nodes.map((n) => [n.binDir, n.dataDirectory]), [
    ['/usr/pgsql/bin', '/data/db0'], // the file's values
    ['/usr/lib/postgresql/15/bin', '/srv/db1'],
    [undefined, '/srv/db2'], // on the PATH already: nothing to set
  ]);
  assert.equal(known.pgpool[0]!.binDir, '/usr/sbin');
  const built = withDiscovery(planFor('recover', { cluster: known, status: status(known, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]), options: { method: 'basebackup' } }, 'db1'), d);
  assert.ok(built.ok, built.ok ? '' : built.reason);
  const text = renderPlan(built.plan);
  assert.match(text, /Discovered on the hosts \(the cluster file overrides\):\n {2}- db1: PostgreSQL programs in \/usr\/lib\/postgresql\/15\/bin \(discovered;/);
  assert.match(text, /\/usr\/lib\/postgresql\/15\/bin\/pg_basebackup -d/);
  assert.match(text, /db2: PostgreSQL programs in \/opt\/pg\/bin \(on the PATH;/);
});

test('a host without the programs is named with the directories searched and what to set', async () => {
  const base = cluster('15', '4.3');
  const c = { ...base, nodes: base.nodes.map((n) => (({ binDir: _b, ...rest }) => rest)(n)) };
  const d = await discover(c, status(c, HEALTHY), fakeEnv({}, {}));
  assert.equal(d.missing.length, 3);
  assert.match(d.missing[0]!, /^db0: no pg_ctl in .*\/usr\/lib\/postgresql\/N\/bin.*; set binDir for db0$/);
});
