import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from '../../../src/cli/configurePgpool';
import { pgpoolConfigInput } from '../../../src/core/ops/setup/configurePgpoolInput';
import { detectionProfiles, generateScripts } from '../../../src/core/ops/setup/pgpoolConfig';
import { cluster } from '../ops/fixtures';

test('--failover-max-lag takes bytes or PostgreSQL-style units and refuses anything else', () => {
  assert.equal(parseSize('1048576'), 1048576);
  assert.equal(parseSize('16MB'), 16 * 1024 * 1024);
  assert.equal(parseSize('512kB'), 512 * 1024);
  assert.equal(parseSize(' 1 gb '), 1024 ** 3);
  for (const bad of ['', '-1', '1.5MB', '16 MiB', '1TB', 'lots']) assert.equal(parseSize(bad), null, bad);
});

test('the bound reaches the generated failover script; without it the default 16 MiB', () => {
  const c = cluster('15', '4.3');
  const o = { pgpoolVersion: '4.3', postgresMajor: '15', profile: detectionProfiles.fast };
  const script = (extra: object): string => generateScripts(pgpoolConfigInput(c, undefined, { ...o, ...extra }))[0]!.content;
  assert.match(script({ failoverMaxLagBytes: 1234 }), /^MAX_LAG_BYTES=1234$/m);
  assert.match(script({}), /^MAX_LAG_BYTES=16777216$/m);
});
