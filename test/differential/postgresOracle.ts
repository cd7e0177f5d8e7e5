/**
 * Asks a real PostgreSQL whether it accepts a postgresql.conf: `postgres -C port -D <scratch data dir>
 * -c config_file=<file>` reads and checks the whole file (every value, its unit and range, every name) and exits
 * non-zero with "configuration file ... contains errors" when the file would stop the server from starting.
 * initdb and every probe run in the fixed environment of environment.ts, on a data directory made for this run.
 */
import { existsSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { ServiceUser } from '../../src/core/lab/serviceUser';
import { INITDB_ARGS, oracleEnv } from './environment';
import { scratchDir } from './scratch';

export const POSTGRES_BIN: Record<number, string> = {
  11: '/opt/pgpool-cluster/postgres/node_modules/pg11/native/bin',
  15: '/usr/lib/postgresql/15/bin',
  17: '/opt/pgpool-cluster/postgres/node_modules/pg17/native/bin',
};

export interface ProgramAnswer { refuses: boolean; message: string; ms: number }

export class PostgresOracle {
  private constructor(readonly major: number, private readonly dataDir: string, private readonly user: ServiceUser) {}

  /** One fresh scratch cluster per major version and run (initdb in the fixed environment). */
  static async create(major: number, user: ServiceUser): Promise<PostgresOracle> {
    const bin = POSTGRES_BIN[major];
    if (!bin || !existsSync(path.join(bin, 'postgres'))) throw new Error(`PostgreSQL ${major} is not installed (bash scripts/install-postgres-versions.sh)`);
    const dataDir = path.join(scratchDir(user, 'pg'), `data${major}`);
    const r = await probe(path.join(bin, 'initdb'), ['-D', dataDir, ...INITDB_ARGS], user, 120_000);
    if (r.code !== 0) throw new Error(`initdb ${major} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return new PostgresOracle(major, dataDir, user);
  }

  /** The postgresql.conf that initdb wrote: a realistic base for mutations. */
  sampleConf(): string { return readFileSync(path.join(this.dataDir, 'postgresql.conf'), 'utf8'); }

  async ask(text: string, slot: number): Promise<ProgramAnswer> {
    const file = path.join(scratchDir(this.user, 'pg', `slot${slot}`), `probe${this.major}.conf`);
    writeFileSync(file, text);
    if (this.user.switched) chownSync(file, this.user.uid, this.user.gid);
    const started = Date.now();
    const r = await probe(path.join(POSTGRES_BIN[this.major] as string, 'postgres'), ['-D', this.dataDir, '-c', `config_file=${file}`, '-C', 'port'], this.user);
    const lines = `${r.stderr}`.split('\n').filter((l) => /(LOG|FATAL|ERROR|HINT|DETAIL):/.test(l) && !/contains errors/.test(l));
    const message = lines.map((l) => l.replace(/^.*?(LOG|FATAL|ERROR|HINT|DETAIL):\s+/, '$1: ').replace(file, '<file>')).join(' | ');
    return { refuses: r.code !== 0, message: r.code !== 0 ? message || `exit ${r.code}` : '', ms: Date.now() - started };
  }
}

/** Runs one program in the fixed environment with no stdin (the server may exit before reading it), killed after `limitMs`. */
function probe(cmd: string, args: string[], user: ServiceUser, limitMs = 15_000): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: '/', env: oracleEnv(user), stdio: ['ignore', 'ignore', 'pipe'], ...(user.switched ? { uid: user.uid, gid: user.gid } : {}) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stderr }); });
  });
}
