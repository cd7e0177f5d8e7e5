import { appendFileSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LabLayout, LabNode } from './layout';
import { LAB_PG_PORT, LAB_SSH_PORT } from './layout';
import type { LabPrograms } from './prerequisites';
import { LabError, run, runProgram, waitFor } from './proc';
import { shellCommand } from '../remote/shellQuote';
import type { ServiceUser } from './serviceUser';

export interface LabPasswords {
  readonly postgres: string;
  readonly pgpool: string;
  readonly replicator: string;
  readonly pcpadmin: string;
}

/** Settings every node shares (they travel with pg_basebackup); identity lives outside the data directory. */
export const sharedNodeSettings = (pgMajor: number): string => `
# --- pgpool-cluster lab settings ---
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
${pgMajor >= 13 ? "wal_keep_size = '512MB'" : 'wal_keep_segments = 32'}
hot_standby = on
wal_log_hints = on
shared_buffers = '32MB'
max_connections = 100
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
password_encryption = 'scram-sha-256'
# Identity of the node (addresses, sockets): a file beside the data directory, so copies keep their own.
include_if_exists = '../identity.conf'
`;

export const nodeHba = `# pg_hba.conf written by pgpool-cluster lab
# TYPE  DATABASE     USER        ADDRESS       METHOD
local   all          all                       peer
host    all          all         127.0.0.0/8   scram-sha-256
host    replication  replicator  127.0.0.0/8   scram-sha-256
`;

export function identityConf(node: LabNode): string {
  return [
    `listen_addresses = '${node.address}'`,
    `port = ${LAB_PG_PORT}`,
    `unix_socket_directories = '${node.socketDir}'`,
    `cluster_name = '${node.name}'`,
    '',
  ].join('\n');
}

export function primaryConninfo(layout: LabLayout, primary: LabNode, standby: LabNode): string {
  return `host=${primary.address} port=${LAB_PG_PORT} user=replicator application_name=${standby.name} passfile=${layout.pgpassFile}`;
}

function own(path: string, user: ServiceUser): void {
  if (user.switched) chownSync(path, user.uid, user.gid);
}

/** The node's folder (outside the data directory): identity.conf and the socket directory. */
export function prepareNodeHost(node: LabNode, user: ServiceUser): void {
  mkdirSync(node.socketDir, { recursive: true, mode: 0o700 });
  writeFileSync(node.identityConf, identityConf(node), { mode: 0o644 });
  for (const p of [node.dir, node.socketDir, node.identityConf]) own(p, user);
}

export async function initPrimary(layout: LabLayout, node: LabNode, programs: LabPrograms, user: ServiceUser, pw: LabPasswords): Promise<void> {
  const pwfile = join(node.dir, '.initdb-pw');
  writeFileSync(pwfile, `${pw.postgres}\n`, { mode: 0o600 });
  own(pwfile, user);
  try {
    await run(join(programs.pgBin, 'initdb'), [
      '-D', node.dataDir, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=peer', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync', ...(programs.pgMajor >= 14 ? ['--no-instructions'] : []),
    ], { as: user, what: `initdb for ${node.name}` });
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(node.dataDir, 'postgresql.conf'), sharedNodeSettings(programs.pgMajor));
  writeFileSync(join(node.dataDir, 'pg_hba.conf'), nodeHba);
  void layout;
}

export async function startNode(node: LabNode, programs: LabPrograms, user: ServiceUser): Promise<void> {
  // -l keeps pg_ctl from holding its output open (and an ssh channel, when run remotely).
  await run(join(programs.pgBin, 'pg_ctl'), ['-D', node.dataDir, '-l', node.logFile, '-w', '-t', '60', 'start'], {
    as: user, what: `starting PostgreSQL on ${node.name}`,
  });
}

export async function stopNode(node: LabNode, programs: LabPrograms, user: ServiceUser, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  await runProgram(join(programs.pgBin, 'pg_ctl'), ['-D', node.dataDir, '-m', mode, '-w', '-t', '30', 'stop'], { as: user });
}

export function postmasterPid(node: LabNode): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function withSql<T>(host: string, password: string, fn: (c: Client) => Promise<T>, database = 'postgres', user = 'postgres'): Promise<T> {
  const c = new Client({ host, port: LAB_PG_PORT, user, password, database, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Roles and the pgpool_recovery extension, created on the primary before anything is cloned. */
export async function createRolesAndExtensions(primary: LabNode, pw: LabPasswords, withRecoveryExtension: boolean): Promise<void> {
  await withSql(primary.address, pw.postgres, async (c) => {
    const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    await c.query(`CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD ${lit(pw.replicator)}`);
    await c.query(`CREATE ROLE pgpool WITH LOGIN PASSWORD ${lit(pw.pgpool)}`);
    await c.query('GRANT pg_monitor TO pgpool');
    if (withRecoveryExtension) await c.query('CREATE EXTENSION IF NOT EXISTS pgpool_recovery');
  });
  // pgpool 4.3 runs online recovery functions in template1.
  if (withRecoveryExtension) await withSql(primary.address, pw.postgres, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pgpool_recovery'), 'template1');
}

/** The standby configuration of the node's version: recovery.conf (<= 11) or standby.signal (12+). */
export function writeStandbyConfig(layout: LabLayout, primary: LabNode, standby: LabNode, pgMajor: number, user: ServiceUser): void {
  const conninfo = primaryConninfo(layout, primary, standby);
  if (pgMajor >= 12) {
    writeFileSync(join(standby.dataDir, 'standby.signal'), '');
    appendFileSync(join(standby.dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo}'\n`);
    own(join(standby.dataDir, 'standby.signal'), user);
  } else {
    // The classic recipe: standby_mode, primary_conninfo and a trigger file.
    const path = join(standby.dataDir, 'recovery.conf');
    writeFileSync(path, [
      "standby_mode = 'on'",
      `primary_conninfo = '${conninfo}'`,
      "recovery_target_timeline = 'latest'",
      `trigger_file = '${join(standby.dataDir, 'promote.trigger')}'`,
      '',
    ].join('\n'), { mode: 0o600 });
    own(path, user);
  }
}

/**
 * A standby copied from the primary. pg_basebackup 15 copies servers up to 15; a newer primary is copied the
 * way the classic recipe did: the low-level backup API around an rsync over SSH from the standby's host.
 */
export async function cloneStandby(layout: LabLayout, primary: LabNode, standby: LabNode, programs: LabPrograms, user: ServiceUser, pw: LabPasswords): Promise<void> {
  if (programs.pgMajor <= 15) {
    await run(join(programs.pgClientBin, 'pg_basebackup'), [
      '-h', primary.address, '-p', String(LAB_PG_PORT), '-U', 'replicator', '-D', standby.dataDir, '-X', 'stream', '-c', 'fast', '-w', '--no-sync',
    ], { as: user, env: { PGPASSFILE: layout.pgpassFile }, what: `pg_basebackup of ${standby.name}` });
    for (const f of ['recovery.conf', 'standby.signal']) rmSync(join(standby.dataDir, f), { force: true });
  } else {
    await copyWithBackupApi(layout, primary, standby, programs, user, pw);
  }
  writeStandbyConfig(layout, primary, standby, programs.pgMajor, user);
}

async function copyWithBackupApi(layout: LabLayout, primary: LabNode, standby: LabNode, programs: LabPrograms, user: ServiceUser, pw: LabPasswords): Promise<void> {
  await withSql(primary.address, pw.postgres, async (c) => {
    const fn = programs.pgMajor >= 15 ? { start: 'pg_backup_start', stop: 'pg_backup_stop' } : { start: 'pg_start_backup', stop: 'pg_stop_backup' };
    await c.query(`SELECT ${fn.start}($1, true)${programs.pgMajor >= 15 ? '' : ', false'}`, [`pgpool-cluster lab ${standby.name}`]);
    let stopped = false;
    try {
      const rsyncSsh = shellCommand(['ssh', '-F', '/dev/null', '-p', String(LAB_SSH_PORT), '-i', layout.postgresKey, '-o', `UserKnownHostsFile=${layout.postgresKnownHosts}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes']);
      const remote = shellCommand(['rsync', '-a', '--delete', '-e', rsyncSsh,
        '--exclude=postmaster.pid', '--exclude=postmaster.opts', '--exclude=pg_wal/*', '--exclude=pg_replslot/*',
        '--exclude=standby.signal', '--exclude=recovery.conf', '--exclude=backup_label', '--exclude=startup.log',
        `${user.name}@${primary.address}:${primary.dataDir}/`, `${standby.dataDir}/`]);
      // Run on the standby's host, as the database user, pulling from the primary's host over SSH.
      await run('ssh', ['-F', '/dev/null', '-T', '-p', String(LAB_SSH_PORT), '-i', layout.postgresKey, '-o', `UserKnownHostsFile=${layout.postgresKnownHosts}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${user.name}@${standby.address}`, remote],
      { as: user, what: `rsync of ${standby.name} from ${primary.name}`, timeoutMs: 300_000 });
      const r = await c.query<{ labelfile: string; spcmapfile: string | null }>(
        programs.pgMajor >= 15 ? `SELECT labelfile, spcmapfile FROM ${fn.stop}(true)` : `SELECT labelfile, spcmapfile FROM ${fn.stop}(false, true)`);
      stopped = true;
      const row = r.rows[0];
      if (!row) throw new LabError(`${fn.stop} returned nothing.`);
      const label = join(standby.dataDir, 'backup_label');
      writeFileSync(label, row.labelfile, { mode: 0o600 });
      own(label, user);
      if (row.spcmapfile) {
        writeFileSync(join(standby.dataDir, 'tablespace_map'), row.spcmapfile, { mode: 0o600 });
        own(join(standby.dataDir, 'tablespace_map'), user);
      }
    } finally {
      if (!stopped) await c.query(`SELECT ${fn.stop}(${programs.pgMajor >= 15 ? 'false' : 'false, true'})`).catch(() => undefined);
    }
  });
}

/** Waits until the primary sees every standby streaming. */
export async function waitForStreaming(primary: LabNode, standbys: readonly LabNode[], pw: LabPasswords, timeoutMs = 20_000): Promise<void> {
  await waitFor(`${standbys.map((s) => s.name).join(', ')} to stream from ${primary.name}`, () =>
    withSql(primary.address, pw.postgres, async (c) => {
      const r = await c.query<{ application_name: string }>("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
      const streaming = new Set(r.rows.map((x) => x.application_name));
      return standbys.every((s) => streaming.has(s.name));
    }), timeoutMs, 100);
}
