// What the isolated lab's hosts are given before they start: each host's files (sshd, pgpool's configuration and
// scripts, the postgres user's keys and pass files, as pgpool's docs set them up), and the pgpool input they come from.
import { chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { passFileLine, type PgpoolConfigInput } from '../ops/setup/pgpoolConfig';
import type { LabLayout, LabNode, LabPgpoolHost } from './layout';
import { allHosts, HOST_PG_HOME, isPgpoolHost, LAB_PCP_PORT, LAB_PG_MAJOR, LAB_PG_PORT } from './layout';
import { isolatedSshdConfig, seedDir } from './isolation';
import type { LabPrograms } from './prerequisites';
import { run } from './proc';
import type { ServiceUser } from './serviceUser';
import { identityConf, type LabPasswords } from './postgres';
import { labPgpoolInput } from './pgpool';
import { knownHostsLine } from './sshd';
import { labWatchdogSpec } from './watchdogLab';

/**
 * The loopback lab's pgpool input with what belongs to the hosts: the postgres user's key, known_hosts, ~/.pgpass,
 * ~/.pcppass. With watchdog, each pgpool host listens on all its addresses (the VIP comes and goes) and gets its
 * own watchdog settings (`wdAuthkey` is the lab's wd_authkey).
 */
export function isolatedPgpoolInput(layout: LabLayout, programs: LabPrograms, user: ServiceUser, host: LabPgpoolHost = layout.pgpool, wdAuthkey = ''): PgpoolConfigInput {
  // No passFile: the scripts use ~/.pgpass of the postgres user on each host.
  const { passFile: _workstationPassFile, ...base } = labPgpoolInput(layout, programs, user);
  const self = layout.pgpools.indexOf(host);
  return {
    ...base,
    ssh: { user: user.name, port: layout.sshPort, identityFile: `${HOST_PG_HOME}/.ssh/id_ed25519`, knownHostsFile: `${HOST_PG_HOME}/.ssh/known_hosts` },
    pcp: { host: host.address, user: 'pcpadmin', passFile: `${HOST_PG_HOME}/.pcppass`, binDir: programs.pcpBin },
    ...(layout.watchdog ? {
      listenAddresses: '*', pcpListenAddresses: '*', watchdog: labWatchdogSpec(layout, self, wdAuthkey),
      // pgpool's test hook: a backend_down_request file in logdir fakes a backend error on this pgpool only.
      extra: ['health_check_test = on'],
    } : {}),
  };
}

export const isolatedNodeHba = (subnet: string): string => `# pg_hba.conf written by pgpool-cluster lab (isolated)
# TYPE  DATABASE     USER        ADDRESS       METHOD
local   all          all                       peer
host    all          all         127.0.0.1/32  scram-sha-256
host    all          all         ${subnet}   scram-sha-256
host    replication  replicator  ${subnet}   scram-sha-256
`;

/** The same identity file as the loopback lab's (addresses, sockets, cluster name). */
export const isolatedIdentityConf = identityConf;

/** primary_conninfo without passfile=: the walreceiver reads ~postgres/.pgpass on the standby's host. */
export const isolatedPrimaryConninfo = (primary: LabNode, standby: LabNode): string =>
  `host=${primary.address} port=${LAB_PG_PORT} user=replicator application_name=${standby.name}`;

function own(path: string, user: ServiceUser): void {
  chownSync(path, user.uid, user.gid);
}

async function makeKey(programs: LabPrograms, file: string, comment: string): Promise<string> {
  await run(programs.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { what: `ssh-keygen ${file}` });
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

/** Workstation folders a host must not see, besides the lab folder: root's home, the repository, other labs. */
export function foldersToHide(layout: LabLayout): string[] {
  const candidates = ['/root', '/work', ...readdirSync('/var/lib').filter((n) => n.startsWith('pgpool-')).map((n) => `/var/lib/${n}`)];
  return candidates.filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } }).filter((d) => d !== layout.dir && !layout.dir.startsWith(`${d}/`));
}

export interface IsolatedUpInput {
  readonly layout: LabLayout;
  readonly programs: LabPrograms;
  readonly user: ServiceUser;
  readonly pw: LabPasswords;
  readonly step: (name: string) => void;
}

/** Files of each host on the machine (bind-mounted or seeded into it); the workstation's own files are elsewhere. */
export async function prepareHostFiles(input: IsolatedUpInput, pgpoolFilesOf: (h: LabPgpoolHost) => Array<[string, string, number]>): Promise<void> {
  const { layout, programs, user, pw } = input;
  const hosts = allHosts(layout);
  mkdirSync(layout.clientDir, { recursive: true, mode: 0o700 });
  mkdirSync(layout.postgresSshDir, { recursive: true, mode: 0o700 });
  for (const h of hosts) {
    for (const d of ['etc/ssh', 'etc/pgpool2', 'etc/postgresql-common', 'home', 'log/postgresql', 'seed/.ssh', `seed/${LAB_PG_MAJOR}`]) mkdirSync(join(h.dir, d), { recursive: true, mode: 0o755 });
  }
  const [clientKey, postgresKey, ...hostKeys] = await Promise.all([
    makeKey(programs, layout.clientKey, 'pgpool-cluster-lab-client'),
    makeKey(programs, layout.postgresKey, 'pgpool-cluster-lab-postgres'),
    ...hosts.map((h) => makeKey(programs, join(h.dir, 'etc/ssh/ssh_host_ed25519_key'), `${h.name}-host-key`)),
  ]);
  const knownHosts = hosts.map((h, i) => knownHostsLine(h.address, hostKeys[i] ?? '', layout.sshPort)).join('\n') + '\n';
  writeFileSync(layout.clientKnownHosts, knownHosts, { mode: 0o644 });
  writeFileSync(layout.postgresKnownHosts, knownHosts, { mode: 0o644 });
  const hostPgpass = [
    passFileLine(['*', '*', '*', 'postgres', pw.postgres]),
    passFileLine(['*', '*', '*', 'pgpool', pw.pgpool]),
    passFileLine(['*', '*', '*', 'replicator', pw.replicator]),
    passFileLine(['*', '*', 'replication', 'replicator', pw.replicator]),
  ].join('\n') + '\n';
  for (const h of hosts) {
    const etc = join(h.dir, 'etc');
    writeFileSync(join(etc, 'ssh', 'sshd_config'), isolatedSshdConfig(h, user.name), { mode: 0o644 });
    for (const f of ['ssh_config', 'moduli']) if (existsSync(`/etc/ssh/${f}`)) copyFileSync(`/etc/ssh/${f}`, join(etc, 'ssh', f));
    cpSync('/etc/postgresql-common', join(etc, 'postgresql-common'), { recursive: true });
    own(join(h.dir, 'log', 'postgresql'), user);
    const seed = seedDir(h);
    // What pgpool's docs set up for the postgres user on every host: its key pair, known_hosts, ~/.pgpass.
    const files: Array<[string, string, number]> = [
      ['.ssh/id_ed25519', readFileSync(layout.postgresKey, 'utf8'), 0o600],
      ['.ssh/id_ed25519.pub', `${postgresKey}\n`, 0o644],
      ['.ssh/known_hosts', knownHosts, 0o644],
      // A lone pgpool host is reached by the operator only; nodes also by pgpool's scripts and each other, and
      // watchdog pgpool hosts by the new leader's escalation script (it clears a stale VIP).
      ['.ssh/authorized_keys', (isPgpoolHost(layout, h) && !layout.watchdog ? [clientKey] : [clientKey, postgresKey]).join('\n') + '\n', 0o600],
      ['.pgpass', hostPgpass, 0o600],
    ];
    const pgpoolHost = layout.pgpools.find((p) => p.name === h.name);
    if (pgpoolHost) {
      files.push(['.pcppass', passFileLine(['*', LAB_PCP_PORT, 'pcpadmin', pw.pcpadmin]) + '\n', 0o600]);
      files.push(['.pgpoolkey', `${randomBytes(24).toString('base64url')}\n`, 0o600]);
      for (const [name, content, mode] of pgpoolFilesOf(pgpoolHost)) {
        const p = join(etc, 'pgpool2', name);
        writeFileSync(p, content, { mode });
        own(p, user);
      }
      own(join(etc, 'pgpool2'), user);
    } else {
      const node = h as LabNode;
      files.push([`${LAB_PG_MAJOR}/identity.conf`, isolatedIdentityConf(node), 0o644]);
    }
    for (const [rel, content, mode] of files) {
      const p = join(seed, rel);
      writeFileSync(p, content, { mode });
      own(p, user);
    }
    for (const d of [seed, join(seed, '.ssh'), join(seed, String(LAB_PG_MAJOR))]) own(d, user);
  }
}
