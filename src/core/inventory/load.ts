/** Finding and reading the cluster file from disk. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ClusterDefinition, ClusterFile, InventoryError } from './model';
import { parseClusterFile } from './parseClusterFile';

export const DEFAULT_CLUSTER_FILE = 'pgpool-cluster.yaml';

/** --file, then PGPOOL_CLUSTER_FILE, then ./pgpool-cluster.yaml. */
export function resolveClusterFilePath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = explicit ?? (env.PGPOOL_CLUSTER_FILE || undefined) ?? DEFAULT_CLUSTER_FILE;
  return path.resolve(cwd, chosen);
}

export type LoadResult =
  | { readonly ok: true; readonly file: ClusterFile; readonly path: string; readonly warnings: readonly InventoryError[] }
  | { readonly ok: false; readonly path: string; readonly message: string; readonly errors: readonly InventoryError[]; readonly reason: 'missing' | 'unreadable' | 'invalid' };

export async function loadClusterFile(filePath: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT'
      ? `No cluster file at ${filePath}. Create pgpool-cluster.yaml, pass --file, or set PGPOOL_CLUSTER_FILE.`
      : `Cannot read ${filePath}: ${(err as Error).message}`;
    return { ok: false, path: filePath, message, errors: [], reason: code === 'ENOENT' ? 'missing' : 'unreadable' };
  }
  const parsed = parseClusterFile(text, { baseDir: path.dirname(filePath) });
  if (!parsed.ok) {
    const lines = parsed.errors.map((e) => `${filePath}:${e.line}:${e.column}: ${e.message}`);
    return { ok: false, path: filePath, message: `The cluster file has errors:\n${lines.join('\n')}`, errors: parsed.errors, reason: 'invalid' };
  }
  return { ok: true, file: parsed.value, path: filePath, warnings: parsed.warnings };
}

/** Picks the named cluster, or all of them when no name is given. */
export function selectClusters(file: ClusterFile, name: string | undefined): ClusterDefinition[] | string {
  if (name === undefined) return [...file.clusters];
  const found = file.clusters.filter((c) => c.name === name);
  if (found.length === 0) return `No cluster named "${name}"; the file defines: ${file.clusters.map((c) => c.name).join(', ')}.`;
  return found;
}
