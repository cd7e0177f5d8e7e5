/**
 * Discover instead of assume: where each host keeps the PostgreSQL programs and the pcp tools (one probe per host,
 * a fixed script whose only argument is the wanted major), and a running node's data directory (`SHOW
 * data_directory`). The cluster file wins: only what it leaves out is filled in, and plans and `check` say so.
 */
import type { ClusterDefinition, NodeDefinition, PgpoolInstance } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import type { SqlClient } from '../../db/types';
import type { RemoteHost } from '../../remote/types';
import { resolveVersions } from '../engine/input';

/** The directories searched, in order, as the plan and check name them. */
export const SEARCHED_PG = 'the wanted major\'s /usr/lib/postgresql/N/bin and /usr/pgsql-N/bin, the PATH, /usr/sbin, other /usr/lib/postgresql/N/bin and /usr/pgsql-N/bin (newest first), /usr/local/pgsql/bin, /usr/local/bin';
export const SEARCHED_PCP = 'the PATH, /usr/sbin, /usr/pgpool-N/bin (newest first), /usr/local/bin, /usr/bin';

/**
 * `$1`: the wanted PostgreSQL major or empty. Prints `pg=DIR` (where pg_ctl is) and `pcp=DIR` (where
 * pcp_node_count is), empty when not found, with `pg_on_path=1` / `pcp_on_path=1` when the PATH already finds
 * them (then nothing needs to be set). Globs only expand fixed directories; nothing else is evaluated.
 */
const DISCOVER = `want=$1
find_in() { t=$1; shift; for d in "$@"; do [ -n "$d" ] && [ -x "$d/$t" ] && { printf '%s' "$d"; return 0; }; done; return 1; }
on_path() { p=$(command -v "$1" 2>/dev/null) || return 1; case "$p" in /*) printf '%s' "\${p%/*}";; *) return 1;; esac; }
versioned() { ls -d "$@" 2>/dev/null | sort -rV; }
wanted=""; case "$want" in ''|*[!0-9.]*) ;; *) wanted="/usr/lib/postgresql/$want/bin /usr/pgsql-$want/bin";; esac
pg_on_path=""; pcp_on_path=""
pg=$(find_in pg_ctl $wanted) || { pg=$(on_path pg_ctl) && pg_on_path=1; } || pg=$(find_in pg_ctl /usr/sbin $(versioned /usr/lib/postgresql/*/bin /usr/pgsql-*/bin) /usr/local/pgsql/bin /usr/local/bin) || pg=""
{ pcp=$(on_path pcp_node_count) && pcp_on_path=1; } || pcp=$(find_in pcp_node_count /usr/sbin $(versioned /usr/pgpool-*/bin) /usr/local/bin /usr/bin) || pcp=""
printf 'pg=%s\\npg_on_path=%s\\npcp=%s\\npcp_on_path=%s\\n' "$pg" "$pg_on_path" "$pcp" "$pcp_on_path"`;

export const discoverArgv = (wantedMajor: string | undefined): string[] => ['sh', '-c', DISCOVER, '_', wantedMajor ?? ''];

export interface HostPrograms {
  readonly pg?: string;
  readonly pgOnPath?: boolean;
  readonly pcp?: string;
  readonly pcpOnPath?: boolean;
}

export function parseDiscovery(out: string): HostPrograms {
  const get = (k: string): string | undefined => out.split('\n').find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).trim();
  const dir = (k: string): string | undefined => { const v = get(k); return v && v.startsWith('/') ? v : undefined; };
  const pg = dir('pg');
  const pcp = dir('pcp');
  return {
    ...(pg ? { pg, ...(get('pg_on_path') === '1' ? { pgOnPath: true } : {}) } : {}),
    ...(pcp ? { pcp, ...(get('pcp_on_path') === '1' ? { pcpOnPath: true } : {}) } : {}),
  };
}

export interface Discovered {
  /** Per host name: what was found for what the cluster file leaves out. */
  readonly nodes: ReadonlyMap<string, { readonly binDir?: string; readonly dataDirectory?: string }>;
  readonly pgpool: ReadonlyMap<string, { readonly binDir?: string }>;
  /** One line per fact, for the plan and check: "node1: PostgreSQL programs in /usr/lib/postgresql/15/bin (discovered)". */
  readonly notes: readonly string[];
  /** What could not be found although it is needed. */
  readonly missing: readonly string[];
  /** Hosts whose probe got no answer (SSH failed): what they have is unknown, not absent. */
  readonly unanswered?: readonly string[];
}

export const NOTHING_DISCOVERED: Discovered = { nodes: new Map(), pgpool: new Map(), notes: [], missing: [] };

/** What discovery reads through: a part of the operations environment (environment.ts, which calls discover). */
interface DiscoveryAccess {
  remote(host: string): RemoteHost;
  sql(node: string): SqlClient;
}

async function probe(env: DiscoveryAccess, host: string, want: string | undefined, signal?: AbortSignal): Promise<HostPrograms | undefined> {
  try {
    const r = await env.remote(host).exec(discoverArgv(want), { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
    return r.code === 0 ? parseDiscovery(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}

async function showDataDirectory(env: DiscoveryAccess, node: NodeDefinition): Promise<string | undefined> {
  try {
    const rows = await env.sql(node.name).query<{ data_directory: string }>('SHOW data_directory', [], { timeoutMs: 5000 });
    const d = rows[0]?.data_directory;
    return typeof d === 'string' && d.startsWith('/') ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Probes only the hosts whose binDir / dataDirectory the cluster file leaves out; never fails (unknown stays unknown). */
export async function discover(cluster: ClusterDefinition, status: ClusterStatus | undefined, env: DiscoveryAccess, signal?: AbortSignal): Promise<Discovered> {
  const want = status ? resolveVersions(cluster, status).postgres : cluster.postgresVersion;
  const nodes = new Map<string, { binDir?: string; dataDirectory?: string }>();
  const pgpool = new Map<string, { binDir?: string }>();
  const notes: string[] = [];
  const missing: string[] = [];
  const unanswered: string[] = [];
  await Promise.all([
    ...cluster.nodes.map(async (n) => {
      const up = status?.nodes.find((s) => s.name === n.name)?.postgres.reachable !== false;
      const [found, data] = await Promise.all([
        n.binDir ? undefined : probe(env, n.name, want, signal),
        n.dataDirectory || !up ? undefined : showDataDirectory(env, n),
      ]);
      // Found on the PATH: nothing to set (the PATH may also be what finds client tools kept elsewhere).
      const entry = { ...(found?.pg && !found.pgOnPath ? { binDir: found.pg } : {}), ...(data ? { dataDirectory: data } : {}) };
      nodes.set(n.name, entry);
      if (!n.binDir && !found) unanswered.push(n.name);
      if (found?.pg) notes.push(`${n.name}: PostgreSQL programs in ${found.pg} (${found.pgOnPath ? 'on the PATH' : 'discovered'}; binDir in the cluster file overrides)`);
      else if (found) missing.push(`${n.name}: no pg_ctl in ${SEARCHED_PG}; set binDir for ${n.name}`);
      if (data) notes.push(`${n.name}: data directory ${data} (SHOW data_directory; dataDirectory in the cluster file overrides)`);
    }),
    ...cluster.pgpool.map(async (p: PgpoolInstance) => {
      if (p.binDir) return;
      const found = await probe(env, p.name, want, signal);
      if (!found) unanswered.push(p.name);
      if (found?.pcp) {
        if (!found.pcpOnPath) pgpool.set(p.name, { binDir: found.pcp });
        notes.push(`${p.name}: pcp tools in ${found.pcp} (${found.pcpOnPath ? 'on the PATH' : 'discovered'}; pgpool.binDir in the cluster file overrides)`);
      } else if (found) missing.push(`${p.name}: no pcp tools in ${SEARCHED_PCP}; set binDir for ${p.name}`);
    }),
  ]);
  return { nodes, pgpool, notes: notes.sort(), missing: missing.sort(), ...(unanswered.length ? { unanswered: unanswered.sort() } : {}) };
}

/** The definition with discovered values where the file has none (the file always wins). */
export function applyDiscovery(cluster: ClusterDefinition, d: Discovered): ClusterDefinition {
  return {
    ...cluster,
    nodes: cluster.nodes.map((n) => {
      const f = d.nodes.get(n.name);
      return {
        ...n,
        ...(!n.binDir && f?.binDir ? { binDir: f.binDir } : {}),
        ...(!n.dataDirectory && f?.dataDirectory ? { dataDirectory: f.dataDirectory } : {}),
      };
    }),
    pgpool: cluster.pgpool.map((p) => {
      const f = d.pgpool.get(p.name);
      return !p.binDir && f?.binDir ? { ...p, binDir: f.binDir } : p;
    }),
  };
}
