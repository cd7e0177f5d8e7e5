import { existsSync } from 'node:fs';
import { LabError } from './proc';
import { LAB_PG_MAJOR } from './layout';

/** Where the lab finds each program it needs, and the Debian package that provides it. */
export interface LabPrograms {
  readonly pgBin: string;
  readonly pgpool: string;
  readonly pgEnc: string;
  readonly pcpBin: string;
  readonly sshd: string;
  readonly sshKeygen: string;
  readonly ssh: string;
}

export function findLabPrograms(pgMajor = LAB_PG_MAJOR, exists: (p: string) => boolean = existsSync): LabPrograms {
  const pgBin = `/usr/lib/postgresql/${pgMajor}/bin`;
  const needs: Array<[string, string]> = [
    [`${pgBin}/initdb`, `postgresql-${pgMajor}`],
    [`${pgBin}/pg_basebackup`, `postgresql-${pgMajor}`],
    [`${pgBin}/psql`, `postgresql-client-${pgMajor}`],
    ['/usr/sbin/pgpool', 'pgpool2'],
    ['/usr/sbin/pg_enc', 'pgpool2'],
    ['/usr/sbin/pcp_attach_node', 'pgpool2'],
    [`/usr/share/postgresql/${pgMajor}/extension/pgpool_recovery.control`, `postgresql-${pgMajor}-pgpool2`],
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/ssh', 'openssh-client'],
  ];
  const missing = needs.filter(([path]) => !exists(path));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    throw new LabError(
      `The lab needs programs that are not installed: ${missing.map(([p]) => p).join(', ')}.\n` +
        `Install them with:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n` +
        '(or run `bash scripts/setup-system.sh`, which also keeps the packages from starting their own services).',
    );
  }
  return {
    pgBin,
    pgpool: '/usr/sbin/pgpool',
    pgEnc: '/usr/sbin/pg_enc',
    pcpBin: '/usr/sbin',
    sshd: '/usr/sbin/sshd',
    sshKeygen: '/usr/bin/ssh-keygen',
    ssh: '/usr/bin/ssh',
  };
}
