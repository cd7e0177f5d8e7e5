/** Scratch space and the account the probes run as: /var/tmp/pgpool-cluster-diff, owned by postgres. */
import { chownSync, mkdirSync } from 'node:fs';
import { resolveServiceUser, type ServiceUser } from '../../src/core/lab/serviceUser';

export const SCRATCH_ROOT = '/var/tmp/pgpool-cluster-diff';

export function serviceUser(): ServiceUser {
  return resolveServiceUser();
}

/** Creates a directory under the scratch root, owned by the service user. */
export function scratchDir(user: ServiceUser, ...parts: string[]): string {
  const dir = [SCRATCH_ROOT, ...parts].join('/');
  mkdirSync(dir, { recursive: true });
  if (user.switched) {
    let p = SCRATCH_ROOT;
    chownSync(p, user.uid, user.gid);
    for (const part of parts) { p = `${p}/${part}`; chownSync(p, user.uid, user.gid); }
  }
  return dir;
}
