import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consensusWaitSeconds, electionTimeline, stampMs } from '../../../src/core/history/watchdogElection';

// Excerpts of pgpool 4.3.5's logs on the two survivors after `lab fault crash` of the leader (watchdog lab).
const SLOW_WINNER = `2026-11-30 02:58:10.000: watchdog pid 261: LOG:  watchdog node state changed from [INITIALIZING] to [STANDING FOR LEADER]
2026-11-30 02:58:17.245: watchdog pid 261: LOG:  We have lost the cluster leader node "10.213.16.10:9999 Linux vm"
2026-11-30 02:58:17.245: watchdog pid 261: LOG:  watchdog node state changed from [STANDBY] to [JOINING]
2026-11-30 02:58:17.245: watchdog pid 261: LOG:  watchdog node state changed from [JOINING] to [INITIALIZING]
2026-11-30 02:58:18.246: watchdog pid 261: LOG:  watchdog node state changed from [INITIALIZING] to [STANDING FOR LEADER]
2026-11-30 02:58:22.409: watchdog pid 261: LOG:  watchdog node state changed from [STANDING FOR LEADER] to [LEADER]
2026-11-30 02:58:23.413: watchdog pid 261: LOG:  escalation process started with PID:310
2026-11-30 02:58:23 escalation.sh: 10.213.16.10 did not answer: it cannot be checked for 10.213.16.100
2026-11-30 02:58:23.680: watchdog_utility pid 310: LOG:  watchdog escalation successful
`;
const SLOW_LOSER = `2026-11-30 02:58:17.245: watchdog pid 44: LOG:  We have lost the cluster leader node "10.213.16.10:9999 Linux vm"
2026-11-30 02:58:17.245: watchdog pid 44: LOG:  watchdog node state changed from [JOINING] to [INITIALIZING]
2026-11-30 02:58:18.249: watchdog pid 44: LOG:  watchdog node state changed from [INITIALIZING] to [STANDING FOR LEADER]
2026-11-30 02:58:18.249: watchdog pid 44: LOG:  watchdog node state changed from [STANDING FOR LEADER] to [PARTICIPATING IN ELECTION]
2026-11-30 02:58:22.410: watchdog pid 44: LOG:  watchdog node state changed from [PARTICIPATING IN ELECTION] to [INITIALIZING]
2026-11-30 02:58:23.412: watchdog pid 44: LOG:  watchdog node state changed from [INITIALIZING] to [STANDBY]
`;

test('electionTimeline: the winner that stood first waits out the 4 s stand timeout; earlier lines are ignored', () => {
  const from = stampMs('2026-11-30 02:58:16.979');
  const t = electionTimeline(new Map([['pgpool1', SLOW_WINNER], ['pgpool2', SLOW_LOSER]]), from);
  assert.equal(t.noticedAt, stampMs('2026-11-30 02:58:17.245'));
  assert.deepEqual(t.stood.map((s) => s.node), ['pgpool1', 'pgpool2']);
  assert.deepEqual(t.leader, { node: 'pgpool1', at: stampMs('2026-11-30 02:58:22.409'), stoodAt: stampMs('2026-11-30 02:58:18.246') });
  assert.equal(t.standTimedOut, true);
  assert.equal(t.escalationStartAt, stampMs('2026-11-30 02:58:23.413'));
  assert.equal(t.escalationCommandDoneAt, stampMs('2026-11-30 02:58:23.680'));
});

test('electionTimeline: a stand answered at once is not a timeout; no leader yet gives no leader', () => {
  const fast = `2026-11-30 02:57:44.669: watchdog pid 126: LOG:  We have lost the cluster leader node "x"
2026-11-30 02:57:45.832: watchdog pid 126: LOG:  watchdog node state changed from [INITIALIZING] to [STANDING FOR LEADER]
2026-11-30 02:57:45.835: watchdog pid 126: LOG:  watchdog node state changed from [STANDING FOR LEADER] to [LEADER]
`;
  const from = stampMs('2026-11-30 02:57:44.463');
  const t = electionTimeline(new Map([['pgpool1', fast]]), from);
  assert.equal(t.standTimedOut, false);
  assert.equal(t.leader?.node, 'pgpool1');
  assert.equal(t.escalationStartAt, undefined);
  const none = electionTimeline(new Map([['pgpool1', fast.split('\n').slice(0, 2).join('\n')]]), from);
  assert.equal(none.leader, undefined);
  assert.equal(none.standTimedOut, false);
});

test('consensusWaitSeconds: first vote to consensus on the leader; undefined without consensus', () => {
  const log = `2026-11-30 02:57:02.199: watchdog pid 44: LOG:  failover requires the majority vote, waiting for consensus
2026-11-30 02:57:02.278: watchdog pid 44: LOG:  we have got the consensus to perform the failover
2026-11-30 02:57:02.446: watchdog pid 44: LOG:  failover requires the majority vote, waiting for consensus
`;
  const w = consensusWaitSeconds(log, stampMs('2026-11-30 02:57:02.081'));
  assert.ok(w !== undefined && Math.abs(w - 0.079) < 1e-9, String(w));
  assert.equal(consensusWaitSeconds(log, stampMs('2026-11-30 02:57:02.300')), undefined);
});
