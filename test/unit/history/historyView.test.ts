import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterEvent } from '../../../src/core/history/events';
import { newestEvents } from '../../../src/core/history/clusterHistory';
import { auditRef, excerptRange, historyViews, whereText } from '../../../src/extension/panel/historyView';
import { HistoryRequestMsg, HistoryUpdateMsg, OpenEventSourceMsg } from '../../../src/shared/historyProtocol';
import { isFromWebview, isToWebview } from '../../../src/shared/protocol';

const ev = (i: number, extra: Partial<ClusterEvent> = {}): ClusterEvent => ({
  time: new Date(Date.UTC(2026, 10, 29, 18, 0, i)).toISOString(), source: 'pgpool', origin: 'pgpool', kind: 'log', severity: 'info',
  message: `line ${i}`, ref: { file: '/var/log/pgpool/pgpool.log', line: 100 + i }, ...extra,
});

test('the panel shows the newest events, whole groups at the cut, and counts the rest', () => {
  const events = [...Array.from({ length: 5 }, (_, i) => ev(i)), ...Array.from({ length: 4 }, (_, i) => ev(5 + i, { group: 'incident A' })), ev(9)];
  const { views, shown, omitted } = historyViews(events, 3);
  // The cut falls inside "incident A": its earlier events come along.
  assert.deepEqual(views.map((v) => v.message), ['line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
  assert.equal(omitted, 5);
  assert.deepEqual(views.map((v) => v.id), [0, 1, 2, 3, 4]);
  assert.equal(shown[2], events[7]);
  assert.equal(historyViews(events, 50).omitted, 0);
  assert.deepEqual(newestEvents(events, 1).map((e) => e.message), ['line 9']);
});

test('where an event came from, as the panel names it', () => {
  assert.equal(whereText(ev(1)), 'pgpool:/var/log/pgpool/pgpool.log:101');
  assert.equal(whereText(ev(1, { ref: { file: 'journal:pgpool2.service', line: 7 } })), 'pgpool: journal of pgpool2.service');
  assert.equal(whereText(ev(1, { source: 'operation', ref: { audit: '/root/.pgpool-cluster/audit.jsonl#14' } })), 'operation (audit.jsonl#14)');
  assert.deepEqual(auditRef('/root/.pgpool-cluster/audit.jsonl#14'), { file: '/root/.pgpool-cluster/audit.jsonl', line: 14 });
  assert.equal(auditRef('/root/audit.jsonl'), undefined);
  assert.deepEqual(excerptRange(10), { first: 1, last: 50 });
  assert.deepEqual(excerptRange(500, 5), { first: 495, last: 505 });
});

test('history messages: the webview may ask for a history and name an event by a whole, non-negative id only', () => {
  assert.ok(HistoryRequestMsg.is({ type: 'showHistory', cluster: 'lab' }));
  assert.ok(HistoryRequestMsg.is({ type: 'showHistory', cluster: 'lab', node: 'node1' }));
  assert.ok(!HistoryRequestMsg.is({ type: 'showHistory', cluster: 'lab', node: 3 }));
  assert.ok(isFromWebview({ type: 'openEventSource', cluster: 'lab', id: 3 }));
  for (const id of [-1, 1.5, '3', Number.NaN]) assert.ok(!OpenEventSourceMsg.is({ type: 'openEventSource', cluster: 'lab', id }), String(id));
  assert.ok(!isFromWebview({ type: 'openEventSource', cluster: 'lab', file: '/etc/shadow' }));
  const update = { type: 'history', cluster: 'lab', reading: false, events: [], omitted: 0, explanations: [], sources: [], problems: [] };
  assert.ok(HistoryUpdateMsg.is(update) && isToWebview(update));
  assert.ok(!isToWebview({ ...update, events: 'x' }));
});
