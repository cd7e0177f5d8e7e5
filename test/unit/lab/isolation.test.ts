import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { allHosts, isolatedLabLayout, isPrivateNet } from '../../../src/core/lab/layout';
import {
  anchorArgv, anchorScript, isolatedSshdConfig, netnsName, networkDownCommands, networkUpCommands, onHostArgv, onMachine, vethName, writeFileArgv,
} from '../../../src/core/lab/isolation';
import {
  checkRate, DEAD_MAC, diskFullArgv, healNetworkCommands, networkFaultCommands, parseDfUsed, parseFault, resolveEndpoint, slowCommands,
} from '../../../src/core/lab/faults';
import { isolatedClusterDefinition } from '../../../src/core/lab/clusterFile';
import { isolatedNodeHba, isolatedPgpoolInput, isolatedPrimaryConninfo } from '../../../src/core/lab/isolatedHostFiles';
import { findLabPrograms } from '../../../src/core/lab/prerequisites';
import { labLayoutFor } from '../../../src/core/lab/lab';
import { knownHostsLine } from '../../../src/core/lab/sshd';

const layout = isolatedLabLayout('/srv/iso', 3, '10.213.1');
const iso = layout.isolation!;
const user = { name: 'postgres', uid: 101, gid: 104, home: '/var/lib/postgresql', switched: true };
const [node0, node1] = layout.nodes;

test('the isolated lab: a private /24, a wider blackhole, Debian paths on every host, sshd on 22', () => {
  assert.deepEqual(allHosts(layout).map((h) => h.address), ['10.213.1.10', '10.213.1.11', '10.213.1.12', '10.213.1.13']);
  assert.equal(iso.subnet, '10.213.1.0/24');
  assert.equal(iso.blackhole, '10.213.0.0/16', 'wider than the lab subnet, or it would shadow it');
  assert.equal(iso.workstation, '10.213.1.1');
  assert.equal(layout.sshPort, 22);
  assert.equal(node0!.dataDir, '/var/lib/postgresql/15/main');
  assert.equal(layout.pgpool.confDir, '/etc/pgpool2');
  assert.throws(() => isolatedLabLayout('/srv/x', 3, '127.0.1'), /private network prefix/);
  assert.throws(() => isolatedLabLayout('/srv/x', 3, '8.8.8'), /private network prefix/);
  assert.deepEqual(['10.0.0', '172.16.3', '192.168.7', '172.32.0', '11.0.0', '10.0.0.1', '10.300.0'].map(isPrivateNet), [true, true, true, false, false, false, false]);
});

test('network up puts the blackhole first and gives each host a namespace, a bridge port and its address', () => {
  const cmds = networkUpCommands(layout, allHosts(layout)).map((c) => c.argv.join(' '));
  assert.equal(cmds[0], 'ip route replace blackhole 10.213.0.0/16');
  assert.ok(cmds.indexOf('ip link add p213x1 type bridge') > 0);
  assert.ok(cmds.includes('ip addr add 10.213.1.1/24 dev p213x1'));
  assert.ok(cmds.includes('ip netns add p213x1-node1'));
  assert.ok(cmds.includes('ip link add p213x1-node1 type veth peer name eth0 netns p213x1-node1'));
  assert.ok(cmds.includes('ip link set p213x1-node1 master p213x1 up'));
  assert.ok(cmds.includes('ip -n p213x1-node1 addr add 10.213.1.12/24 dev eth0'));
  assert.ok(cmds.every((c) => !/default|via/.test(c)), 'hosts get no route out of the lab subnet');
  const down = networkDownCommands(layout, allHosts(layout));
  assert.ok(down.every((c) => c.mayFail));
  assert.ok(!down.some((c) => c.argv.includes('blackhole')), 'the blackhole stays');
  assert.ok(allHosts(layout).every((h) => vethName(iso, h).length <= 15), 'interface names fit IFNAMSIZ');
});

test('the anchor gives the host private /tmp and /run, its own /etc folders and covers the workstation\'s files', () => {
  const script = anchorScript(layout, node1!, 101, 104, ['/root', '/work']);
  assert.match(script, /^mount -t tmpfs -o mode=1777 tmpfs \/tmp$/m);
  assert.match(script, /^mount --bind \/srv\/iso\/hosts\/node1\/etc\/ssh \/etc\/ssh$/m);
  assert.match(script, /^mount --bind \/srv\/iso\/hosts\/node1\/etc\/pgpool2 \/etc\/pgpool2$/m);
  assert.match(script, /^mount -t tmpfs -o size=2g,mode=755 tmpfs \/var\/lib\/postgresql$/m);
  // The lab folder is covered after the binds (which keep working) so no host sees another's folder or the keys.
  const cover = script.indexOf('tmpfs /srv/iso');
  assert.ok(cover > script.lastIndexOf('mount --bind'));
  assert.match(script, /tmpfs \/root$/m);
  assert.match(script, /tmpfs \/work$/m);
  assert.match(script, /^test '!' -d \/work \|\| mount -t tmpfs -o mode=700,size=1m tmpfs \/work$/m, 'a folder that vanished meanwhile does not stop the host');
  const argv = anchorArgv(layout, node1!, script);
  assert.deepEqual(argv.slice(0, 4), ['ip', 'netns', 'exec', 'p213x1-node1']);
  assert.ok(argv.includes('--pid') && argv.includes('--mount-proc') && argv.includes('--mount'));
  assert.equal(argv[argv.length - 1], script, 'the script is one argument, never spliced into another shell');
});

test('commands on a host enter its namespaces, as postgres when asked', () => {
  assert.deepEqual(onHostArgv(42, ['pg_ctl', 'status'], { uid: 101, gid: 104 }),
    ['nsenter', '-t', '42', '-m', '-n', '-p', '-i', '--wdns=/', '-S', '101', '-G', '104', '--', 'pg_ctl', 'status']);
  assert.deepEqual(onHostArgv(42, ['sshd']).slice(-2), ['--', 'sshd']);
  // File contents and paths are arguments of a fixed script.
  const w = writeFileArgv("/tmp/a b'c", 0o600);
  assert.equal(w[3], "/tmp/a b'c");
  assert.equal(w[4], '600');
  assert.equal(onMachine(node1!, '/etc/ssh/sshd_config'), '/srv/iso/hosts/node1/etc/ssh/sshd_config');
  assert.equal(onMachine(node1!, '/var/log/postgresql/x.log'), '/srv/iso/hosts/node1/log/postgresql/x.log');
  assert.throws(() => onMachine(node1!, '/var/lib/postgresql/.pgpass'), /not in a folder/);
});

test('partition poisons the neighbour entries on both sides; --oneway only on the sender', () => {
  const both = networkFaultCommands(layout, parseFault('partition', ['node0', '10.213.1.12']));
  assert.deepEqual(both.map((c) => [c.where, c.argv.join(' ')]), [
    [{ netns: 'p213x1-node0' }, `ip neigh replace 10.213.1.12 lladdr ${DEAD_MAC} nud permanent dev eth0`],
    [{ netns: 'p213x1-node1' }, `ip neigh replace 10.213.1.11 lladdr ${DEAD_MAC} nud permanent dev eth0`],
  ]);
  const one = networkFaultCommands(layout, parseFault('partition', ['node0', 'node1'], true));
  assert.equal(one.length, 1);
  assert.deepEqual(one[0]!.where, { netns: 'p213x1-node0' });
  const ws = networkFaultCommands(layout, parseFault('partition', ['workstation', 'pgpool']));
  assert.deepEqual(ws[0], { where: 'root', argv: ['ip', 'neigh', 'replace', '10.213.1.10', 'lladdr', DEAD_MAC, 'nud', 'permanent', 'dev', 'p213x1'] });
  assert.throws(() => networkFaultCommands(layout, parseFault('partition', ['node0', '10.213.1.11'])), /two different hosts/);
});

test('isolate cuts the host from every other host and the workstation, both ways', () => {
  const cmds = networkFaultCommands(layout, parseFault('isolate', ['node2']));
  assert.equal(cmds.length, 8, '4 peers (3 hosts + workstation) x 2 directions');
  assert.equal(cmds.filter((c) => typeof c.where === 'object' && 'netns' in c.where && c.where.netns === 'p213x1-node2').length, 4);
  assert.ok(cmds.some((c) => c.where === 'root' && c.argv.includes('10.213.1.13')));
});

test('slow shapes both ends of the link with tbf; heal removes shaping and neighbour entries everywhere', () => {
  const cmds = slowCommands(layout, node0!, '1mbit');
  assert.deepEqual(cmds.map((c) => c.argv.slice(0, 9).join(' ')), ['tc qdisc replace dev eth0 root tbf rate 1mbit', 'tc qdisc replace dev p213x1-node0 root tbf rate 1mbit']);
  assert.throws(() => checkRate('fast'), /RATE must be/);
  assert.throws(() => parseFault('slow', ['node0', '1mbit; reboot']), /RATE must be/);
  const heal = healNetworkCommands(layout).map((c) => c.argv.join(' '));
  assert.ok(heal.includes('ip neigh flush dev p213x1 nud permanent'));
  assert.ok(heal.includes('tc qdisc del dev p213x1-pgpool root'));
  assert.equal(heal.filter((c) => c === 'ip neigh flush dev eth0 nud permanent').length, 4);
});

test('disk-full shrinks /var/lib/postgresql to what it holds', () => {
  assert.equal(parseDfUsed(' Used\n72020\n'), 72020);
  assert.throws(() => parseDfUsed('nothing'), /Cannot read/);
  assert.deepEqual(diskFullArgv(72020), ['mount', '-o', 'remount,size=72020k', '/var/lib/postgresql']);
});

test('hosts are named as in the cluster file or by address; bad fault input says what to do', () => {
  assert.equal(resolveEndpoint(layout, 'node1').kind, 'host');
  assert.equal(resolveEndpoint(layout, '10.213.1.10').kind, 'host');
  assert.equal(resolveEndpoint(layout, '10.213.1.1').kind, 'workstation');
  assert.throws(() => resolveEndpoint(layout, 'node7'), /Name one of: pgpool \(10\.213\.1\.10\)/);
  assert.throws(() => parseFault('flood', ['x']), /Unknown fault/);
  assert.throws(() => parseFault('crash', []), /Usage: lab fault crash HOST/);
  assert.equal(netnsName(iso, layout.pgpool), 'p213x1-pgpool');
});

test('the isolated cluster file names only host paths, except the workstation\'s key, known_hosts and passfile', () => {
  const def = parse(isolatedClusterDefinition(layout, findLabPrograms(15, () => true), user)) as {
    clusters: Array<{ ssh: Record<string, unknown> & { hostToHost: Record<string, string> }; database: { passfile: string }; pgpool: Array<Record<string, unknown>>; nodes: Array<Record<string, unknown>> }>;
  };
  const c = def.clusters[0]!;
  assert.equal(c.ssh.port, 22);
  assert.equal(c.ssh.identityFile, '/srv/iso/client/id_ed25519');
  assert.equal(c.database.passfile, '/srv/iso/pgpass');
  assert.equal(c.ssh.hostToHost.identityFile, '/var/lib/postgresql/.ssh/id_ed25519');
  assert.equal(c.pgpool[0]!.pcpPassFile, '/var/lib/postgresql/.pcppass');
  assert.equal(c.pgpool[0]!.configFile, '/etc/pgpool2/pgpool.conf');
  assert.equal(c.nodes[1]!.dataDirectory, '/var/lib/postgresql/15/main');
  const text = JSON.stringify({ ...c, ssh: { ...c.ssh, identityFile: '', knownHostsFile: '' }, database: {} });
  assert.ok(!text.includes('/srv/iso'), `no other workstation path: ${text}`);
});

test('hosts authenticate with their own files: no passfile= in primary_conninfo, scripts use ~/.pgpass', () => {
  assert.equal(isolatedPrimaryConninfo(node0!, node1!), 'host=10.213.1.11 port=5432 user=replicator application_name=node1');
  const input = isolatedPgpoolInput(layout, findLabPrograms(15, () => true), user);
  assert.equal(input.passFile, undefined);
  assert.equal(input.pcp.passFile, '/var/lib/postgresql/.pcppass');
  assert.equal(input.ssh.port, 22);
  assert.ok(!JSON.stringify(input).includes('/srv/iso'), 'no workstation path reaches pgpool.conf or the scripts');
  assert.match(isolatedNodeHba('10.213.1.0/24'), /^host\s+replication\s+replicator\s+10\.213\.1\.0\/24\s+scram-sha-256$/m);
  assert.match(isolatedSshdConfig(node0!, 'postgres'), /^Port 22$/m);
  // Debian's PATH for ordinary users: PostgreSQL's programs and /usr/sbin (pcp tools) are for discovery to find.
  assert.match(isolatedSshdConfig(node0!, 'postgres'), /^SetEnv PATH=\/usr\/bin:\/bin$/m);
  assert.equal(knownHostsLine('10.213.1.11', 'ssh-ed25519 AAAA c', 22), '10.213.1.11 ssh-ed25519 AAAA');
});

test('PGPOOL_CLUSTER_LAB_ISOLATED=1 makes the lab isolated unless a loopback --net says otherwise', () => {
  const env = { PGPOOL_CLUSTER_LAB_ISOLATED: '1', PGPOOL_CLUSTER_LAB_NET: '127.0.1' };
  const none = '/nonexistent/lab-for-unit-test';
  assert.equal(labLayoutFor(none, undefined, undefined, env).isolation?.subnet, '10.213.1.0/24', 'a loopback env net falls back to the default range');
  assert.equal(labLayoutFor(none, '10.9.8', undefined, env).isolation?.subnet, '10.9.8.0/24');
  assert.equal(labLayoutFor(none, '127.0.5', undefined, env).isolation, undefined, 'an explicit loopback net is the loopback lab');
  assert.equal(labLayoutFor(none, undefined, undefined, {}).isolation, undefined);
  assert.throws(() => labLayoutFor(none, '127.0.5', true, env), /private network prefix/);
});

test('PGPOOL_CLUSTER_LAB_NET: a trailing dot is dropped; a malformed value is refused, never the default range (another lab\'s)', () => {
  const none = '/nonexistent/lab-for-unit-test';
  const iso = (net: string) => ({ PGPOOL_CLUSTER_LAB_ISOLATED: '1', PGPOOL_CLUSTER_LAB_NET: net });
  assert.equal(labLayoutFor(none, undefined, undefined, iso('10.213.13.')).isolation?.subnet, '10.213.13.0/24');
  assert.equal(labLayoutFor(none, undefined, undefined, iso(' 10.213.13 ')).isolation?.subnet, '10.213.13.0/24');
  assert.throws(() => labLayoutFor(none, undefined, undefined, iso('10.213.15;')), /PGPOOL_CLUSTER_LAB_NET must be the first three octets.*got "10\.213\.15;"/);
  assert.throws(() => labLayoutFor(none, undefined, undefined, iso('10.213')), /PGPOOL_CLUSTER_LAB_NET must be the first three octets/);
  assert.throws(() => labLayoutFor(none, undefined, undefined, { PGPOOL_CLUSTER_LAB_NET: '127.0.5.1' }), /first three octets/);
  assert.equal(labLayoutFor(none, undefined, undefined, { PGPOOL_CLUSTER_LAB_NET: '127.0.5.' }).isolation, undefined, 'the loopback lab reads it the same way');
});

test('a private --net without a lab.json is the isolated lab: lab down after a killed lab up finds it', () => {
  const none = '/nonexistent/lab-for-unit-test';
  assert.equal(labLayoutFor(none, '10.213.31', undefined, {}).isolation?.prefix, 'p213x31');
  assert.equal(labLayoutFor(none, '127.0.5', undefined, {}).isolation, undefined);
});
