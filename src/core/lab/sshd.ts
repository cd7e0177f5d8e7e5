import { mkdirSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost, LabLayout } from './layout';
import { LAB_SSH_PORT, allHosts } from './layout';
import type { LabPrograms } from './prerequisites';
import { run, LabError } from './proc';
import type { ServiceUser } from './serviceUser';

/** A key pair: returns the public key line. */
async function makeKey(programs: LabPrograms, file: string, comment: string, as?: ServiceUser): Promise<string> {
  await run(programs.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { as, what: `ssh-keygen ${file}` });
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

export const knownHostsLine = (address: string, hostPublicKey: string, port = LAB_SSH_PORT): string => {
  const [type, key] = hostPublicKey.split(/\s+/);
  return `${port === 22 ? address : `[${address}]:${port}`} ${type} ${key}`;
};

export function sshdConfig(h: LabHost, user: ServiceUser, pgPath: string, asRoot: boolean): string {
  return [
    `# sshd for the lab host ${h.name} (${h.address}); written by pgpool-cluster lab`,
    `ListenAddress ${h.address}:${LAB_SSH_PORT}`,
    `HostKey ${join(h.sshdDir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(h.sshdDir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(h.sshdDir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The Debian postgres account is locked; with PAM sshd still lets key logins in.
    `UsePAM ${asRoot ? 'yes' : 'no'}`,
    `AllowUsers ${user.name}`,
    'PermitRootLogin no',
    'StrictModes yes',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'PrintMotd no',
    `SetEnv PATH=${pgPath}:/usr/local/bin:/usr/bin:/bin`,
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/**
 * Host keys for every host, the client's key (the person or test running the lab), the postgres user's key
 * (pgpool's scripts), per-host authorized_keys with the least access each host needs, and known_hosts files.
 */
export async function prepareSsh(layout: LabLayout, programs: LabPrograms, user: ServiceUser): Promise<void> {
  const hosts = allHosts(layout);
  mkdirSync(layout.clientDir, { recursive: true, mode: 0o700 });
  mkdirSync(layout.postgresSshDir, { recursive: true, mode: 0o700 });
  if (user.switched) chownSync(layout.postgresSshDir, user.uid, user.gid);
  for (const h of hosts) mkdirSync(h.sshdDir, { recursive: true, mode: 0o755 });

  const [clientKey, postgresKey, ...hostKeys] = await Promise.all([
    makeKey(programs, layout.clientKey, 'pgpool-cluster-lab-client'),
    makeKey(programs, layout.postgresKey, 'pgpool-cluster-lab-postgres', user),
    ...hosts.map((h) => makeKey(programs, join(h.sshdDir, 'ssh_host_ed25519_key'), `${h.name}-host-key`)),
  ]);
  const knownHosts = hosts.map((h, i) => knownHostsLine(h.address, hostKeys[i] ?? '')).join('\n') + '\n';
  writeFileSync(layout.clientKnownHosts, knownHosts, { mode: 0o644 });
  writeFileSync(layout.postgresKnownHosts, knownHosts, { mode: 0o644 });
  if (user.switched) chownSync(layout.postgresKnownHosts, user.uid, user.gid);

  for (const h of hosts) {
    // The pgpool host is only reached by the operator; nodes also by pgpool's scripts and by each other
    // (online recovery runs on the primary and reaches the node being rebuilt).
    const keys = h === layout.pgpool ? [clientKey] : [clientKey, postgresKey];
    writeFileSync(join(h.sshdDir, 'authorized_keys'), keys.join('\n') + '\n', { mode: 0o644 });
    // Owned by the login user, like ~/.ssh/authorized_keys, so setup-ssh-trust can manage it (StrictModes accepts it).
    if (user.switched) chownSync(join(h.sshdDir, 'authorized_keys'), user.uid, user.gid);
    writeFileSync(join(h.sshdDir, 'sshd_config'), sshdConfig(h, user, `${programs.pgBin}:${programs.pgClientBin}`, user.switched), { mode: 0o644 });
  }
}

export async function startSshd(h: LabHost, programs: LabPrograms): Promise<void> {
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  await run(programs.sshd, ['-f', join(h.sshdDir, 'sshd_config'), '-E', join(h.sshdDir, 'sshd.log')], { what: `starting sshd for ${h.name}` });
}

export function sshdPid(h: LabHost): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(h.sshdDir, 'sshd.pid'), 'utf8').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a login over real SSH with strict host-key checking, as a person would do it. */
export async function checkSshLogin(layout: LabLayout, h: LabHost, programs: LabPrograms, user: ServiceUser): Promise<void> {
  const out = await run(programs.ssh, [
    '-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${layout.clientKnownHosts}`, '-i', layout.clientKey, '-p', String(LAB_SSH_PORT),
    `${user.name}@${h.address}`, 'echo', 'ok',
  ], { what: `ssh to ${h.name}`, timeoutMs: 10_000 });
  if (out.trim() !== 'ok') throw new LabError(`ssh to ${h.name} answered ${JSON.stringify(out)} instead of "ok".`);
}
