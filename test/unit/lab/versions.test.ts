import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labLayout } from '../../../src/core/lab/layout';
import { findLabPrograms } from '../../../src/core/lab/prerequisites';
import { sharedNodeSettings, writeStandbyConfig } from '../../../src/core/lab/postgres';

const me = { name: 'me', uid: 1000, gid: 1000, home: '/home/me', switched: false };

test('a second lab lives on another loopback prefix', () => {
  const l = labLayout('/srv/lab2', 3, '127.0.5');
  assert.deepEqual([l.pgpool.address, ...l.nodes.map((n) => n.address)], ['127.0.5.10', '127.0.5.11', '127.0.5.12', '127.0.5.13']);
  assert.throws(() => labLayout('/srv/x', 3, '10.0.0'), /loopback/);
  assert.throws(() => labLayout('/srv/x', 3, '127.0.0.1; rm'), /loopback/);
});

test('PostgreSQL 11 and 17 servers come from the npm cache, client tools from Debian 15', () => {
  const p = findLabPrograms(17, () => true, '/cache');
  assert.equal(p.pgBin, '/cache/node_modules/pg17/native/bin');
  assert.equal(p.pgClientBin, '/usr/lib/postgresql/15/bin');
  assert.equal(findLabPrograms(15, () => true).pgBin, '/usr/lib/postgresql/15/bin');
  assert.throws(() => findLabPrograms(12, () => true), /11, 15, 17/);
  assert.throws(() => findLabPrograms(11, (f) => !f.startsWith('/cache'), '/cache'), /install-postgres-versions\.sh/);
});

test('node settings use wal_keep_segments before 13 and wal_keep_size from 13', () => {
  assert.match(sharedNodeSettings(11), /^wal_keep_segments = 32$/m);
  assert.doesNotMatch(sharedNodeSettings(11), /wal_keep_size/);
  assert.match(sharedNodeSettings(17), /^wal_keep_size = '512MB'$/m);
});

test('standby configuration: recovery.conf with standby_mode and trigger_file on 11, standby.signal on 12+', () => {
  const dir = mkdtempSync(join(tmpdir(), 'standby-'));
  const layout = labLayout(dir);
  const [primary, standby] = [layout.nodes[0]!, layout.nodes[1]!];
  mkdirSync(standby.dataDir, { recursive: true });
  writeStandbyConfig(layout, primary, standby, 11, me);
  const rc = readFileSync(join(standby.dataDir, 'recovery.conf'), 'utf8');
  assert.match(rc, /^standby_mode = 'on'$/m);
  assert.match(rc, /^primary_conninfo = 'host=127\.0\.0\.11 .*application_name=node1/m);
  assert.match(rc, /^trigger_file = '.*promote\.trigger'$/m);
  assert.equal(existsSync(join(standby.dataDir, 'standby.signal')), false);

  const other = layout.nodes[2]!;
  mkdirSync(other.dataDir, { recursive: true });
  writeStandbyConfig(layout, primary, other, 17, me);
  assert.equal(existsSync(join(other.dataDir, 'standby.signal')), true);
  assert.match(readFileSync(join(other.dataDir, 'postgresql.auto.conf'), 'utf8'), /primary_conninfo = 'host=127\.0\.0\.11/);
});
