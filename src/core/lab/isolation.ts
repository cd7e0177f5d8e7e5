// The isolated lab's commands, as data: which `ip`, `nsenter`, `mount`, `tc` argv each step runs.
// Nothing here runs a process; isolatedLab.ts does, so these are unit-tested by what they build.
import { join } from 'node:path';
import { shellCommand, shellScript } from '../remote/shellQuote';
import type { LabHost, LabIsolation, LabLayout } from './layout';
import { HOST_PG_HOME } from './layout';

export type Argv = readonly string[];

/** A command and the namespace it runs in: the workstation (root) or a lab host's network namespace. */
export interface NetCommand {
  readonly argv: Argv;
  /** Failing is fine (removing what may not be there). */
  readonly mayFail?: boolean;
}

export function isolationOf(layout: LabLayout): LabIsolation {
  if (!layout.isolation) throw new Error('This is the loopback lab; the command needs the isolated lab (lab up --isolated).');
  return layout.isolation;
}

export const netnsName = (iso: LabIsolation, host: LabHost): string => `${iso.prefix}-${host.name}`;
/** The root-namespace end of the host's veth (a port of the bridge); the host's end is eth0. */
export const vethName = (iso: LabIsolation, host: LabHost): string => `${iso.prefix}-${host.name}`.slice(0, 15);

const prefixLength = (subnet: string): string => subnet.split('/')[1] ?? '24';

/** The bridge, one namespace + veth per host, addresses; the blackhole first, so nothing for the range leaves. */
export function networkUpCommands(layout: LabLayout, hosts: readonly LabHost[]): NetCommand[] {
  const iso = isolationOf(layout);
  const len = prefixLength(iso.subnet);
  const cmds: NetCommand[] = [
    // `replace` is idempotent: the blackhole outlives the lab on purpose.
    { argv: ['ip', 'route', 'replace', 'blackhole', iso.blackhole] },
    { argv: ['ip', 'link', 'add', iso.bridge, 'type', 'bridge'] },
    { argv: ['ip', 'addr', 'add', `${iso.workstation}/${len}`, 'dev', iso.bridge] },
    { argv: ['ip', 'link', 'set', iso.bridge, 'up'] },
  ];
  for (const h of hosts) {
    const ns = netnsName(iso, h);
    const veth = vethName(iso, h);
    cmds.push(
      { argv: ['ip', 'netns', 'add', ns] },
      { argv: ['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns] },
      { argv: ['ip', 'link', 'set', veth, 'master', iso.bridge, 'up'] },
      { argv: ['ip', '-n', ns, 'addr', 'add', `${h.address}/${len}`, 'dev', 'eth0'] },
      { argv: ['ip', '-n', ns, 'link', 'set', 'eth0', 'up'] },
      { argv: ['ip', '-n', ns, 'link', 'set', 'lo', 'up'] },
    );
  }
  return cmds;
}

/** Everything networkUpCommands made except the blackhole; each may already be gone. */
export function networkDownCommands(layout: LabLayout, hosts: readonly LabHost[]): NetCommand[] {
  const iso = isolationOf(layout);
  return [
    ...hosts.flatMap((h) => [
      { argv: ['ip', 'netns', 'del', netnsName(iso, h)], mayFail: true },
      { argv: ['ip', 'link', 'del', vethName(iso, h)], mayFail: true },
    ]),
    { argv: ['ip', 'link', 'del', iso.bridge], mayFail: true },
  ];
}

/** Folders of the host bind-mounted from its folder on the machine: (path on the host, folder under host.dir). */
export const HOST_BIND_MOUNTS: ReadonlyArray<readonly [string, string]> = [
  ['/etc/ssh', 'etc/ssh'],
  ['/etc/pgpool2', 'etc/pgpool2'],
  ['/etc/postgresql-common', 'etc/postgresql-common'],
  ['/home', 'home'],
  ['/var/log', 'log'],
];

/** Size of each host's /var/lib/postgresql (a tmpfs; `lab fault disk-full` shrinks it to what it holds). */
export const HOST_PG_FS_SIZE = '2g';

/** The tmpfs cap in effect: PGPOOL_CLUSTER_LAB_PG_FS_SIZE (e.g. `4g`, the fault campaign's 1 GB node) or 2g. Memory is used only as filled. */
export function hostPgFsSize(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.PGPOOL_CLUSTER_LAB_PG_FS_SIZE?.trim().toLowerCase();
  return v && /^[1-9]\d{0,3}[mg]$/.test(v) ? v : HOST_PG_FS_SIZE;
}

/** Where the seed of /var/lib/postgresql (keys, pass files) waits on the machine until the host copies it in. */
export const seedDir = (host: LabHost): string => join(host.dir, 'seed');

/** The machine path of a file on the host, for folders that are bind-mounted from host.dir. */
export function onMachine(host: LabHost, hostPath: string): string {
  for (const [mountPoint, sub] of HOST_BIND_MOUNTS) {
    if (hostPath === mountPoint || hostPath.startsWith(`${mountPoint}/`)) return join(host.dir, sub, hostPath.slice(mountPoint.length));
  }
  throw new Error(`${hostPath} is not in a folder the lab shares with ${host.name}'s folder on the machine.`);
}

/**
 * The shell script a host's anchor runs in its new mount namespace: private /tmp and /run, its own /etc/ssh,
 * /etc/pgpool2, /etc/postgresql-common, /home, /var/log, a size-capped /var/lib/postgresql seeded from the
 * machine, then the lab folder, /root and /work covered so no workstation file is visible. It then stays as
 * the host's PID 1.
 */
export function anchorScript(layout: LabLayout, host: LabHost, pgUid: number, pgGid: number, hide: readonly string[]): string {
  const owner = `${pgUid}:${pgGid}`;
  const lines: string[] = [
    'set -e',
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', '/tmp']),
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/run']),
    shellCommand(['mkdir', '-p', '/run/sshd', '/run/postgresql']),
    shellCommand(['chown', owner, '/run/postgresql']),
    shellCommand(['chmod', '2775', '/run/postgresql']),
    ...HOST_BIND_MOUNTS.map(([mountPoint, sub]) => shellCommand(['mount', '--bind', join(host.dir, sub), mountPoint])),
    shellCommand(['mount', '-t', 'tmpfs', '-o', `size=${hostPgFsSize()},mode=755`, 'tmpfs', HOST_PG_HOME]),
    shellCommand(['cp', '-a', `${seedDir(host)}/.`, `${HOST_PG_HOME}/`]),
    shellCommand(['chown', owner, HOST_PG_HOME]),
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=700,size=1m', 'tmpfs', layout.dir]),
    // Another lab's folder may be removed (its `lab down`) between listing /var/lib and this mount: gone is hidden.
    ...hide.map((d) => `${shellCommand(['test', '!', '-d', d])} || ${shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=700,size=1m', 'tmpfs', d])}`),
    shellScript(['echo', 'ready']),
    // PID 1 of the host: it reaps orphans (a killed postmaster's children, daemons' parents) like init would.
    "trap '' TERM INT HUP",
    'while :; do sleep 5 & wait $!; done',
  ];
  return lines.join('\n');
}

/**
 * argv that starts a host's anchor: mount, PID (own /proc) and IPC namespaces inside the host's network namespace.
 * Its own IPC namespace frees the System V shared memory of a killed server (pgpool leaves ~130 MB per kill -9)
 * when the host goes down, instead of leaking it on the machine.
 */
export function anchorArgv(layout: LabLayout, host: LabHost, script: string): Argv {
  return ['ip', 'netns', 'exec', netnsName(isolationOf(layout), host), 'unshare', '--mount', '--propagation', 'private', '--pid', '--ipc', '--fork', '--mount-proc',
    '--', 'sh', '-c', script];
}

export interface HostUser { readonly uid: number; readonly gid: number }

/** argv running a program on a host: the namespaces of its anchor (nsenter forks into the PID namespace), as root or as the user. */
export function onHostArgv(anchorPid: number, argv: Argv, as?: HostUser): Argv {
  return ['nsenter', '-t', String(anchorPid), '-m', '-n', '-p', '-i', '--wdns=/', ...(as ? ['-S', String(as.uid), '-G', String(as.gid)] : []), '--', ...argv];
}

/** The environment of a process on a host: nothing of the workstation's (no PGPASSFILE, no HOME of root). */
export function hostEnv(home: string, user: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: home, USER: user, LOGNAME: user, LANG: 'C.UTF-8' };
}

/** A fixed script that writes stdin to $0 with mode $1 (values are arguments, never spliced into the script). */
export const WRITE_FILE_SCRIPT = 'umask 077; cat > "$0"; chmod "$1" "$0"';
export const APPEND_FILE_SCRIPT = 'cat >> "$0"';

export const writeFileArgv = (path: string, mode: number): Argv => ['sh', '-c', WRITE_FILE_SCRIPT, path, mode.toString(8)];

/**
 * sshd_config of an isolated host: port 22, Debian's files, the login user's ~/.ssh/authorized_keys, and a PATH
 * without PostgreSQL's programs or /usr/sbin (pcp tools), so discovery must find them. Not /usr/local/bin either:
 * hosts share it with the machine, where it may hold links to pg_ctl that a stock Debian host does not have.
 */
export function isolatedSshdConfig(host: LabHost, loginUser: string): string {
  return [
    `# sshd of the lab host ${host.name} (${host.address}); written by pgpool-cluster lab`,
    'Port 22',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PidFile /run/sshd.pid',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM yes',
    `AllowUsers ${loginUser}`,
    'PermitRootLogin no',
    'StrictModes yes',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'PrintMotd no',
    'SetEnv PATH=/usr/bin:/bin',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

