import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeLeftovers, findLeftovers, namedByLab, nothingLeft, type MachineView, type ProcessView } from '../../../src/core/lab/leftovers';
import { anchorArgv, anchorScript } from '../../../src/core/lab/isolation';
import { isolatedLabLayout } from '../../../src/core/lab/layout';

const DIR = '/var/lib/pgpool-wdlab-x';
const wd = isolatedLabLayout(DIR, 3, '10.213.32', true);
const ROOT = { net: 'net:[1]', mnt: 'mnt:[1]', pidNs: 'pid:[1]' };
const proc = (pid: number, argv: string[], ns: Partial<ProcessView> = {}): ProcessView => ({ pid, argv, ...ROOT, ...ns });
// The anchors of the watchdog lab's pgpool1, as lab up starts them: ip netns exec -> unshare (same pid), and sh (PID 1 of the host).
const script = anchorScript(wd, wd.pgpools[1]!, 101, 104, []);
const anchorCmd = [...anchorArgv(wd, wd.pgpools[1]!, script)];

function view(over: Partial<MachineView> = {}): MachineView {
  return {
    netns: [{ name: 'p213x32-pgpool1', id: 'net:[70]' }, { name: 'p213x32-node0', id: 'net:[71]' }, { name: 'p213x3-node0', id: 'net:[90]' }, { name: 'p213x321-node0', id: 'net:[91]' }],
    links: ['lo', 'eth0', 'p213x32', 'p213x32-pgpool1', 'p213x32-node0', 'p213x3', 'p213x3-node0', 'p213x321'],
    mounts: ['/', '/run/netns', '/run/netns/p213x32-pgpool1', '/run/netns/p213x32-node0', '/run/netns/p213x3-node0', `${DIR}-setup/x`],
    processes: [
      proc(1, ['/sbin/init']),
      proc(500, ['node', 'dist/cli.js', 'lab', '--dir', DIR, 'down']),
      // unshare waits for the host's PID 1; both are in the host's network namespace.
      proc(600, anchorCmd.slice(4), { net: 'net:[70]', mnt: 'mnt:[80]' }),
      proc(601, ['sh', '-c', script], { net: 'net:[70]', mnt: 'mnt:[80]', pidNs: 'pid:[81]' }),
      proc(602, ['pgpool', '-n', '-f', '/etc/pgpool2/pgpool.conf'], { net: 'net:[70]', mnt: 'mnt:[80]', pidNs: 'pid:[81]' }),
      // sshd on node0, whose anchor is gone already; its namespace is still named.
      proc(610, ['sshd: /usr/sbin/sshd -f /etc/ssh/sshd_config'], { net: 'net:[71]', mnt: 'mnt:[82]', pidNs: 'pid:[83]' }),
      // A postgres of node1 whose network namespace's name was removed (an interrupted down), anchor alive: found by the anchor's mount and PID namespaces.
      proc(620, ['sh', '-c', anchorScript(wd, wd.nodes[1]!, 101, 104, [])], { net: 'net:[72]', mnt: 'mnt:[84]', pidNs: 'pid:[85]' }),
      proc(621, ['postgres', '-D', '/var/lib/postgresql/15/main'], { net: 'net:[72]', mnt: 'mnt:[84]', pidNs: 'pid:[85]' }),
      // Another lab (p213x3, another folder) and the machine's own processes are not ours.
      proc(700, ['sh', '-c', `mount --bind ${DIR}-setup/hosts/node0/etc/ssh /etc/ssh`], { net: 'net:[90]', mnt: 'mnt:[92]', pidNs: 'pid:[93]' }),
      proc(701, ['postgres'], { net: 'net:[90]' }),
      proc(702, ['postgres'], { net: 'net:[91]' }),
      proc(800, ['/usr/sbin/sshd', '-D']),
      proc(801, ['less', `${DIR}/hosts/node0/log/postgresql/pgpool.log`]),
    ],
    self: ROOT,
    ...over,
  };
}

test('namedByLab: the bridge and prefix-host names only, not a longer prefix that starts the same', () => {
  assert.ok(namedByLab('p213x3', 'p213x3') && namedByLab('p213x3', 'p213x3-node0'));
  assert.ok(!namedByLab('p213x3', 'p213x32') && !namedByLab('p213x3', 'p213x32-node0') && !namedByLab('p213x3', 'p213x3x'));
});

test('findLeftovers: every namespace, link, mount and process of the lab, from the machine alone (no state file)', () => {
  const l = findLeftovers('p213x32', DIR, view());
  assert.deepEqual(l.netns, ['p213x32-pgpool1', 'p213x32-node0']);
  assert.deepEqual(l.links, ['p213x32', 'p213x32-pgpool1', 'p213x32-node0']);
  assert.deepEqual(l.mounts, ['/run/netns/p213x32-pgpool1', '/run/netns/p213x32-node0']);
  assert.deepEqual(l.pids, [600, 601, 602, 610, 620, 621], 'anchors, what runs in the named namespaces, and what shares a live anchor\'s namespaces');
  assert.ok(!nothingLeft(l));
  assert.match(describeLeftovers(l), /processes 600, 601, 602, 610, 620, 621; network namespaces p213x32-pgpool1, p213x32-node0; links p213x32/);
});

test('findLeftovers: the machine\'s own namespaces never count, even if a process shares them with an anchor', () => {
  // A broken anchor that never left the root namespaces (its unshare failed) must not make every process a victim.
  const v = view({ processes: [proc(1, ['/sbin/init']), proc(900, ['sh', '-c', `mount --bind ${DIR}/hosts/node0/etc/ssh /etc/ssh`]), proc(901, ['/usr/sbin/sshd', '-D'])] });
  assert.deepEqual(findLeftovers('p213x32', DIR, v).pids, [900]);
});

test('findLeftovers: after a complete down nothing is left, and a second down has nothing to do', () => {
  const clean = view({
    netns: [{ name: 'p213x3-node0', id: 'net:[90]' }], links: ['lo', 'eth0', 'p213x3', 'p213x3-node0'], mounts: ['/', '/run/netns', '/run/netns/p213x3-node0'],
    processes: [proc(1, ['/sbin/init']), proc(701, ['postgres'], { net: 'net:[90]' })],
  });
  const l = findLeftovers('p213x32', DIR, clean);
  assert.ok(nothingLeft(l), describeLeftovers(l));
  assert.equal(describeLeftovers(l), 'nothing');
});

test('findLeftovers: mounts under the lab folder, deepest first; a folder that only starts the same is not the lab\'s', () => {
  const l = findLeftovers('p213x32', `${DIR}/`, view({ mounts: [DIR, `${DIR}/hosts/node0/etc/ssh`, `${DIR}/hosts`, `${DIR}-setup/hosts`] }));
  assert.deepEqual(l.mounts, [`${DIR}/hosts/node0/etc/ssh`, `${DIR}/hosts`, DIR]);
});
