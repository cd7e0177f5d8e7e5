/**
 * Scratch space and the account the probes run as. Each run gets a fresh directory (fresh data directories, no
 * state from an earlier run or another machine's run) under /var/tmp, or under PGPOOL_CLUSTER_DIFF_DIR; it is
 * removed at the end unless PGPOOL_CLUSTER_DIFF_KEEP=1.
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { resolveServiceUser, type ServiceUser } from '../../src/core/lab/serviceUser';

let root: string | undefined;

export function serviceUser(): ServiceUser {
  return resolveServiceUser();
}

/** Creates this run's scratch root, owned by the service user. */
export function openScratch(user: ServiceUser): string {
  const parent = process.env.PGPOOL_CLUSTER_DIFF_DIR || '/var/tmp';
  mkdirSync(parent, { recursive: true });
  root = mkdtempSync(path.join(parent, 'pgpool-cluster-diff-'));
  if (user.switched) chownSync(root, user.uid, user.gid);
  return root;
}

/** Removes this run's scratch root (kept for inspection with PGPOOL_CLUSTER_DIFF_KEEP=1). */
export function closeScratch(): void {
  if (root && process.env.PGPOOL_CLUSTER_DIFF_KEEP !== '1') rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** Creates a directory under this run's scratch root, owned by the service user. */
export function scratchDir(user: ServiceUser, ...parts: string[]): string {
  if (!root) throw new Error('differential: the scratch directory is not open (call openScratch first)');
  const dir = [root, ...parts].join('/');
  mkdirSync(dir, { recursive: true });
  if (user.switched) {
    let p = root;
    for (const part of parts) { p = `${p}/${part}`; chownSync(p, user.uid, user.gid); }
  }
  return dir;
}
