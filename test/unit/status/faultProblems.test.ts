// Fault problem codes from recorded inputs: errors, df output and lock files as the isolated lab produced them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import { DISK_FULL_BELOW_KIB, faultProblems, parseDf, withFaultProblems, type HostProbe } from '../../../src/core/status/faultProblems';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { FENCE_MARK_HEADER, parseFenceMark } from '../../../src/core/status/fenceMark';

const cluster: ClusterDefinition = {
  name: 'lab', ssh: {}, database: {}, replication: {},
  pgpool: [{ name: 'pgpool', host: '10.213.13.10', port: 9999, pcpPort: 9898, ssh: {} }],
  nodes: [0, 1, 2].map((id) => ({ name: `node${id}`, id, host: `10.213.13.1${id + 1}`, port: 5432, dataDirectory: '/var/lib/postgresql/15/main', ssh: {} })),
};
const primary: PgNodeView = { serverVersionNum: 150018, inRecovery: false, timeline: 1, currentLsn: '0/5000000', replication: [] };
const standby = (name: string): PgNodeView => ({
  serverVersionNum: 150018, inRecovery: true, timeline: 1, receiveLsn: '0/5000000', replayLsn: '0/5000000',
  walReceiver: { status: 'streaming', receivedTimeline: 1, senderHost: '10.213.13.11', senderPort: 5432, applicationName: name }, replication: [],
});
const pool = (id: number, role: 'primary' | 'standby', extra: Partial<PgpoolNodeView> = {}): PgpoolNodeView =>
  ({ id, host: `10.213.13.1${id + 1}`, port: 5432, status: 'up', role, ...extra });
const ok = (view: PgNodeView): NodeProbe => ({ ok: true, view });
const bad = (error: string): NodeProbe => ({ ok: false, error });

function status(pgpoolNodes: PgpoolNodeView[] | string, probes: [number, NodeProbe][]) {
  return mergeClusterStatus({
    cluster,
    pgpool: [typeof pgpoolNodes === 'string'
      ? { name: 'pgpool', host: '10.213.13.10', port: 9999, reachable: false, error: pgpoolNodes }
      : { name: 'pgpool', host: '10.213.13.10', port: 9999, reachable: true, version: '4.3.5', nodes: pgpoolNodes }],
    nodes: new Map(probes), now: new Date('2026-11-29T20:00:00Z'),
  });
}
const healthyPool = (): PgpoolNodeView[] => [pool(0, 'primary'), pool(1, 'standby'), pool(2, 'standby')];
const healthy = (): [number, NodeProbe][] => [[0, ok(primary)], [1, ok(standby('node1'))], [2, ok(standby('node2'))]];
const codes = (s: ReturnType<typeof withFaultProblems>): string[] => s.problems.map((p) => p.code).sort();

test('a healthy cluster has no fault problems and stays the same object', () => {
  const s = status(healthyPool(), healthy());
  assert.deepEqual(faultProblems(s, { hosts: [{ name: 'node0', host: '10.213.13.11', kind: 'node' }] }), []);
  assert.equal(withFaultProblems(s), s);
});

test('credentials-rejected: the database refused the password (as pg reports it through the collector)', () => {
  const err = 'password authentication failed for user "postgres". Put the password in a .pgpass file (database.passfile in the cluster file, PGPASSFILE, or ~/.pgpass) with mode 0600.';
  const s = withFaultProblems(status('password authentication failed for user "postgres"', [[0, bad(err)], [1, bad(err)], [2, bad(err)]]));
  const cr = s.problems.filter((p) => p.code === 'credentials-rejected');
  assert.equal(cr.length, 4, 'three nodes and pgpool');
  assert.match(cr[0]!.message, /node0 refused the database login .*fix the password in the \.pgpass file/);
  assert.ok(cr.some((p) => /pgpool pgpool refused the database login.*pool_passwd/.test(p.message)));
  assert.ok(s.nodes[1]!.problems.includes('credentials-rejected'));
});

test('credentials-rejected: pcp and SSH (a refused key, a wrong passphrase)', () => {
  const s = status(healthyPool(), healthy());
  const hosts: HostProbe[] = [
    { name: 'node1', host: '10.213.13.12', kind: 'node', sshError: { code: 'auth-failed', message: 'postgres@10.213.13.12:22 refused every login method tried (publickey). Load your key into ssh-agent, set ssh.identityFile in the cluster file, or check the user name.' } },
    { name: 'node2', host: '10.213.13.13', kind: 'node', sshError: { code: 'auth-failed', message: 'The passphrase for /root/.ssh/id_ed25519 is wrong; it was forgotten, connect again to be asked.' } },
  ];
  const found = faultProblems(s, { hosts, pcpError: 'FATAL:  authentication failed for user "pcpadmin"\nDETAIL:  username and/or password does not match' });
  assert.deepEqual(found.map((p) => [p.code, p.nodes.join()]), [['credentials-rejected', ''], ['credentials-rejected', 'node1'], ['credentials-rejected', 'node2']]);
  assert.match(found[0]!.message, /pcp refused the login.*\.pcppass/);
  assert.match(found[2]!.message, /SSH to node2 .*passphrase .* is wrong; it was forgotten, connect again to be asked; operations on it cannot run/);
});

test('host-key-changed: the SSH verifier refused a changed key', () => {
  const s = withFaultProblems(status(healthyPool(), healthy()), {
    hosts: [{ name: 'node1', host: '10.213.13.12', kind: 'node', sshError: { code: 'host-key-changed', message: 'The host key of 10.213.13.12 changed' } },
      { name: 'pgpool', host: '10.213.13.10', kind: 'pgpool', sshError: { code: 'connect-failed', message: 'refused' } }],
  });
  assert.deepEqual(codes(s), ['host-key-changed']);
  assert.equal(s.health, 'degraded');
  assert.match(s.problems[0]!.message, /host key of node1 \(10\.213\.13\.12\) is not the one in known_hosts.*ssh-keygen -R 10\.213\.13\.12/);
  assert.deepEqual(s.nodes[1]!.problems, ['host-key-changed']);
});

test('disk-full: df of a standby whose pg_wal filesystem is full (recorded from lab fault disk-full)', () => {
  const df = 'Filesystem     1024-blocks  Used Available Capacity Mounted on\ntmpfs                88484 88484         0     100% /var/lib/postgresql\n';
  const disks = parseDf(df, ['/var/lib/postgresql/15/main/pg_wal']);
  assert.deepEqual(disks, [{ path: '/var/lib/postgresql/15/main/pg_wal', sizeKiB: 88484, availKiB: 0, mount: '/var/lib/postgresql' }]);
  const probes = healthy();
  probes[1] = [1, bad('connection refused (is PostgreSQL running and listening there?).')];
  const s = withFaultProblems(status([pool(0, 'primary'), pool(1, 'standby', { status: 'down' }), pool(2, 'standby')], probes),
    { hosts: [{ name: 'node1', host: '10.213.13.12', kind: 'node', disks }] });
  assert.deepEqual(codes(s), ['disk-full', 'node-unreachable']);
  assert.match(s.problems.find((p) => p.code === 'disk-full')!.message, /node1's disk is full \(\/var\/lib\/postgresql\/15\/main\/pg_wal on 10\.213\.13\.12 has 0 MB free\): free space there/);
  const roomy = parseDf(df.replace('88484         0', '88484  ' + String(DISK_FULL_BELOW_KIB)), ['/d']);
  assert.deepEqual(faultProblems(status(healthyPool(), healthy()), { hosts: [{ name: 'node1', host: 'h', kind: 'node', disks: roomy }] }), [], 'one WAL segment of room is not full');
});

test('disk-full: from the server\'s own error when no df was possible', () => {
  const probes = healthy();
  probes[0] = [0, bad('could not extend file "base/5/16384": No space left on device')];
  assert.ok(codes(withFaultProblems(status(healthyPool(), probes))).includes('disk-full'));
});

test('partitioned: pgpool cannot reach a node this workstation reaches (health check failing, pg_status down)', () => {
  const byHealthCheck = status([pool(0, 'primary', { lastSuccessfulHealthCheck: '2026-11-29 20:00:01', lastFailedHealthCheck: '2026-11-29 20:00:05' }), pool(1, 'standby'), pool(2, 'standby')], healthy());
  const p = faultProblems(byHealthCheck);
  assert.deepEqual(p.map((x) => [x.code, x.nodes.join()]), [['partitioned', 'node0']]);
  assert.match(p[0]!.message, /pgpool cannot reach node0 but this workstation can/);
  const down = status([pool(0, 'primary', { status: 'down', pgStatus: 'down' }), pool(1, 'standby'), pool(2, 'standby')], healthy());
  assert.ok(faultProblems(down).some((x) => x.code === 'partitioned'));
  // Down in pgpool after a failover, pgpool reaches it again (pg_status up): detached, not partitioned.
  const back = status([pool(0, 'primary', { status: 'down', pgStatus: 'up', lastFailedHealthCheck: '2026-11-29 20:00:05' }), pool(1, 'standby'), pool(2, 'standby')], healthy());
  assert.ok(!faultProblems(back).some((x) => x.code === 'partitioned'), 'pgpool skips health checks of a down node: the old failure is not news');
});

test('partitioned: the workstation gets no answer while pgpool still reaches the node; a refused connection is not a partition', () => {
  const probes = healthy();
  probes[2] = [2, bad('no answer within 3000 ms')];
  const pools = [pool(0, 'primary'), pool(1, 'standby'), pool(2, 'standby', { lastSuccessfulHealthCheck: '2026-11-29 20:00:09', lastFailedHealthCheck: '2026-11-29 19:00:00' })];
  const p = faultProblems(status(pools, probes));
  assert.deepEqual(p.map((x) => [x.code, x.nodes.join()]), [['partitioned', 'node2']]);
  assert.match(p[0]!.message, /pgpool reaches node2 but this workstation gets no answer from 10\.213\.13\.13/);
  assert.deepEqual(faultProblems(status(pools, probes), { hosts: [{ name: 'node2', host: '10.213.13.13', kind: 'node', reached: true }] }), [],
    'SSH to the host works: PostgreSQL hangs there, the network is fine');
  probes[2] = [2, bad('connection refused (is PostgreSQL running and listening there?).')];
  assert.deepEqual(faultProblems(status(pools, probes)), []);
});

test('partitioned: pgpool silent while every node answers; not when a node is silent too (a frozen primary hangs pgpool)', () => {
  assert.deepEqual(faultProblems(status('no answer within 3000 ms', healthy())).map((p) => p.code), ['partitioned']);
  assert.deepEqual(faultProblems(status('no answer within 3000 ms', healthy()), { hosts: [{ name: 'pgpool', host: '10.213.13.10', kind: 'pgpool', reached: true }] }), [],
    'pgpool\'s host answers SSH: pgpool hangs (a failover under way), not the network');
  const frozen = healthy();
  frozen[0] = [0, bad('no answer within 3000 ms')];
  assert.deepEqual(faultProblems(status('no answer within 3000 ms', frozen)).map((p) => p.code), []);
});

test('split-brain and false-primary name the node pgpool writes to and say Fence, then Recover', () => {
  const probes = healthy();
  probes[2] = [2, ok({ ...primary, currentLsn: '0/6000000' })];
  const s = status(healthyPool(), probes);
  const sb = s.problems.find((p) => p.code === 'split-brain')!;
  assert.match(sb.message, /node0 and node2 both accept writes.*pgpool sends writes to node0, so keep it: Fence node2 .*then Recover it as a standby/);
  assert.match(s.problems.find((p) => p.code === 'false-primary')!.message, /node2 is a false primary: .*sends writes to node0.*Fence it \(pgpool-cluster fence node2\), then Recover it/);
});

test('operation-in-progress: who holds the lock and since when', () => {
  const s = withFaultProblems(status(healthyPool(), healthy()), { lock: { operation: 'recover node1', pid: 4242, host: 'ws1', startedAt: '2026-11-29T19:59:00.000Z', heartbeatAt: '2026-11-29T19:59:50.000Z' } });
  assert.deepEqual(codes(s), ['operation-in-progress']);
  assert.equal(s.problems[0]!.severity, 'warning');
  assert.match(s.problems[0]!.message, /^recover node1 is running on cluster lab \(pid 4242 on ws1, since 2026-11-29T19:59:00\.000Z, last heartbeat 2026-11-29T19:59:50\.000Z\): wait for it/);
});

test('partitioned is not said of a node whose disk is full: it crashes and restarts, pgpool\'s failed checks are the node (fault 7)', () => {
  const full = parseDf('Filesystem     1024-blocks  Used Available Capacity Mounted on\ntmpfs                88484 88484         0     100% /var/lib/postgresql\n', ['/var/lib/postgresql/15/main/pg_wal']);
  const flapping = status([pool(0, 'primary'), pool(1, 'standby', { lastSuccessfulHealthCheck: '2026-11-29 20:00:01', lastFailedHealthCheck: '2026-11-29 20:00:05' }), pool(2, 'standby')], healthy());
  assert.ok(faultProblems(flapping).some((p) => p.code === 'partitioned'), 'without the df it reads as a partition');
  const p = faultProblems(flapping, { hosts: [{ name: 'node1', host: '10.213.13.12', kind: 'node', reached: true, disks: full }] });
  assert.deepEqual(p.map((x) => [x.code, x.nodes.join()]), [['disk-full', 'node1']]);
});

test('a refused login replaces node-unreachable and pgpool-unreachable: credentials-rejected is the reason', () => {
  const err = 'password authentication failed for user "postgres". Put the password in a .pgpass file with mode 0600.';
  const s = withFaultProblems(status('password authentication failed for user "postgres"', [[0, bad(err)], [1, bad(err)], [2, bad(err)]]));
  assert.deepEqual([...new Set(codes(s))], ['credentials-rejected']);
  assert.deepEqual(s.nodes.map((n) => n.problems), [['credentials-rejected'], ['credentials-rejected'], ['credentials-rejected']]);
  // A node that is down for another reason keeps node-unreachable.
  const probes: [number, NodeProbe][] = [[0, bad(err)], [1, bad('connection refused (is PostgreSQL running and listening there?).')], [2, bad(err)]];
  assert.ok(codes(withFaultProblems(status(healthyPool(), probes))).includes('node-unreachable'));
});

test('pgpool-down: pgpool refuses connections while its host answers SSH; the action is pgpool start', () => {
  const s = status('connect ECONNREFUSED 10.213.13.10:9999', healthy());
  const host: HostProbe = { name: 'pgpool', host: '10.213.13.10', kind: 'pgpool', reached: true };
  const w = withFaultProblems(s, { hosts: [host] });
  assert.deepEqual(codes(w), ['pgpool-down']);
  assert.match(w.problems[0]!.message, /pgpool pgpool is not running: .*start it \(pgpool-cluster pgpool start pgpool\)/);
  assert.deepEqual(codes(withFaultProblems(s, { hosts: [{ ...host, reached: false }] })), ['pgpool-unreachable'], 'the host does not answer either: not known to be down');
  assert.ok(!faultProblems(status('no answer within 3000 ms', healthy()), { hosts: [host] }).some((p) => p.code === 'pgpool-down'), 'a hang is not a stopped pgpool');
});

test('fenced: a node with a fence mark (read over SSH beside its data directory) says since when, by whom, and to recover it', () => {
  const probes = healthy();
  probes[1] = [1, bad('connection refused (is PostgreSQL running and listening there?).')];
  const fence = parseFenceMark(`${FENCE_MARK_HEADER}\nsince=2026-11-30T03:01:02Z\nby=ops@laptop\nhba=/var/lib/postgresql/15/main/pg_hba.conf\n`);
  const s = withFaultProblems(status([pool(0, 'primary'), pool(1, 'standby', { status: 'down' }), pool(2, 'standby')], probes),
    { hosts: [{ name: 'node1', host: '10.213.13.12', kind: 'node', disks: [], fence }] });
  assert.deepEqual(codes(s), ['fenced', 'node-unreachable']);
  const p = s.problems.find((x) => x.code === 'fenced')!;
  assert.equal(p.severity, 'warning');
  assert.deepEqual(p.nodes, ['node1']);
  assert.equal(p.message, 'node1 is fenced (since 2026-11-30T03:01:02Z by ops@laptop): pgpool\'s follow_primary leaves it alone; run "pgpool-cluster recover node1" to rejoin it as a standby.');
  assert.ok(s.nodes[1]!.problems.includes('fenced'));
  assert.deepEqual(faultProblems(status(healthyPool(), healthy()), { hosts: [{ name: 'node1', host: 'h', kind: 'node', disks: [] }] }), [], 'no mark, not fenced');
});
