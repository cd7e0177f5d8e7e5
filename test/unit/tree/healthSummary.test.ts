import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeHealth } from '../../../src/extension/tree/healthSummary';
import { LagHistory } from '../../../src/extension/tree/lagHistory';
import { cluster, node, primary, standby } from './fixtures';

test('healthy clusters: pass icon and names', () => {
  const s = summarizeHealth([cluster([primary, standby])]);
  assert.equal(s.worst, 'healthy');
  assert.equal(s.text, '$(pass) lab');
  assert.deepEqual(s.details, ['lab: healthy, 2/2 nodes up']);
});

test('waiting nodes count as up (attached, not used yet)', () => {
  const s = summarizeHealth([cluster([primary, standby, node({ name: 'node2', role: 'standby', status: 'waiting' })])]);
  assert.deepEqual(s.details, ['lab: healthy, 3/3 nodes up']);
});

test('split brain is the headline of a degraded cluster', () => {
  const s = summarizeHealth([cluster([primary, standby], {
    health: 'degraded',
    problems: [
      { code: 'node-unreachable', severity: 'warning', nodes: ['node2'], message: 'node2 does not answer' },
      { code: 'split-brain', severity: 'error', nodes: ['node0', 'node1'], message: 'two primaries' },
    ],
  })]);
  assert.equal(s.worst, 'degraded');
  assert.equal(s.text, '$(warning) lab: split brain');
  assert.ok(s.details.includes('  error: two primaries'));
});

test('the worst cluster wins; unreachable shows the error icon', () => {
  const s = summarizeHealth([
    cluster([primary]),
    cluster([node({ name: 'x', role: 'unknown', status: 'unreachable' })], { name: 'far', health: 'unreachable', problems: [] }),
  ]);
  assert.equal(s.worst, 'unreachable');
  assert.equal(s.text, '$(error) far: unreachable');
});

test('no status yet: neutral text', () => {
  assert.deepEqual(summarizeHealth([]), { text: '$(database) pgpool-II', details: [] });
});

test('lag history keeps standbys only, capped, and forgets removed nodes', () => {
  const h = new LagHistory(3);
  for (let i = 0; i < 5; i++) {
    h.record(cluster([primary, { ...standby, lag: { bytes: i } }], { refreshedAt: new Date(1_000_000 + i * 1000).toISOString() }));
  }
  const lab = h.forCluster('lab');
  assert.deepEqual(Object.keys(lab), ['node1']);
  assert.deepEqual(lab.node1?.map((x) => x.bytes), [2, 3, 4]);
  assert.equal(lab.node1?.[0]?.t, 1_002_000);
  h.record(cluster([primary]));
  assert.deepEqual(h.forCluster('lab'), {});
});
