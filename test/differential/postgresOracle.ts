/**
 * Asks a real PostgreSQL whether it accepts a postgresql.conf: `postgres -C port -D <scratch data dir>
 * -c config_file=<file>` reads and checks the whole file (every value, its unit and range, every name) and exits
 * non-zero with "configuration file ... contains errors" when the file would stop the server from starting.
 */
import { existsSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { run } from '../../src/core/lab/proc';
import type { ServiceUser } from '../../src/core/lab/serviceUser';
import { scratchDir } from './scratch';

export const POSTGRES_BIN: Record<number, string> = {
  11: '/opt/pgpool-cluster/postgres/node_modules/pg11/native/bin',
  15: '/usr/lib/postgresql/15/bin',
  17: '/opt/pgpool-cluster/postgres/node_modules/pg17/native/bin',
};

export interface ProgramAnswer { refuses: boolean; message: string; ms: number }

export class PostgresOracle {
  private constructor(readonly major: number, private readonly dataDir: string, private readonly user: ServiceUser) {}

  /** One scratch cluster per major version (initdb once, reused across runs). */
  static async create(major: number, user: ServiceUser): Promise<PostgresOracle> {
    const bin = POSTGRES_BIN[major];
    if (!bin || !existsSync(path.join(bin, 'postgres'))) throw new Error(`PostgreSQL ${major} is not installed (bash scripts/install-postgres-versions.sh)`);
    const dataDir = path.join(scratchDir(user, 'pg'), `data${major}`);
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      rmSync(dataDir, { recursive: true, force: true });
      await run(path.join(bin, 'initdb'), ['-D', dataDir, '-N', '-A', 'trust'], { as: user, timeoutMs: 60_000, what: `initdb ${major}` });
    }
    return new PostgresOracle(major, dataDir, user);
  }

  /** The postgresql.conf that initdb wrote: a realistic base for mutations. */
  sampleConfPath(): string { return path.join(this.dataDir, 'postgresql.conf'); }

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

/** Runs one short probe with no stdin (the server may exit before reading it), killed after 15 s. */
function probe(cmd: string, args: string[], user: ServiceUser): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'], ...(user.switched ? { uid: user.uid, gid: user.gid } : {}) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stderr }); });
  });
}
