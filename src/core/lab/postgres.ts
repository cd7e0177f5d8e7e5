import { appendFileSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { LabLayout, LabNode } from './layout';
import { LAB_PG_PORT } from './layout';
import type { LabPrograms } from './prerequisites';
import { run, runProgram, waitFor } from './proc';
import type { ServiceUser } from './serviceUser';

export interface LabPasswords {
  readonly postgres: string;
  readonly pgpool: string;
  readonly replicator: string;
  readonly pcpadmin: string;
}

/** Settings every node shares (they travel with pg_basebackup); identity lives outside the data directory. */
export const sharedNodeSettings = `
# --- pgpool-cluster lab settings ---
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '512MB'
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
      '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions', '--no-sync',
    ], { as: user, what: `initdb for ${node.name}` });
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(node.dataDir, 'postgresql.conf'), sharedNodeSettings);
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
export async function createRolesAndExtensions(primary: LabNode, pw: LabPasswords): Promise<void> {
  await withSql(primary.address, pw.postgres, async (c) => {
    const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    await c.query(`CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD ${lit(pw.replicator)}`);
    await c.query(`CREATE ROLE pgpool WITH LOGIN PASSWORD ${lit(pw.pgpool)}`);
    await c.query('GRANT pg_monitor TO pgpool');
    await c.query('CREATE EXTENSION IF NOT EXISTS pgpool_recovery');
  });
  // pgpool 4.3 runs online recovery functions in template1.
  await withSql(primary.address, pw.postgres, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pgpool_recovery'), 'template1');
}

/** A standby copied from the primary with pg_basebackup, configured to stream from it. */
export async function cloneStandby(layout: LabLayout, primary: LabNode, standby: LabNode, programs: LabPrograms, user: ServiceUser): Promise<void> {
  await run(join(programs.pgBin, 'pg_basebackup'), [
    '-h', primary.address, '-p', String(LAB_PG_PORT), '-U', 'replicator', '-D', standby.dataDir, '-X', 'stream', '-c', 'fast', '-w', '--no-sync',
  ], { as: user, env: { PGPASSFILE: layout.pgpassFile }, what: `pg_basebackup of ${standby.name}` });
  writeFileSync(join(standby.dataDir, 'standby.signal'), '');
  appendFileSync(join(standby.dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${primaryConninfo(layout, primary, standby)}'\n`);
  own(join(standby.dataDir, 'standby.signal'), user);
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
