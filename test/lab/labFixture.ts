import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { defaultLabDir, type LabLayout } from '../../src/core/lab/layout';
import { labLayoutFor } from '../../src/core/lab/lab';
import { retry } from '../harness/wait';

/** Tests drive the lab through the real, bundled CLI, exactly as a person would. */
export const repoRoot = join(__dirname, '..', '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The lab the tests use: PGPOOL_CLUSTER_LAB_DIR / PGPOOL_CLUSTER_LAB_NET move it (e.g. a CI trial beside a
 * working lab); PGPOOL_CLUSTER_LAB_ISOLATED=1 makes it the isolated lab (hosts in their own namespaces).
 */
export const testLab = (): LabLayout => labLayoutFor(defaultLabDir());

/** Brings the lab up if needed and points libpq/pg at its pass file. */
export function ensureLab(): LabLayout {
  const net = testLab().nodes[0]!.address.split('.').slice(0, 3).join('.');
  const r = cli(['lab', '--net', net, 'up', '--quiet']);
  if (r.code !== 0) throw new Error(`lab up failed:\n${r.stdout}${r.stderr}`);
  const layout = testLab();
  process.env.PGPASSFILE = layout.pgpassFile;
  return layout;
}

export async function query<T extends Record<string, unknown>>(host: string, port: number, sql: string, params: unknown[] = [], user = 'postgres'): Promise<T[]> {
  const c = new Client({ host, port, user, database: 'postgres', connectionTimeoutMillis: 5000, query_timeout: 30_000 });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** SQL through pgpool, retried: pgpool drops client connections around failover and attach. */
export function queryPgpool<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], timeoutMs = 10_000): Promise<T[]> {
  return retry(`${sql} through pgpool`, () => query<T>(testLab().pgpool.address, 9999, sql, params), () => true, timeoutMs, 250);
}

export function sshArgs(layout: LabLayout, user: string, host: string, knownHosts = layout.clientKnownHosts): string[] {
  return ['-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
    '-i', layout.clientKey, '-p', String(layout.sshPort), `${user}@${host}`];
}

export function ssh(layout: LabLayout, user: string, host: string, command: string, knownHosts?: string): { code: number; stdout: string; stderr: string } {
  // A lab used for a while has a pgpool log of several MB (readOnHost): past spawnSync's 1 MB default it failed silently.
  const r = spawnSync('ssh', [...sshArgs(layout, user, host, knownHosts), command], { encoding: 'utf8', timeout: 20_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr || (r.error ? r.error.message : '') };
}

export function pcp(layout: LabLayout, tool: string, args: string[]): string {
  return execFileSync(`/usr/sbin/${tool}`, ['-h', layout.pgpool.address, '-p', '9898', '-U', 'pcpadmin', '-w', ...args], {
    encoding: 'utf8', env: { ...process.env, PCPPASSFILE: layout.pcppassFile }, timeout: 120_000,
  });
}

export const labUser = (): string => (process.getuid?.() === 0 ? 'postgres' : userInfo().username);

/** The login user's authorized_keys on a lab host, as that host sees it. */
export const authorizedKeysOn = (layout: LabLayout, host: { sshdDir: string }): string =>
  (layout.isolation ? '/var/lib/postgresql/.ssh/authorized_keys' : join(host.sshdDir, 'authorized_keys'));

/** A file on a lab host, read over SSH as the lab user (on the isolated lab nothing of a host is visible from here). */
export function readOnHost(layout: LabLayout, host: string, path: string): string {
  const r = ssh(layout, labUser(), host, shellCommand(['cat', path]));
  if (r.code !== 0) throw new Error(`cat ${path} on ${host}: ${r.stderr}`);
  return r.stdout;
}
