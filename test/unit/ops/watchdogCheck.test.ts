import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { checkWatchdogHost } from '../../../src/core/ops/preflight/watchdogCheck';
import { parseIpAddrLines, subnetHolding } from '../../../src/core/remote/ipAddr';
import type { ExecResult, RemoteHost } from '../../../src/core/remote/types';
import { cluster } from './fixtures';

const IP_OUT = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0@if7    inet 10.213.12.21/24 brd 10.213.12.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '2: eth0@if7    inet 10.213.12.100/24 scope global secondary eth0:0\\       valid_lft forever preferred_lft forever',
].join('\n');

/** Files and `ip addr` output per host; anything else is an error. */
const sudoRuns: string[][] = [];

function env(files: Record<string, string>, ipOut = IP_OUT, sudoAllows = true): OpsEnvironment {
  const host: RemoteHost = {
    label: 'pgpool',
    exec: async (cmd): Promise<ExecResult> => {
      const argv = [...(cmd as readonly string[])];
      if (argv[0]?.endsWith('sudo')) {
        sudoRuns.push(argv);
        return sudoAllows ? { code: 0, signal: null, stdout: argv.slice(4).join(' '), stderr: '' } : { code: 1, signal: null, stdout: '', stderr: 'sudo: a password is required' };
      }
      assert.deepEqual(argv, ['ip', '-o', '-4', 'addr', 'show']);
      return { code: 0, signal: null, stdout: ipOut, stderr: '' };
    },
    readFile: async (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`${p}: No such file`);
      return Buffer.from(t);
    },
    writeFile: async () => { throw new Error('read-only'); },
  };
  return { nodes: [], remote: () => host, sql: () => { throw new Error('no sql'); }, pcp: async () => '', pgpoolNode: async () => { throw new Error('no'); }, close: async () => undefined };
}

const CONF = "use_watchdog = on\nhostname0 = 'pgpool1'\nwd_port0 = 9000\nhostname1 = 'pgpool2'\nwd_port1 = 9000\nhostname2 = 'pgpool3'\nwd_port2 = 9000\ndelegate_IP = '10.213.12.100'\n";

test('ip -o addr lines: device, address and prefix; the VIP\'s subnet is found on eth0, not on lo or the VIP itself', () => {
  const a = parseIpAddrLines(IP_OUT);
  assert.deepEqual(a.map((x) => `${x.device} ${x.address}/${x.prefix}`), ['lo 127.0.0.1/8', 'eth0 10.213.12.21/24', 'eth0 10.213.12.100/24']);
  assert.equal(subnetHolding('10.213.12.100', a)?.address, '10.213.12.21');
  assert.equal(subnetHolding('10.213.13.100', a), undefined);
  assert.equal(subnetHolding('127.0.0.5', a), undefined, 'loopback does not count');
});

test('check: pgpool_node_id present and naming a hostnameN, VIP inside eth0\'s subnet: both cells pass', async () => {
  const c = cluster('15', '4.3');
  const cells = await checkWatchdogHost(c, { ...c.pgpool[0]!, configFile: '/etc/pgpool2/pgpool.conf' }, env({ '/etc/pgpool2/pgpool.conf': CONF, '/etc/pgpool2/pgpool_node_id': '1\n' }), undefined);
  assert.deepEqual(cells.map((x) => [x.what.split(' ')[0], x.ok]), [['pgpool_node_id', true], ['if_up_cmd', true], ['delegate_ip', true]]);
  assert.deepEqual(sudoRuns.at(-1), ['/usr/bin/sudo', '-n', '-l', '--', '/sbin/ip', 'addr', 'add', '10.213.12.100/24', 'dev', 'eth0', 'label', 'eth0:0'], 'the exact command, as the pgpool user, never prompting');
  assert.match(cells[0]?.detail ?? '', /hostname1 = pgpool2/);
});

test('check: a missing or wrong pgpool_node_id and a VIP outside every subnet fail with a fix', async () => {
  const c = cluster('15', '4.3');
  const inst = c.pgpool[0]!;
  const missing = await checkWatchdogHost(c, inst, env({ '/etc/pgpool2/pgpool.conf': CONF.replace('10.213.12.100', '192.168.5.5') }), undefined);
  assert.deepEqual(missing.map((x) => x.ok), [false, true, false]);
  assert.match(missing[0]?.detail ?? '', /does not exist/);
  assert.match(missing[0]?.fix ?? '', /0\.\.2/);
  assert.match(missing[2]?.detail ?? '', /no interface's subnet holds 192\.168\.5\.5/);
  const refused = await checkWatchdogHost(c, inst, env({ '/etc/pgpool2/pgpool.conf': CONF, '/etc/pgpool2/pgpool_node_id': '0' }, IP_OUT, false), undefined);
  assert.equal(refused[1]?.ok, false);
  assert.match(refused[1]?.detail ?? '', /password is required/);
  assert.match(refused[1]?.fix ?? '', /NOPASSWD: \/sbin\/ip/);
  const noSudo = await checkWatchdogHost(c, inst, env({ '/etc/pgpool2/pgpool.conf': `${CONF}if_up_cmd = '/usr/local/sbin/as-netadmin /usr/sbin/ip addr add $_IP_$/24 dev eth0'\n`, '/etc/pgpool2/pgpool_node_id': '0' }), undefined);
  assert.equal(noSudo[1]?.unknown, true, 'a capability wrapper cannot be judged from here');
  const wrong = await checkWatchdogHost(c, inst, env({ '/etc/pgpool2/pgpool.conf': CONF, '/etc/pgpool2/pgpool_node_id': '7' }), undefined);
  assert.equal(wrong[0]?.ok, false);
  assert.match(wrong[0]?.detail ?? '', /no hostname7/);
  const junk = await checkWatchdogHost(c, inst, env({ '/etc/pgpool2/pgpool.conf': CONF, '/etc/pgpool2/pgpool_node_id': 'pgpool1' }), undefined);
  assert.match(junk[0]?.detail ?? '', /not a number/);
});

test('check: watchdog off, no file, or a pre-4.2 layout (no node id file) checks only what applies', async () => {
  const c = cluster('15', '4.3');
  assert.deepEqual(await checkWatchdogHost(c, c.pgpool[0]!, env({ '/etc/pgpool2/pgpool.conf': CONF.replace('use_watchdog = on', 'use_watchdog = off') }), undefined), []);
  assert.deepEqual(await checkWatchdogHost(c, c.pgpool[0]!, env({}), undefined), []);
  const old = cluster('15', '4.1');
  const cells = await checkWatchdogHost(old, old.pgpool[0]!, env({ '/etc/pgpool2/pgpool.conf': "use_watchdog = on\nwd_hostname = 'a'\ndelegate_IP = '10.213.12.100'\n" }), undefined);
  assert.deepEqual(cells.map((x) => x.what.split(' ')[0]), ['if_up_cmd', 'delegate_ip']);
});
