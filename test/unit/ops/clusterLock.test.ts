// The cluster lock's script run by sh on this machine (LocalHost), as it runs on a pgpool host over SSH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/core/db/localPcp';
import { acquireClusterLock, clusterLockStale, holderLine, parseHolder, readClusterLock, workstationId } from '../../../src/core/ops/engine/clusterLock';
import { LockError } from '../../../src/core/ops/engine/lock';

const host = new LocalHost();
const fresh = (): { dir: string; ws: (name: string) => string } => {
  const root = mkdtempSync(join(tmpdir(), 'pgc-cluster-lock-'));
  return { dir: join(root, 'locks'), ws: (name) => join(root, `ws-${name}`) };
};

test('a second workstation is refused with who holds the lock and since when; free again once released', async () => {
  const { dir, ws } = fresh();
  const a = await acquireClusterLock(host, 'lab', 'fence node0', { dir, workstationDir: ws('a') });
  await assert.rejects(acquireClusterLock(host, 'lab', 'recover node1', { dir, workstationDir: ws('b') }),
    (e: Error) => e instanceof LockError && /^operation-in-progress: held by \S+@\S+ \(pid \d+, fence node0\) since \d{4}-\d\d-\d\dT/.test(e.message));
  await a.release();
  assert.ok(!existsSync(join(dir, 'lab.lock')), 'released');
  const b = await acquireClusterLock(host, 'lab', 'recover node1', { dir, workstationDir: ws('b') });
  await b.release();
});

test('another workstation\'s lock counts while its heartbeat is fresh, and is taken over once it is stale', async () => {
  const { dir, ws } = fresh();
  const a = await acquireClusterLock(host, 'c', 'switchover node1', { dir, workstationDir: ws('a'), heartbeatMs: 60_000 });
  await assert.rejects(acquireClusterLock(host, 'c', 'op', { dir, workstationDir: ws('b'), staleAfterMs: 60_000 }), LockError);
  // The holder died 10 minutes ago: its heartbeat file is that old.
  execFileSync('touch', ['-d', '10 minutes ago', join(dir, 'c.lock', 'holder')]);
  const b = await acquireClusterLock(host, 'c', 'recover node0', { dir, workstationDir: ws('b'), staleAfterMs: 60_000 });
  assert.match(readFileSync(join(dir, 'c.lock', 'holder'), 'utf8'), /recover node0/);
  await a.release();
  assert.ok(existsSync(join(dir, 'c.lock')), 'the dead holder\'s late release does not free the new holder\'s lock');
  await b.release();
});

test('on the same workstation a dead process\'s lock is stale at once, a live one never', () => {
  const h = parseHolder(holderLine({ holder: 'u@w', workstation: 'me', pid: 12345, startedAt: '2026-01-01T00:00:00Z', operation: 'op' }));
  assert.deepEqual(h, { holder: 'u@w', workstation: 'me', pid: 12345, startedAt: '2026-01-01T00:00:00Z', operation: 'op' });
  assert.equal(clusterLockStale(h, 10 * 3_600_000, 'me', 120_000, () => true), false, 'alive here: held however old');
  assert.equal(clusterLockStale(h, 0, 'me', 120_000, () => false), true, 'dead here: stale at once');
  assert.equal(clusterLockStale(h, 1_000, 'other', 120_000, () => false), false, 'elsewhere: fresh heartbeat holds');
  assert.equal(clusterLockStale(h, 200_000, 'other', 120_000, () => true), true, 'elsewhere: old heartbeat is stale');
});

test('many workstations taking over one stale lock: exactly one wins', async () => {
  const { dir, ws } = fresh();
  for (let round = 0; round < 3; round++) {
    const dead = await acquireClusterLock(host, 'r', 'crashed', { dir, workstationDir: ws('dead'), heartbeatMs: 3_600_000 });
    execFileSync('touch', ['-d', '10 minutes ago', join(dir, 'r.lock', 'holder')]);
    const tries = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => acquireClusterLock(host, 'r', `taker ${i}`, { dir, workstationDir: ws(`t${i}`), staleAfterMs: 60_000 })));
    const won = tries.filter((t) => t.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}: ${won.length} holders at once`);
    assert.ok(tries.every((t) => t.status === 'fulfilled' || (t.reason as Error) instanceof LockError));
    for (const t of won) await (t as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireClusterLock>>>).value.release();
    void dead;
  }
});

test('the workstation id is made once and kept', async () => {
  const { ws } = fresh();
  const id = await workstationId(ws('x'));
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(await workstationId(ws('x')), id);
  writeFileSync(join(ws('y')), '');
  await assert.rejects(workstationId(join(ws('y'), 'sub')), 'a state directory that cannot be made is an error, not a silent shared id');
});

test('readClusterLock reads the holder without taking it: another workstation\'s live lock, nothing when free or stale', async () => {
  const { dir, ws } = fresh();
  assert.equal(await readClusterLock(host, 'lab', { dir, workstationDir: ws('b') }), undefined, 'free');
  const a = await acquireClusterLock(host, 'lab', 'recover node2', { dir, workstationDir: ws('a'), heartbeatMs: 60_000 });
  const seen = await readClusterLock(host, 'lab', { dir, workstationDir: ws('b') });
  assert.equal(seen?.holder?.operation, 'recover node2');
  assert.equal(seen?.holder?.pid, process.pid);
  assert.match(seen?.holder?.startedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.ok(!readFileSync(join(dir, 'lab.lock', 'holder'), 'utf8').includes('undefined'));
  // Reading takes nothing: the holder still releases it, and a heartbeat gone stale is not named.
  execFileSync('touch', ['-d', '10 minutes ago', join(dir, 'lab.lock', 'holder')]);
  assert.equal(await readClusterLock(host, 'lab', { dir, workstationDir: ws('b'), staleAfterMs: 60_000 }), undefined, 'stale');
  await a.release();
  assert.ok(!existsSync(join(dir, 'lab.lock')), 'released by its holder');
});
