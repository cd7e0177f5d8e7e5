import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  detectionProfiles, generatePcpConf, generatePgpoolConf, generatePoolHba, generateScripts,
  type DetectionProfile, type PgpoolConfigInput,
} from '../ops/setup/pgpoolConfig';
import type { LabLayout } from './layout';
import { LAB_PCP_PORT, LAB_PG_PORT, LAB_PGPOOL_PORT, LAB_PGPOOL_VERSION } from './layout';
import type { LabPasswords } from './postgres';
import type { LabPrograms } from './prerequisites';
import { LabError, run, startDetached, waitFor } from './proc';
import type { ServiceUser } from './serviceUser';

/** The lab's pgpool configuration comes from the same generator as "Configure pgpool". */
export function labPgpoolInput(layout: LabLayout, programs: LabPrograms, user: ServiceUser, profile: DetectionProfile = detectionProfiles.fast): PgpoolConfigInput {
  return {
    pgpoolVersion: LAB_PGPOOL_VERSION,
    postgresMajor: programs.pgMajor,
    listenAddresses: layout.pgpool.address,
    port: LAB_PGPOOL_PORT,
    pcpListenAddresses: layout.pgpool.address,
    pcpPort: LAB_PCP_PORT,
    socketDir: layout.pgpool.runDir,
    pidFile: join(layout.pgpool.runDir, 'pgpool.pid'),
    workDir: layout.pgpool.workDir,
    backends: layout.nodes.map((n) => ({ id: n.id, host: n.address, port: LAB_PG_PORT, dataDirectory: n.dataDir, applicationName: n.name })),
    healthCheckUser: 'pgpool',
    srCheckUser: 'pgpool',
    recoveryUser: 'postgres',
    replicationUser: 'replicator',
    superuser: 'postgres',
    profile,
    scriptsDir: layout.pgpool.confDir,
    ssh: { user: user.name, port: 2222, identityFile: layout.postgresKey, knownHostsFile: layout.postgresKnownHosts },
    pcp: { host: layout.pgpool.address, user: 'pcpadmin', passFile: layout.pcppassFile, binDir: programs.pcpBin },
    pgBinDir: programs.pgBin,
    pgClientBinDir: programs.pgClientBin,
    passFile: layout.pgpassFile,
    numInitChildren: 32,
    maxPool: 2,
  };
}

function own(path: string, user: ServiceUser): void {
  if (user.switched) chownSync(path, user.uid, user.gid);
}

/** Writes the scripts that live in the primary's data directory (copied to standbys by pg_basebackup). */
export function installRecoveryScripts(input: PgpoolConfigInput, primaryDataDir: string, user: ServiceUser): void {
  for (const f of generateScripts(input).filter((s) => s.target === 'primaryData')) {
    const path = join(primaryDataDir, f.name);
    writeFileSync(path, f.content, { mode: f.mode });
    own(path, user);
  }
}

export async function configurePgpool(layout: LabLayout, input: PgpoolConfigInput, programs: LabPrograms, user: ServiceUser, pw: LabPasswords): Promise<void> {
  const p = layout.pgpool;
  for (const d of [p.dir, p.confDir, p.runDir, p.workDir]) {
    mkdirSync(d, { recursive: true, mode: 0o750 });
    own(d, user);
  }
  const files: Array<[string, string, number]> = [
    ['pgpool.conf', generatePgpoolConf(input), 0o640],
    ['pcp.conf', generatePcpConf([{ user: 'pcpadmin', password: pw.pcpadmin }]), 0o600],
    ['pool_hba.conf', generatePoolHba(['127.0.0.0/8']), 0o640],
    ['.pgpoolkey', `${randomKey()}\n`, 0o600],
    ...generateScripts(input).filter((s) => s.target === 'pgpool').map((s): [string, string, number] => [s.name, s.content, s.mode]),
  ];
  for (const [name, content, mode] of files) {
    const path = join(p.confDir, name);
    writeFileSync(path, content, { mode });
    own(path, user);
  }
  // AES entries in pool_passwd: SCRAM through pgpool needs passwords pgpool can decrypt (not md5).
  const input_ = join(p.confDir, '.pool_passwd.input');
  writeFileSync(input_, `postgres:${pw.postgres}\npgpool:${pw.pgpool}\nreplicator:${pw.replicator}\n`, { mode: 0o600 });
  own(input_, user);
  try {
    await run(programs.pgEnc, ['-m', '-k', p.keyFile, '-f', join(p.confDir, 'pgpool.conf'), '-i', input_], { as: user, what: 'pg_enc (pool_passwd)' });
  } finally {
    rmSync(input_, { force: true });
  }
}

function randomKey(): string {
  return randomBytes(24).toString('base64url');
}

export function pgpoolPid(layout: LabLayout): number | undefined {
  try {
    // pgpool's pid file ends in a NUL byte.
    const pid = Number.parseInt(readFileSync(join(layout.pgpool.runDir, 'pgpool.pid'), 'utf8').replace(/\0/g, '').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function startPgpool(layout: LabLayout, programs: LabPrograms, user: ServiceUser): Promise<void> {
  const c = layout.pgpool.confDir;
  // -D discards pgpool_status so nodes remembered as down from an earlier run start up.
  startDetached(programs.pgpool, ['-n', '-D', '-f', join(c, 'pgpool.conf'), '-F', join(c, 'pcp.conf'), '-a', join(c, 'pool_hba.conf')],
    layout.pgpool.logFile, { as: user, env: { PGPOOLKEYFILE: layout.pgpool.keyFile }, cwd: layout.pgpool.dir, what: 'starting pgpool' });
}

export async function waitForPgpool(layout: LabLayout, pw: LabPasswords, nodeCount: number, timeoutMs = 20_000, address = layout.pgpool.address): Promise<void> {
  let last = '';
  try {
    await waitFor(`pgpool on ${address} to list every node up`, async () => {
      const c = new Client({ host: address, port: LAB_PGPOOL_PORT, user: 'postgres', password: pw.postgres, database: 'postgres', connectionTimeoutMillis: 2000 });
      await c.connect();
      try {
        const r = await c.query<{ status: string }>('SHOW pool_nodes');
        last = r.rows.map((x) => x.status).join(',');
        return r.rows.length === nodeCount && r.rows.every((x) => x.status === 'up' || x.status === 'waiting');
      } finally {
        await c.end();
      }
    }, timeoutMs, 100);
  } catch (err) {
    const log = (() => { try { return readFileSync(layout.pgpool.logFile, 'utf8').trim().split('\n').slice(-8).join('\n'); } catch { return ''; } })();
    throw new LabError(`${(err as Error).message} Last node states: ${last || 'none'}. pgpool log (${layout.pgpool.logFile}):\n${log}`);
  }
}
