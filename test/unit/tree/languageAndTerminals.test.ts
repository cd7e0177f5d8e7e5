// The versions a conf file is checked against come from the cluster it belongs to; psql and ssh terminals get an
// argv with no secret and no way for a cluster-file value to become an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { clusterOfConfFile, majorOfServerVersionNum, targetVersionsFor, type ClusterVersionSource } from '../../../src/extension/language/clusterVersions';
import { psqlLaunch, sshLaunch } from '../../../src/extension/commands/terminalCommands';

const def = (name: string, over: Partial<ClusterDefinition> = {}): ClusterDefinition => ({
  name, ssh: { user: 'postgres' }, database: { user: 'app', name: 'appdb', passfile: '/home/me/.pgpass-prod', sslmode: 'require' }, replication: {},
  pgpool: [{ name: 'pgpool', host: '10.0.0.10', port: 9999, pcpPort: 9898, ssh: {} }],
  nodes: [{ name: 'node0', id: 0, host: '10.0.0.11', port: 5432, ssh: {} }, { name: 'node1', id: 1, host: '10.0.0.12', port: 5432, ssh: { port: 2222, identityFile: '/k/id', proxyJump: 'bastion' } }],
  ...over,
});

const lab: ClusterVersionSource = { file: '/w/demo/pgpool-cluster.yaml', definition: def('lab', { pgpoolVersion: '4.3', postgresVersion: '15' }) };
const top: ClusterVersionSource = { file: '/w/pgpool-cluster.yaml', definition: def('top'), status: { pgpool: { version: '4.5.2' }, nodes: [{ postgres: { serverVersionNum: 160004 } }] } };

test('a conf file belongs to the cluster file in its folder or the nearest one above', () => {
  assert.equal(clusterOfConfFile('/w/demo/conf/pgpool.conf', [top, lab])?.definition.name, 'lab');
  assert.equal(clusterOfConfFile('/w/other/pgpool.conf', [top, lab])?.definition.name, 'top');
  assert.equal(clusterOfConfFile('/elsewhere/pgpool.conf', [top, lab]), undefined);
});

test('target versions: the cluster\'s definition, else what its servers answered, else the settings', () => {
  // The demo's 4.3 cluster: its pgpool.conf is checked against 4.3, not the 4.7 in the settings.
  assert.deepEqual(targetVersionsFor('/w/demo/pgpool.conf', '', [top, lab], { pgpoolVersion: '4.7' }),
    { pgpoolVersion: '4.3', pgpoolFrom: 'cluster lab', postgresVersion: '15', postgresFrom: 'cluster lab', cluster: 'lab' });
  assert.deepEqual(targetVersionsFor('/w/x/pgpool.conf', '', [top], {}),
    { pgpoolVersion: '4.5.2', pgpoolFrom: 'cluster top', postgresVersion: '16', postgresFrom: 'cluster top', cluster: 'top' });
  assert.deepEqual(targetVersionsFor('/nowhere/pgpool.conf', '', [top], { pgpoolVersion: '4.2', postgresVersion: '13' }),
    { pgpoolVersion: '4.2', pgpoolFrom: 'settings', postgresVersion: '13', postgresFrom: 'settings' });
  assert.equal(majorOfServerVersionNum(90624), '9.6');
  assert.equal(majorOfServerVersionNum(150018), '15');
});

test('psql: host, port, user and database as arguments; the passfile and sslmode only in the environment', () => {
  const c = def('prod');
  const direct = psqlLaunch(c, { kind: 'node', node: c.nodes[0]! });
  assert.equal(direct.shellPath, 'psql');
  assert.deepEqual(direct.shellArgs, ['-h', '10.0.0.11', '-p', '5432', '-U', 'app', '-d', 'appdb']);
  assert.equal(direct.env.PGPASSFILE, '/home/me/.pgpass-prod');
  assert.equal(direct.env.PGSSLMODE, 'require');
  const viaPgpool = psqlLaunch(c, { kind: 'pgpool', pgpool: c.pgpool[0]! });
  assert.deepEqual(viaPgpool.shellArgs.slice(0, 4), ['-h', '10.0.0.10', '-p', '9999']);
  assert.ok(![...direct.shellArgs, ...viaPgpool.shellArgs].some((a) => /password|pgpass/i.test(a)), 'no secret or passfile on the command line');
  assert.throws(() => psqlLaunch(def('t', { database: { tunnel: true } }), { kind: 'node', node: c.nodes[0]! }), /SSH tunnels/);
});

test('ssh: user, port, key, jump host from the cluster file; the host after `--`; option-like values refused', () => {
  const c = def('prod');
  assert.deepEqual(sshLaunch(c, 'node1', '10.0.0.12', c.nodes[1]!.ssh).shellArgs, ['-l', 'postgres', '-p', '2222', '-i', '/k/id', '-J', 'bastion', '--', '10.0.0.12']);
  assert.throws(() => sshLaunch(c, 'x', '-oProxyCommand=touch /tmp/pwned', {}), /cannot be passed/);
  assert.throws(() => sshLaunch(def('p', { ssh: { user: '-oProxyCommand=x' } }), 'x', 'h', {}), /SSH user/);
  assert.throws(() => psqlLaunch(c, { kind: 'node', node: { ...c.nodes[0]!, host: '-h' } }), /cannot be passed/);
});
