import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeMarkdown, formatBytes, formatLag, formatSeconds, nodeContextValue, nodeDescription, nodeIcon, nodeTooltipMarkdown, problemsOfNode,
} from '../../../src/extension/tree/nodePresentation';
import { cluster, def, node, primary, standby } from './fixtures';

test('contextValue follows node+<role>+<status>', () => {
  assert.equal(nodeContextValue(primary), 'node+primary+up');
  assert.equal(nodeContextValue(standby), 'node+standby+up');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'unknown', status: 'down' })), 'node+unknown+down');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'waiting' })), 'node+standby+waiting');
});

test('contextValue appends +detached and +problem, in that order', () => {
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'down', detached: true })), 'node+standby+down+detached');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'primary', status: 'up', problems: ['split-brain'] })), 'node+primary+up+problem');
  assert.equal(nodeContextValue(node({ name: 'n', role: 'standby', status: 'down', detached: true, problems: ['detached'] })), 'node+standby+down+detached+problem');
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
