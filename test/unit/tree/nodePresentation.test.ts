import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeMarkdown, formatBytes, formatLag, formatSeconds, nodeContextValue, nodeDescription, nodeIcon, nodeTooltipMarkdown, problemsOfNode, upCount,
} from '../../../src/extension/tree/nodePresentation';
import { FormerPrimaries } from '../../../src/extension/tree/formerPrimaries';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import { cluster, def, node, primary, standby } from './fixtures';

const pgpoolView = { id: 0, host: '127.0.0.11', port: 5432, status: 'up', role: 'primary' } as unknown as PgpoolNodeView;

test('contextValue follows node+<role>+<status>', () => {
  assert.equal(nodeContextValue(primary), 'node+primary+up+can-detach');
  assert.equal(nodeContextValue(standby), 'node+standby+up+can-promote+can-switchover+can-detach');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'unknown', status: 'down' })), 'node+unknown+down+can-recover');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'waiting' })), 'node+standby+waiting+can-promote+can-switchover+can-detach');
});

test('contextValue appends +detached, +problem, +was-primary, then the +can- flags, in that order', () => {
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'down', detached: true })), 'node+standby+down+detached+can-recover+can-attach');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'primary', status: 'up', problems: ['split-brain'] })), 'node+primary+up+problem+can-recover+can-detach+can-fence');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'down', detached: true, problems: ['detached'] })), 'node+standby+down+detached+problem+can-recover+can-attach');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'down', postgres: { reachable: false }, problems: ['node-unreachable'] }), true), 'node+standby+down+problem+was-primary+can-recover+can-fence');
});

test('contextValue before the first refresh matches no operation menu', () => {
  assert.equal(nodeContextValue(undefined), 'node+unknown+unknown');
  assert.doesNotMatch(nodeContextValue(undefined), /^node\+(primary|standby)\+up/);
});

test('a when-clause regex for standbys that are up matches only them', () => {
  const re = /^node\+standby\+up(\+|$)/;
  assert.match(nodeContextValue(standby), re);
  assert.match(nodeContextValue(node({ name: 'n', role: 'standby', status: 'up', problems: ['not-streaming'] })), re);
  assert.doesNotMatch(nodeContextValue(primary), re);
  assert.doesNotMatch(nodeContextValue(node({ name: 'n', role: 'standby', status: 'unreachable' })), re);
});

test('description: host:port · role · lag, status when not up', () => {
  assert.equal(nodeDescription(def('node0', 0, '127.0.0.11'), primary), '127.0.0.11:5432 · primary');
  assert.equal(nodeDescription(def('node1', 1, '127.0.0.12'), standby), '127.0.0.12:5432 · standby · lag 2.0 kB / 0.5 s');
  assert.equal(nodeDescription(def('node2', 2, '127.0.0.13'), node({ name: 'node2', role: 'unknown', status: 'unreachable' })), '127.0.0.13:5432 · unknown · unreachable');
  assert.equal(nodeDescription(def('node2', 2, '127.0.0.13'), node({ name: 'node2', role: 'standby', status: 'down', detached: true })), '127.0.0.13:5432 · standby · down (detached)');
  assert.equal(nodeDescription(def('node2', 2, '127.0.0.13'), undefined), '127.0.0.13:5432');
});

test('description says what the node is: a failed former primary, a false primary', () => {
  const failed = node({ name: 'node0', role: 'standby', status: 'down', postgres: { reachable: false, error: 'connection refused' } });
  assert.equal(nodeDescription(def('node0', 0, '127.0.0.11'), failed, true), '127.0.0.11:5432 · down (was primary)');
  assert.equal(nodeDescription(def('node0', 0, '127.0.0.11'), failed, false), '127.0.0.11:5432 · standby · down');
  const falsePrimary = node({ name: 'node0', role: 'primary', status: 'down', detached: true, problems: ['detached', 'false-primary'] });
  assert.equal(nodeDescription(def('node0', 0, '127.0.0.11'), falsePrimary), '127.0.0.11:5432 · false primary · down');
});

test('upCount counts waiting as up', () => {
  const waiting = node({ name: 'node2', role: 'standby', status: 'waiting' });
  const down = node({ name: 'node3', role: 'standby', status: 'down' });
  assert.equal(upCount(cluster([primary, standby, waiting])), 3);
  assert.equal(upCount(cluster([primary, standby, down])), 2);
});

test('FormerPrimaries remembers the last primary until it answers as something else', () => {
  const fp = new FormerPrimaries();
  fp.record(cluster([primary, standby]));
  const crashed = node({ name: 'node0', role: 'standby', status: 'down', postgres: { reachable: false }, pgpool: { ...pgpoolView, role: 'standby', status: 'down' } });
  const promoted = node({ ...standby, role: 'primary', postgres: { reachable: true, role: 'primary' } });
  fp.record(cluster([crashed, promoted]));
  assert.equal(fp.wasPrimary('lab', crashed), true);
  assert.equal(fp.wasPrimary('lab', promoted), false, 'it answers: no "was"');
  assert.equal(fp.wasPrimary('other', crashed), false);
  const rebuilt = node({ name: 'node0', role: 'standby', status: 'up', postgres: { reachable: true, role: 'standby' } });
  fp.record(cluster([rebuilt, promoted]));
  assert.equal(fp.wasPrimary('lab', { ...rebuilt, postgres: { reachable: false } }), false, 'once seen as a standby it is no longer a former primary');
});

test('lag and size formatting', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(50 * 1024 * 1024), '50 MB');
  assert.equal(formatSeconds(0), '0 s');
  assert.equal(formatSeconds(0.0123), '0.012 s');
  assert.equal(formatSeconds(42), '42 s');
  assert.equal(formatSeconds(600), '10 min');
  assert.equal(formatLag(undefined), undefined);
  assert.equal(formatLag({ state: 'streaming' }), undefined);
  assert.equal(formatLag({ bytes: 0, seconds: 0 }), 'lag 0 B / 0 s');
});

test('icons: colour by role and status, warning for a running node with a problem', () => {
  assert.deepEqual(nodeIcon(primary), { id: 'star-full', color: 'charts.green' });
  assert.deepEqual(nodeIcon(standby), { id: 'database', color: 'charts.blue' });
  assert.equal(nodeIcon(node({ name: 'n', role: 'standby', status: 'down' })).id, 'error');
  assert.equal(nodeIcon(node({ name: 'n', role: 'unknown', status: 'unreachable' })).id, 'debug-disconnect');
  assert.equal(nodeIcon(node({ name: 'n', role: 'primary', status: 'up', problems: ['split-brain'] })).id, 'warning');
  assert.equal(nodeIcon(undefined).id, 'circle-outline');
});

test('tooltip holds everything known, escaped', () => {
  const md = nodeTooltipMarkdown(def('node1', 1, '127.0.0.12'), {
    ...standby, pgpool: { id: 1, host: '127.0.0.12', port: 5432, status: 'up', role: 'standby', lbWeight: 0.5, replicationState: 'streaming' },
  }, ['node1 is *not* streaming']);
  for (const text of ['node1', '127\\.0\\.0\\.12:5432', 'standby', '0/4000160', '2\\.0 kB', 'streaming', 'async', 'Load\\-balance weight', '\\*not\\*']) {
    assert.ok(md.includes(text), `tooltip lacks ${text}:\n${md}`);
  }
  const unreachable = nodeTooltipMarkdown(def('n', 2, 'h'), node({ name: 'n', role: 'unknown', status: 'unreachable', postgres: { reachable: false, error: 'connect ECONNREFUSED <x>' } }));
  assert.ok(unreachable.includes('Unreachable: connect ECONNREFUSED \\<x\\>'), unreachable);
  assert.ok(nodeTooltipMarkdown(def('n', 2, 'h'), undefined).includes('not refreshed yet'));
});

test('escapeMarkdown neutralises markup', () => {
  assert.equal(escapeMarkdown('[a](b) `c` *d*'), '\\[a\\]\\(b\\) \\`c\\` \\*d\\*');
});

test('problemsOfNode picks the cluster problems naming the node', () => {
  const c = cluster([primary, standby], {
    problems: [
      { code: 'split-brain', severity: 'error', nodes: ['node0', 'node1'], message: 'two primaries' },
      { code: 'no-primary', severity: 'error', nodes: [], message: 'cluster-wide' },
    ],
  });
  assert.deepEqual(problemsOfNode(c, 'node1'), ['two primaries']);
  assert.deepEqual(problemsOfNode(undefined, 'node1'), []);
});
