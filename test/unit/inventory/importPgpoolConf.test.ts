import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFromPgpoolConf, scanConfLines } from '../../../src/core/inventory/importPgpoolConf';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';

const conf = `
# a pgpool.conf excerpt
port = 9999
pcp_port = 9898
sr_check_user = 'monitor'
backend_hostname0 = '127.0.0.11'   # primary
backend_port0 = 5432
backend_data_directory0 = '/var/lib/pg/node0'
backend_application_name0 = 'node0'
backend_hostname1 = '127.0.0.12'
backend_port1 = 5433
backend_data_directory1 = '/var/lib/pg/it''s here'
#backend_hostname2 = 'commented'
backend_hostname3 = 'db3.example'
`;

test('backend_* lines become nodes with ids, ports and data directories', () => {
  const r = importFromPgpoolConf(conf, { clusterName: 'prod', pgpoolHost: '127.0.0.10' });
  assert.deepEqual(r.cluster.nodes.map((n) => [n.id, n.name, n.host, n.port, n.dataDirectory]), [
    [0, 'node0', '127.0.0.11', 5432, '/var/lib/pg/node0'],
    [1, 'node1', '127.0.0.12', 5433, "/var/lib/pg/it's here"],
    [3, 'node3', 'db3.example', 5432, undefined],
  ]);
  assert.equal(r.cluster.pgpool[0]!.host, '127.0.0.10');
  assert.equal(r.cluster.database.user, 'monitor');
  assert.deepEqual(r.warnings, []);
});

test('the generated YAML parses back to the same cluster', () => {
  const r = importFromPgpoolConf(conf, { clusterName: 'prod' });
  const back = parseClusterFile(r.yaml);
  assert.ok(back.ok, JSON.stringify(!back.ok && back.errors));
  assert.deepEqual(back.value.clusters[0]!.nodes.map((n) => n.host), ['127.0.0.11', '127.0.0.12', 'db3.example']);
});

test('scanner: comments, quotes, escapes and last-wins', () => {
  const m = scanConfLines("a = 1 # c\nb = 'x # not comment'\nc='it\\'s'\na = 2\n");
  assert.equal(m.get('a')?.value, '2');
  assert.equal(m.get('b')?.value, 'x # not comment');
  assert.equal(m.get('c')?.value, "it's");
});

test('no backends gives a warning, not a crash', () => {
  assert.match(importFromPgpoolConf('port = 1\n').warnings[0]!, /No backend_hostname/);
});
