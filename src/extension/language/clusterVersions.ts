/**
 * Which versions a conf file is checked against, and why: a `# pgpool-cluster:` comment in the file (the core
 * reads it), else the cluster the file belongs to (its definition, else what its servers answered), else the
 * settings, else the newest. A file belongs to the cluster file in its folder or the nearest folder above it;
 * when that file defines several clusters, to the one whose node hosts the conf file names. Pure.
 */
import * as path from 'node:path';

export interface ClusterVersionSource {
  readonly file: string;
  readonly definition: {
    readonly name: string;
    readonly pgpoolVersion?: string;
    readonly postgresVersion?: string;
    readonly nodes: readonly { readonly host: string }[];
  };
  readonly status?: {
    readonly pgpool: { readonly version?: string };
    readonly nodes: readonly { readonly postgres: { readonly serverVersionNum?: number } }[];
  };
}

export interface TargetVersionChoice {
  readonly pgpoolVersion?: string;
  readonly postgresVersion?: string;
  /** Where each came from, in words: `cluster lab`, `settings`; undefined = the newest known (or the file's comment). */
  readonly pgpoolFrom?: string;
  readonly postgresFrom?: string;
  readonly cluster?: string;
}

const isInside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

export function clusterOfConfFile<T extends ClusterVersionSource>(confFile: string, clusters: readonly T[], confText = ''): T | undefined {
  const candidates = clusters.filter((c) => isInside(path.dirname(c.file), confFile));
  if (candidates.length === 0) return undefined;
  const depth = (c: T): number => path.dirname(c.file).split(path.sep).length;
  const deepest = Math.max(...candidates.map(depth));
  const nearest = candidates.filter((c) => depth(c) === deepest);
  if (nearest.length === 1) return nearest[0];
  const named = nearest.filter((c) => c.definition.nodes.some((n) => confText.includes(n.host)));
  return named.length === 1 ? named[0] : nearest[0];
}

/** `150018` -> `15`, `90624` -> `9.6`. */
export function majorOfServerVersionNum(num: number): string {
  return num >= 100000 ? String(Math.floor(num / 10000)) : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
}

export function targetVersionsFor(
  confFile: string, confText: string, clusters: readonly ClusterVersionSource[], settings: { pgpoolVersion?: string; postgresVersion?: string },
): TargetVersionChoice {
  const c = clusterOfConfFile(confFile, clusters, confText);
  const clusterPg = c?.definition.postgresVersion
    ?? c?.status?.nodes.map((n) => n.postgres.serverVersionNum).find((v): v is number => v !== undefined && v > 0);
  const clusterPgpool = c?.definition.pgpoolVersion ?? c?.status?.pgpool.version;
  const from = c ? `cluster ${c.definition.name}` : undefined;
  const pg = clusterPg !== undefined ? { postgresVersion: typeof clusterPg === 'number' ? majorOfServerVersionNum(clusterPg) : clusterPg, postgresFrom: from }
    : settings.postgresVersion ? { postgresVersion: settings.postgresVersion, postgresFrom: 'settings' } : {};
  const pp = clusterPgpool !== undefined ? { pgpoolVersion: clusterPgpool, pgpoolFrom: from }
    : settings.pgpoolVersion ? { pgpoolVersion: settings.pgpoolVersion, pgpoolFrom: 'settings' } : {};
  return { ...pp, ...pg, ...(c ? { cluster: c.definition.name } : {}) } as TargetVersionChoice;
}
