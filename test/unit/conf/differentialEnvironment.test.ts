import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { environmentDependence, normalizeBase, oracleEnv, ORACLE_ENV, zonesMissingOnHost } from '../../differential/environment';
import { DEFAULT_SEED, seedFromEnv } from '../../differential/harness';

/* The differential tier's fixed environment: what the oracles inherit, how bases are pinned, which files depend on the host. */

test('the oracle environment is complete and fixed: C locale, UTC, nothing inherited', () => {
  const before = { ...process.env };
  process.env.PGHOST = 'elsewhere';
  process.env.PGDATESTYLE = 'German';
  try {
    const env = oracleEnv({ name: 'postgres', uid: 1, gid: 1, home: '/var/lib/postgresql', switched: true });
    assert.equal(env.LC_ALL, 'C');
    assert.equal(env.LANG, 'C');
    assert.equal(env.TZ, 'UTC');
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('PG')), []);
    assert.deepEqual(ORACLE_ENV, { LC_ALL: 'C', LANG: 'C', TZ: 'UTC' });
  } finally {
    for (const k of ['PGHOST', 'PGDATESTYLE']) if (before[k] === undefined) delete process.env[k]; else process.env[k] = before[k];
  }
});

test('normalizeBase pins the lines initdb chooses by probing the host, and says so', () => {
  const probed = "max_connections = 20\t\t\t# (change requires restart)\nshared_buffers = 32MB\t\t\t# min 128kB\n#shared_buffers = 1GB\ndynamic_shared_memory_type = sysv\nwork_mem = 4MB\n";
  const r = normalizeBase(probed);
  assert.equal(r.text, "max_connections = 100\t\t\t# (change requires restart)\nshared_buffers = 128MB\t\t\t# min 128kB\n#shared_buffers = 1GB\ndynamic_shared_memory_type = posix\nwork_mem = 4MB\n");
  assert.deepEqual(r.normalized, ['max_connections 20 -> 100', 'shared_buffers 32MB -> 128MB', 'dynamic_shared_memory_type sysv -> posix']);
  const fixed = 'max_connections = 100\nshared_buffers = 128MB\n';
  assert.deepEqual(normalizeBase(fixed), { text: fixed, normalized: [] });
});

test('environmentDependence: named locales and host-dependent zone files, not C, empty or clear refusals', () => {
  assert.match(environmentDependence("lc_messages = 'en_US.UTF-8'\n") ?? '', /locale -a/);
  assert.match(environmentDependence("lc_time = 'C.UTF-8'\n") ?? '', /depends on the host/);
  assert.match(environmentDependence('timezone = localtime\n') ?? '', /tz database/);
  assert.match(environmentDependence("log_timezone = 'posix/Europe/Berlin'\n") ?? '', /tz database/);
  for (const text of ["lc_messages = 'C'\n", "lc_monetary = ''\n", "lc_numeric = 'POSIX'\n", "lc_messages = 'x'\n", "lc_time = 'localhost'\n",
    "timezone = 'UTC'\n", 'timezone = 290sec\n', "#lc_messages = 'en_US.UTF-8'\n"]) {
    assert.equal(environmentDependence(text), undefined, text);
  }
});

test('the corpus seed comes from PGPOOL_CLUSTER_DIFF_SEED, with a clear error for a bad one', () => {
  assert.equal(seedFromEnv({}), DEFAULT_SEED);
  assert.equal(seedFromEnv({ PGPOOL_CLUSTER_DIFF_SEED: '' }), DEFAULT_SEED);
  assert.equal(seedFromEnv({ PGPOOL_CLUSTER_DIFF_SEED: '7' }), 7);
  assert.throws(() => seedFromEnv({ PGPOOL_CLUSTER_DIFF_SEED: 'abc' }), /whole number from 0 to 4294967295/);
  assert.throws(() => seedFromEnv({ PGPOOL_CLUSTER_DIFF_SEED: '99999999999' }), /unset it for the default/);
});

test('zonesMissingOnHost lists known zones a tz directory lacks (case-insensitive), ignoring host-dependent files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zoneinfo-'));
  try {
    mkdirSync(path.join(dir, 'Europe'));
    writeFileSync(path.join(dir, 'Europe', 'Berlin'), '');
    writeFileSync(path.join(dir, 'UTC'), '');
    assert.deepEqual(zonesMissingOnHost(['utc', 'europe/berlin', 'europe/paris', 'localtime', 'posix/utc', 'asia/tokyo'], dir), ['asia/tokyo', 'europe/paris']);
    assert.equal(zonesMissingOnHost(['utc'], path.join(dir, 'absent')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
