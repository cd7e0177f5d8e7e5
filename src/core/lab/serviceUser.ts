import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** The OS account the lab's servers run as: `postgres` when run as root, else the caller. */
export interface ServiceUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** True when the lab switches from root to this user for every server process. */
  readonly switched: boolean;
}

export function lookupUser(name: string, passwd = '/etc/passwd'): ServiceUser | undefined {
  for (const line of readFileSync(passwd, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 7) {
      return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/', switched: true };
    }
  }
  return undefined;
}

export function resolveServiceUser(): ServiceUser {
  const me = userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, switched: false };
  const pg = lookupUser('postgres');
  if (!pg) {
    throw new Error('Run as root, the lab runs its servers as the "postgres" user, which does not exist. Install PostgreSQL: apt-get install postgresql-15');
  }
  return pg;
}
