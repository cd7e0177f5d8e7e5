/**
 * Which pgpool.conf configure-pgpool edits: the running pgpool's command line, read from /proc by the
 * discovery script (run here for real against a process named pgpool), else the distribution's path; the
 * cluster file's configFile overrides; with several pgpools on one host, the one serving the instance wins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import {
  choosePgpoolPaths, DISCOVERY_SCRIPT, parseDiscoveryOutput, parsePgpoolCommandLine, type DiscoveryFacts,
} from '../../../src/core/ops/setup/configurePgpoolDiscovery';
import { buildConfigurePgpoolPlan, readCurrentFiles } from '../../../src/core/ops/setup/configurePgpool';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { waitUntil } from '../../harness/wait';
import { cluster, HEALTHY, status } from './fixtures';

test('pgpool command lines: short, glued, bundled and long options; relative paths against the cwd', () => {
  assert.deepEqual(parsePgpoolCommandLine(['/usr/sbin/pgpool', '-n', '-D', '-f', '/srv/p.conf', '-F', '/srv/pcp.conf', '-a', '/srv/hba.conf']),
    { configFile: '/srv/p.conf', pcpFile: '/srv/pcp.conf', hbaFile: '/srv/hba.conf' });
  assert.deepEqual(parsePgpoolCommandLine(['pgpool', '-nDf', 'etc/pgpool.conf', '-F/srv/pcp.conf'], '/opt/pool'),
    { configFile: '/opt/pool/etc/pgpool.conf', pcpFile: '/srv/pcp.conf' });
  assert.deepEqual(parsePgpoolCommandLine(['pgpool', '--config-file=/a/pgpool.conf', '--hba-file', '/a/hba', '-m', 'fast', '-k', '/a/key']),
    { configFile: '/a/pgpool.conf', hbaFile: '/a/hba' });
  assert.deepEqual(parsePgpoolCommandLine(['pgpool', '-n']), {});
});

const c = cluster('15', '4.3');
const readComm = (pid: number | undefined): string => {
  try { return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim(); } catch { return ''; }
};
const withConfigFile = (conf: string): ClusterDefinition => ({ ...c, pgpool: [{ ...c.pgpool[0]!, configFile: conf }] });
const facts = (processes: DiscoveryFacts['processes'], dirs: string[] = []): DiscoveryFacts => ({ processes, distributionDirs: dirs, clientAddress: '10.0.0.99' });

test('one running pgpool: its -f, -F and -a; shown as "discovered ... from pid N"', () => {
  const p = choosePgpoolPaths(c, facts([{ pid: 77, argv: ['/usr/sbin/pgpool', '-n', '-f', '/srv/etc/pgpool.conf', '-a', '/srv/etc/hba'] }]));
  assert.deepEqual(p, {
    configFile: '/srv/etc/pgpool.conf', pcpFile: '/srv/etc/pcp.conf', hbaFile: '/srv/etc/hba', pid: 77, clientAddress: '10.0.0.99',
    source: 'discovered: /srv/etc/pgpool.conf from pid 77 (pgpool -f)',
  });
  const noF = choosePgpoolPaths(c, facts([{ pid: 78, argv: ['pgpool', '-n'] }], ['/etc/pgpool-II']));
  assert.equal(noF.configFile, '/etc/pgpool-II/pgpool.conf', 'no -f: the distribution directory that holds a pgpool.conf');
});

test('several pgpools on one host: the one whose pgpool.conf serves the instance\'s address and port', () => {
  const confs: Record<string, string> = {
    '/a/pgpool.conf': "listen_addresses = '10.0.0.50'\nport = 9999\n",
    '/b/pgpool.conf': "listen_addresses = '10.0.0.10,localhost'\nport = 9999\n",
    '/c/pgpool.conf': "listen_addresses = '*'\nport = 9000\n",
  };
  const running = facts(['/a', '/b', '/c'].map((d, i) => ({ pid: 100 + i, argv: ['pgpool', '-f', `${d}/pgpool.conf`] })));
  const p = choosePgpoolPaths(c, running, (f) => confs[f]);
  assert.equal(p.configFile, '/b/pgpool.conf');
  assert.equal(p.pid, 101);
  const none = choosePgpoolPaths(c, facts(running.processes.filter((x) => x.pid !== 101)), (f) => confs[f]);
  assert.equal(none.configFile, '/etc/pgpool2/pgpool.conf');
  assert.match(none.source, /none of the pgpool processes \(pid 100, 102\) serves 10\.0\.0\.10:9999/);
});

test('the cluster file\'s configFile overrides; -F/-a are taken only from the pgpool that runs that file', () => {
  const one = facts([{ pid: 5, argv: ['pgpool', '-f', '/srv/pgpool.conf', '-F', '/secret/pcp.conf'] }]);
  const same = choosePgpoolPaths(withConfigFile('/srv/pgpool.conf'), one);
  assert.equal(same.pcpFile, '/secret/pcp.conf');
  assert.match(same.source, /cluster file .*pid 5 runs with/);
  const other = choosePgpoolPaths(withConfigFile('/etc/mine/pgpool.conf'), one);
  assert.deepEqual([other.configFile, other.pcpFile, other.hbaFile], ['/etc/mine/pgpool.conf', '/etc/mine/pcp.conf', '/etc/mine/pool_hba.conf']);
  assert.match(other.source, /pgpool pid 5 runs with \/srv\/pgpool\.conf/, 'the plan says the two disagree');
  const nothing = choosePgpoolPaths(c, facts([]));
  assert.match(nothing.source, /no running pgpool/);
});

test('the discovery script, run for real, finds a process named pgpool and its command line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-discovery-'));
  // A process whose executable is called pgpool: a copy of tail that follows the two "config files".
  copyFileSync('/usr/bin/tail', join(dir, 'pgpool'));
  for (const f of ['pgpool.conf', 'pcp.conf']) writeFileSync(join(dir, f), '');
  const child = spawn(join(dir, 'pgpool'), ['-f', 'pgpool.conf', '-F', join(dir, 'pcp.conf')], { cwd: dir, stdio: 'ignore' });
  t.after(() => { child.kill(); rmSync(dir, { recursive: true, force: true }); });
  // Until the exec is done, /proc shows the parent's name.
  await waitUntil('the child to be named pgpool in /proc', () => readComm(child.pid) === 'pgpool', 10_000, 20);
  const out = spawnSync('sh', ['-c', DISCOVERY_SCRIPT], { encoding: 'utf8', env: { ...process.env, SSH_CLIENT: '192.0.2.7 50000 22', HOME: '/home/pgpool-op' } });
  assert.equal(out.status, 0, out.stderr);
  const parsed = parseDiscoveryOutput(out.stdout);
  assert.equal(parsed.clientAddress, '192.0.2.7');
  assert.equal(parsed.home, '/home/pgpool-op', 'the home there is what ~/ means in paths on the pgpool host');
  const mine = parsed.processes.find((p) => p.pid === child.pid);
  assert.ok(mine, out.stdout);
  assert.deepEqual(parsePgpoolCommandLine(mine.argv, mine.cwd), { configFile: join(dir, 'pgpool.conf'), pcpFile: join(dir, 'pcp.conf') });
});

test('readCurrentFiles reads the discovered files; pcp.conf only when it will be written', async () => {
  const read: string[] = [];
  const files: Record<string, string> = { '/srv/etc/pgpool.conf': "listen_addresses = '10.0.0.10'\nport = 9999\n", '/srv/etc/pool_hba.conf': 'host all all 10.0.0.0/8 scram-sha-256\n' };
  const env = {
    nodes: c.nodes.map((n) => n.name),
    remote: (host: string) => ({
      label: host,
      exec: async () => ({ code: 0, signal: null, stderr: '', stdout: 'pid 4242\ncwd /\narg /usr/sbin/pgpool\narg -f\narg /srv/etc/pgpool.conf\nclient 10.0.0.99\n' }),
      readFile: async (p: string) => {
        read.push(`${host}:${p}`);
        const text = host === 'pgpool' ? files[p] : undefined;
        if (text === undefined) throw new Error(`No such file: ${p}`);
        return Buffer.from(text);
      },
      writeFile: async () => { throw new Error('read only'); },
    }),
  } as unknown as OpsEnvironment;
  const target = { cluster: c, status: status(c, HEALTHY), options: {} };
  const current = await readCurrentFiles(target, env);
  assert.equal(current.paths?.configFile, '/srv/etc/pgpool.conf');
  assert.equal(current.paths?.pid, 4242);
  assert.equal(current.get('pgpool:/srv/etc/pgpool.conf'), files['/srv/etc/pgpool.conf']);
  assert.ok(!read.includes('pgpool:/srv/etc/pcp.conf'), read.join(' '));
  read.length = 0;
  await readCurrentFiles({ ...target, options: { pcpPassword: 'x' } }, env);
  assert.ok(read.includes('pgpool:/srv/etc/pcp.conf'), read.join(' '));
});

test('configure-pgpool: ~/ in pcpPassFile is the pgpool host user\'s home there, in the scripts and in the file it writes', async () => {
  const home = { ...c, pgpool: c.pgpool.map((p) => ({ ...p, pcpPassFile: '~/.pcppass' })) };
  const files: Record<string, string> = { '/srv/etc/pgpool.conf': "listen_addresses = '10.0.0.10'\nport = 9999\n" };
  const env = (probe: string) => ({
    nodes: home.nodes.map((n) => n.name),
    remote: (host: string) => ({
      label: host,
      exec: async () => ({ code: 0, signal: null, stderr: '', stdout: probe }),
      readFile: async (p: string) => {
        const text = host === 'pgpool' ? files[p] : undefined;
        if (text === undefined) throw new Error(`No such file: ${p}`);
        return Buffer.from(text);
      },
      writeFile: async () => { throw new Error('read only'); },
    }),
  }) as unknown as OpsEnvironment;
  const probe = 'pid 7\ncwd /\narg /usr/sbin/pgpool\narg -f\narg /srv/etc/pgpool.conf\nclient 10.0.0.99\nhome /var/lib/pgsql\n';
  const target = { cluster: home, status: status(home, HEALTHY), options: { pcpPassword: 'pcp-secret' } };
  const r = buildConfigurePgpoolPlan(target, await readCurrentFiles(target, env(probe)));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const follow = r.files.find((f) => f.path.endsWith('follow_primary.sh'));
  assert.ok(follow, r.files.map((f) => f.path).join(' '));
  assert.match(follow.content, /^export PCPPASSFILE=\/var\/lib\/pgsql\/\.pcppass$/m);
  assert.ok(!r.files.some((f) => f.path.includes('~')), 'no ~ reaches an SFTP path');
  assert.ok(r.files.some((f) => f.path === '/var/lib/pgsql/.pcppass' && f.secret));
  // Without the home (the probe said nothing), the plan refuses instead of writing a literal ~.
  const blind = buildConfigurePgpoolPlan(target, await readCurrentFiles(target, env('pid 7\ncwd /\narg /usr/sbin/pgpool\narg -f\narg /srv/etc/pgpool.conf\n')).catch(() => new Map()));
  assert.equal(blind.ok, false);
  assert.match(blind.ok ? '' : blind.reason, /home directory of the user on the pgpool host is unknown.*absolute pcpPassFile/);
});
