import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, lockPath } from '../../../src/core/ops/engine/lock';
import { currentLockHolder } from '../../../src/core/ops/engine/lockHolder';

test('currentLockHolder: the live holder, nothing when free, dead or unreadable; never takes the lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-holder-'));
  try {
    assert.equal(await currentLockHolder('c', { dir }), undefined, 'free');
    const held = await acquireLock('c', 'recover node1', { dir });
    const h = await currentLockHolder('c', { dir });
    assert.equal(h?.operation, 'recover node1');
    assert.equal(h?.pid, process.pid);
    assert.equal(await currentLockHolder('c', { dir }).then((x) => x?.pid), process.pid, 'reading twice does not take it');
    await held.release();
    assert.equal(await currentLockHolder('c', { dir }), undefined, 'released');
    // A holder on this machine whose process is gone is stale; another machine's with an old heartbeat too.
    writeFileSync(lockPath('c', dir), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), startedAt: '2026-01-01T00:00:00Z', operation: 'x' }));
    assert.equal(await currentLockHolder('c', { dir }), undefined);
    writeFileSync(lockPath('c', dir), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00Z', heartbeatAt: '2026-01-01T00:00:00Z', operation: 'x' }));
    assert.equal(await currentLockHolder('c', { dir, now: () => Date.parse('2026-01-01T00:05:00Z') }), undefined);
    assert.equal((await currentLockHolder('c', { dir, now: () => Date.parse('2026-01-01T00:00:30Z') }))?.host, 'elsewhere', 'a fresh heartbeat counts');
    writeFileSync(lockPath('c', dir), 'not json');
    assert.equal(await currentLockHolder('c', { dir }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
