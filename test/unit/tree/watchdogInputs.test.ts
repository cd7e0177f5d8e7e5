// What "Configure pgpool" asks on a watchdog cluster (the CLI's --pgpool and --vip): the pgpool pick, the VIP's
// validation, and the SecretStorage key of wd_authkey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDefinition, PgpoolInstance } from '../../../src/core/inventory/model';
import type { ClusterStatus, PgpoolStatus } from '../../../src/core/status/model';
import { authkeySecretKey, pgpoolChoices, vipInputError } from '../../../src/extension/commands/watchdogInputs';
import { def } from './fixtures';

const pgpool = (name: string, host: string): PgpoolInstance => ({ name, host, port: 9999, pcpPort: 9898, ssh: {} });
const wdCluster: ClusterDefinition = {
  name: 'wd', ssh: {}, database: {}, replication: {},
  pgpool: [pgpool('pgpool0', '10.213.13.20'), pgpool('pgpool1', '10.213.13.21'), pgpool('pgpool2', '10.213.13.22')],
  nodes: [def('node0', 0, '10.213.13.11'), def('node1', 1, '10.213.13.12')],
};

test('the pgpool pick lists every pgpool node with its pgpool_node_id and what the last refresh saw', () => {
  const seen: PgpoolStatus[] = [
    { name: 'pgpool0', host: '10.213.13.20', port: 9999, reachable: true, watchdog: { role: 'LEADER', holdsVip: true } },
    { name: 'pgpool1', host: '10.213.13.21', port: 9999, reachable: false },
  ];
  const status = { pgpoolInstances: seen } as unknown as ClusterStatus;
  const choices = pgpoolChoices(wdCluster, status);
  assert.deepEqual(choices.map((c) => c.name), ['pgpool0', 'pgpool1', 'pgpool2']);
  assert.equal(choices[0]?.description, 'pgpool_node_id 0 · 10.213.13.20:9999');
  assert.equal(choices[2]?.description, 'pgpool_node_id 2 · 10.213.13.22:9999');
  assert.equal(choices[0]?.detail, 'LEADER · holds the VIP');
  assert.equal(choices[1]?.detail, 'unreachable');
  assert.equal(choices[2]?.detail, undefined, 'not seen: no detail made up');
  assert.equal(pgpoolChoices(wdCluster, undefined).every((c) => c.detail === undefined), true);
});

test('the VIP: empty keeps the file\'s; an IPv4 address no host has passes; anything else says what to type', () => {
  assert.equal(vipInputError('', wdCluster), undefined);
  assert.equal(vipInputError('  ', wdCluster), undefined);
  assert.equal(vipInputError('10.213.13.100', wdCluster), undefined);
  assert.equal(vipInputError(' 192.168.1.100 ', wdCluster), undefined);
  assert.match(vipInputError('10.213.13', wdCluster) ?? '', /not an IPv4 address: type four numbers 0-255/);
  assert.match(vipInputError('10.213.13.256', wdCluster) ?? '', /not an IPv4 address/);
  assert.match(vipInputError('vip.example', wdCluster) ?? '', /not an IPv4 address/);
  assert.match(vipInputError('fe80::1', wdCluster) ?? '', /not an IPv4 address/);
  assert.match(vipInputError('0.0.0.0', wdCluster) ?? '', /cannot be held by a host/);
  assert.match(vipInputError('255.255.255.255', wdCluster) ?? '', /cannot be held by a host/);
  assert.match(vipInputError('224.0.0.1', wdCluster) ?? '', /multicast/);
  assert.match(vipInputError('10.213.13.21', wdCluster) ?? '', /pgpool1's own address/);
  assert.match(vipInputError('10.213.13.12', wdCluster) ?? '', /node1's own address/);
});

test('wd_authkey is stored under what it opens (the pgpool nodes), never the cluster name', () => {
  const key = authkeySecretKey(wdCluster.pgpool);
  assert.equal(key, 'watchdog@10.213.13.20:9999,10.213.13.21:9999,10.213.13.22:9999');
  assert.ok(!key.includes(wdCluster.name));
  assert.notEqual(authkeySecretKey([wdCluster.pgpool[0]!, wdCluster.pgpool[1]!]), key, 'another set of pgpool nodes gets another key');
});
