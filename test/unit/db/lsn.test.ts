import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatLsn, lsnDiff, parseLsn } from '../../../src/core/db/lsn';

test('LSNs parse to byte positions and back', () => {
  assert.equal(parseLsn('0/0'), 0n);
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xb374d848n);
  assert.equal(formatLsn(parseLsn('16/B374D848')!), '16/B374D848');
  assert.equal(parseLsn('FFFFFFFF/FFFFFFFF'), 0xffffffffffffffffn);
  assert.equal(parseLsn('nope'), undefined);
  assert.equal(parseLsn(null), undefined);
});

test('differences cross the 4 GB boundary and go negative', () => {
  assert.equal(lsnDiff('1/0', '0/FFFFFFFF'), 1);
  assert.equal(lsnDiff('0/3000060', '0/3000000'), 0x60);
  assert.equal(lsnDiff('0/10', '0/20'), -16);
  assert.equal(lsnDiff('0/10', undefined), undefined);
});

test('bytes read like sizes', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(16 * 1024 * 1024), '16 MB');
});
