import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlanResult } from '../../../src/core/ops/engine/plan';
import { followsWithoutRewind, forkPoint, historyFilePath, parseWalEnd, recordEnd, waldumpScript } from '../../../src/core/ops/recover/walFork';
import { cluster, status, planFor } from './fixtures';

// Output of Debian's pg_waldump 15 on a freshly initialised data directory (real, captured on this machine).
const DUMP = `rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/01511A88, prev 0/01511A40, desc: CHECKPOINT_SHUTDOWN redo 0/1511A88; tli 1; shutdown
pg_waldump: error: error in WAL record at 0/1511A88: invalid record length at 0/1511B00: wanted 24, got 0`;

test('the end of WAL is the last record pg_waldump read plus its length, page headers counted', () => {
  // pg_waldump itself reports the next record position 0/1511B00 for this dump.
  assert.equal(parseWalEnd(DUMP), '0/1511B00');
  // stdout is flushed after stderr through a pipe: the order of lines does not matter, the highest LSN wins.
  assert.equal(parseWalEnd(DUMP.split('\n').reverse().join('\n')), '0/1511B00');
  assert.equal(parseWalEnd('pg_waldump: error: could not find file "000000010000000000000003": No such file or directory'), undefined);
  assert.equal(parseWalEnd(''), undefined);
  // A record crossing into the next page gains a short page header (24 bytes), into a new segment a long one (40).
  assert.equal(recordEnd(8192n - 16n, 100), 8192n + 24n + 88n);
  assert.equal(recordEnd(16n * 1024n * 1024n - 16n, 100), 16n * 1024n * 1024n + 40n + 88n);
  // Ending exactly on a page boundary adds no header; the end is MAXALIGNed.
  assert.equal(recordEnd(8192n - 64n, 64), 8192n);
  assert.equal(recordEnd(0x1511A88n, 114), 0x1511B00n);
  // A record longer than a page crosses several headers.
  assert.equal(recordEnd(8000n, 20000), 8000n + 20000n + 3n * 24n);
});

test('the fork point is where the node\'s timeline ends in the primary\'s history; unknown facts never allow a restart', () => {
  const history = '1\t0/3000148\tno recovery target specified\n\n2\t0/5000000\tno recovery target specified\n';
  assert.equal(forkPoint(history, 1), '0/3000148');
  assert.equal(forkPoint(history, 2), '0/5000000');
  assert.equal(forkPoint(history, 3), undefined);
  assert.equal(forkPoint('garbage\n#comment\n', 1), undefined);
  assert.ok(followsWithoutRewind('0/3000148', '0/3000148'));
  assert.ok(followsWithoutRewind('0/3000100', '0/3000148'));
  assert.ok(!followsWithoutRewind('0/3000150', '0/3000148'));
  assert.ok(!followsWithoutRewind(undefined, '0/3000148'));
  assert.ok(!followsWithoutRewind('0/3000100', undefined));
  assert.equal(historyFilePath(10, 'pg_wal'), 'pg_wal/0000000A.history');
});

test('pg_waldump runs on the node\'s host with every value quoted and only the tail coming back', () => {
  const c = cluster('15', '4.3');
  const node = { ...c.nodes[1]!, dataDirectory: "/data/it's here", binDir: '/usr/lib/postgresql/15/bin' };
  assert.equal(waldumpScript(node, 1, '0/1511A88').script,
    "env LC_ALL=C /usr/lib/postgresql/15/bin/pg_waldump -p '/data/it'\\''s here' -t 1 -s 0/1511A88 2>&1 | tail -n 8");
});

test('recover default: a former primary whose WAL stops at the fork restarts as a standby; one past it is rewound', () => {
  const c = cluster('15', '4.3');
  const s = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]);
  const base = { nodeSystemId: '7', primarySystemId: '7', nodeState: 'in production', nodeTimeline: 1, nodeLsn: '0/3000028', primaryTimeline: 2, primaryLsn: '0/4000000', clientMajor: '15' };
  const plan = (facts: object): { summary: string; ids: string[] } => {
    const r: PlanResult = planFor('recover', { cluster: c, status: s, facts }, 'db1');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    return { summary: r.plan.summary, ids: r.plan.steps.map((x) => x.id) };
  };
  const same = plan({ ...base, nodeWalEnd: '0/3000148', forkLsn: '0/3000148' });
  assert.match(same.summary, /by restart .*never diverged/);
  assert.ok(!same.ids.some((i) => /rewind|basebackup|copy/.test(i)), same.ids.join());
  assert.match(plan({ ...base, nodeWalEnd: '0/3000548', forkLsn: '0/3000148' }).summary, /by rewind \(its WAL goes 1\.0 kB past 0\/3000148/);
  for (const facts of [{ ...base, nodeWalEnd: '0/3000150', forkLsn: '0/3000148' }, { ...base, forkLsn: '0/3000148' }, { ...base, nodeWalEnd: '0/3000100' },
    // A standby whose minimum recovery point (in nodeLsn) is past the fork, whatever its WAL files say.
    { ...base, nodeState: 'shut down in recovery', nodeLsn: '0/6185F00', nodeWalEnd: '0/3000100', forkLsn: '0/3000148' },
    // Same timeline as the primary: the fork rule does not apply (the standby rule decides).
    { ...base, nodeTimeline: 2, nodeWalEnd: '0/3000100', forkLsn: '0/3000148' }]) {
    assert.match(plan(facts).summary, /by rewind/, JSON.stringify(facts));
  }
});

test('recover after a fork: pg_rewind, with a warning when it would also send a pg_wal of at least 256 MB and half the data', () => {
  const c = cluster('15', '4.3');
  const s = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]);
  const forked = { nodeSystemId: '7', primarySystemId: '7', nodeState: 'in production', nodeTimeline: 1, nodeLsn: '0/3000028', primaryTimeline: 2, primaryLsn: '0/4000000',
    clientMajor: '15', nodeWalEnd: '0/3300000', forkLsn: '0/3000148' };
  const MB = 1024 * 1024;
  const plan = (facts: object): { summary: string; warnings: readonly string[] } => {
    const r: PlanResult = planFor('recover', { cluster: c, status: s, facts }, 'db1');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    return r.plan;
  };
  const big = plan({ ...forked, primaryWalBytes: 834 * MB, databaseBytes: 1039 * MB, copyReady: true });
  assert.match(big.summary, /by rewind/);
  assert.ok(big.warnings.some((w) => /whole pg_wal: 834 MB, against 1\.0 GB of data\. Over a slow link, --method copy .*only the pages that differ\.$/.test(w)), big.warnings.join('\n'));
  const noRsync = plan({ ...forked, primaryWalBytes: 834 * MB, databaseBytes: 1039 * MB, copyReady: false });
  assert.ok(noRsync.warnings.some((w) => /needs rsync on both hosts/.test(w)), noRsync.warnings.join('\n'));
  for (const facts of [
    { ...forked, primaryWalBytes: 200 * MB, databaseBytes: 300 * MB, copyReady: true }, // small pg_wal: rewind is cheap anyway
    { ...forked, primaryWalBytes: 16 * 1024 * MB, databaseBytes: 500 * 1024 * MB, copyReady: true }, // big database: pg_wal is a small share
    { ...forked, copyReady: true }, // sizes unknown
  ]) {
    const p = plan(facts);
    assert.match(p.summary, /by rewind/, JSON.stringify(facts));
    assert.ok(!p.warnings.some((w) => /pg_wal/.test(w)), JSON.stringify(facts));
  }
});
