import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePoolNodes } from '../../../src/core/db/poolNodes';
import { parsePcpNodeInfoVerbose } from '../../../src/core/db/pcp';

// Rows as `pg` returns them (all text) for the column sets of each pgpool release.
const v41 = [
  { node_id: '0', hostname: '/tmp', port: '11002', status: 'up', lb_weight: '0.500000', role: 'primary', select_cnt: '3', load_balance_node: 'true', replication_delay: '0', replication_state: '', replication_sync_state: '', last_status_change: '2019-04-23 13:58:40' },
  { node_id: '1', hostname: '/tmp', port: '11003', status: 'waiting', lb_weight: '0.500000', role: 'standby', select_cnt: '0', load_balance_node: 'false', replication_delay: '208', replication_state: 'streaming', replication_sync_state: 'async', last_status_change: '2019-04-23 13:58:40' },
];
const v43 = [
  { node_id: '0', hostname: '127.0.0.11', port: '5432', status: 'up', pg_status: 'up', lb_weight: '0.333333', role: 'primary', pg_role: 'primary', select_cnt: '0', load_balance_node: 'false', replication_delay: '0', replication_state: '', replication_sync_state: '', last_status_change: '2026-11-25 21:50:01' },
  { node_id: '1', hostname: '127.0.0.12', port: '5432', status: 'down', pg_status: 'up', lb_weight: '0.333333', role: 'standby', pg_role: 'standby', select_cnt: '7', load_balance_node: 'true', replication_delay: '1024', replication_state: 'streaming', replication_sync_state: 'async', last_status_change: '2026-11-25 21:51:01' },
];
// 4.7: same names plus columns this code does not know; delay can be shown in seconds.
const v47 = [
  { node_id: '2', hostname: 'db3', port: '5433', status: 'quarantine', pg_status: 'down', lb_weight: '0.5', role: 'standby', pg_role: 'unknown', select_cnt: '0', load_balance_node: 'false', replication_delay: '1.5 second', replication_state: 'catchup', replication_sync_state: 'quorum', last_status_change: '2027-01-01 00:00:00', some_new_column: 'x' },
];

test('4.1 columns (no pg_status/pg_role)', () => {
  const [a, b] = parsePoolNodes(v41);
  assert.deepEqual(a, { id: 0, host: '/tmp', port: 11002, status: 'up', role: 'primary', lbWeight: 0.5, selectCount: 3, loadBalanceNode: true, replicationDelay: { value: 0, unit: 'bytes' }, lastStatusChange: '2019-04-23 13:58:40' });
  assert.equal(b!.status, 'waiting');
  assert.equal(b!.replicationState, 'streaming');
  assert.equal(b!.pgStatus, undefined);
});

test('4.3 columns with pg_status/pg_role', () => {
  const [, b] = parsePoolNodes(v43);
  assert.equal(b!.status, 'down');
  assert.equal(b!.pgStatus, 'up');
  assert.equal(b!.pgRole, 'standby');
  assert.deepEqual(b!.replicationDelay, { value: 1024, unit: 'bytes' });
  assert.equal(b!.selectCount, 7);
});

test('4.7 columns: quarantine, seconds, unknown columns ignored', () => {
  const [c] = parsePoolNodes(v47);
  assert.deepEqual([c!.id, c!.status, c!.pgStatus, c!.pgRole, c!.replicationSyncState], [2, 'quarantine', 'down', 'unknown', 'quorum']);
  assert.deepEqual(c!.replicationDelay, { value: 1.5, unit: 'seconds' });
});

test('pcp_node_info --verbose is read by key', () => {
  const out = [
    'Hostname               : 127.0.0.12', 'Port                   : 5432', 'Status                 : 3',
    'Weight                 : 0.333333', 'Status Name            : down', 'Backend Status Name    : up',
    'Role                   : standby', 'Backend Role           : standby', 'Replication Delay      : 0',
    'Replication State      : streaming', 'Replication Sync State : async', 'Last Status Change     : 2026-11-25 21:51:01',
  ].join('\n');
  const v = parsePcpNodeInfoVerbose(1, out);
  assert.deepEqual([v.id, v.host, v.status, v.pgStatus, v.role, v.replicationState, v.lastStatusChange],
    [1, '127.0.0.12', 'down', 'up', 'standby', 'streaming', '2026-11-25 21:51:01']);
});
