/**
 * Builds a cluster definition from the backend_* lines of a pgpool.conf. A deliberately tiny line scanner:
 * the full lossless conf parser lives in src/core/conf; this only needs `key = value` pairs.
 */
import { stringify } from 'yaml';
import type { ClusterDefinition, NodeDefinition } from './model';

export interface ImportOptions {
  readonly clusterName?: string;
  /** Where pgpool itself runs (pgpool.conf does not say); default 127.0.0.1. */
  readonly pgpoolHost?: string;
  readonly configFile?: string;
}

export interface ImportResult {
  readonly cluster: ClusterDefinition;
  /** A complete `pgpool-cluster.yaml` text for the imported cluster. */
  readonly yaml: string;
  readonly warnings: readonly string[];
}

/** Reads `key = value` lines; values may be single-quoted ('' or \' inside). Later lines win, like pgpool. */
export function scanConfLines(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=?\s*(.*)$/.exec(raw);
    if (!m || raw.trimStart().startsWith('#')) return;
    const rest = m[2] ?? '';
    let value: string;
    if (rest.startsWith("'")) {
      let v = '';
      let j = 1;
      for (; j < rest.length; j++) {
        const ch = rest[j]!;
        if (ch === '\\' && j + 1 < rest.length) { v += rest[++j]!; continue; }
        if (ch === "'") {
          if (rest[j + 1] === "'") { v += "'"; j++; continue; }
          break;
        }
        v += ch;
      }
      value = v;
    } else {
      value = (rest.split('#')[0] ?? '').trim();
    }
    out.set(m[1]!.toLowerCase(), { value, line: i + 1 });
  });
  return out;
}

export function importFromPgpoolConf(text: string, options: ImportOptions = {}): ImportResult {
  const conf = scanConfLines(text);
  const warnings: string[] = [];
  const ids = new Set<number>();
  for (const key of conf.keys()) {
    const m = /^backend_(?:hostname|port|data_directory)(\d+)$/.exec(key);
    if (m) ids.add(Number(m[1]));
  }
  const nodes: NodeDefinition[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const host = conf.get(`backend_hostname${id}`)?.value;
    if (!host) {
      warnings.push(`backend ${id} has a port or data directory but no backend_hostname${id}; skipped.`);
      continue;
    }
    const portText = conf.get(`backend_port${id}`)?.value;
    const port = portText !== undefined && /^\d+$/.test(portText) ? Number(portText) : 5432;
    if (portText !== undefined && !/^\d+$/.test(portText)) warnings.push(`backend_port${id} = ${portText} is not a number; using 5432.`);
    const dataDirectory = conf.get(`backend_data_directory${id}`)?.value || undefined;
    const name = conf.get(`backend_application_name${id}`)?.value || `node${id}`;
    nodes.push({ name, id, host, port, ...(dataDirectory ? { dataDirectory } : {}), ssh: {} });
  }
  if (nodes.length === 0) warnings.push('No backend_hostnameN lines found: is this a pgpool.conf?');
  const num = (k: string, d: number): number => {
    const v = conf.get(k)?.value;
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : d;
  };
  const srUser = conf.get('sr_check_user')?.value || undefined;
  const cluster: ClusterDefinition = {
    name: options.clusterName ?? 'imported',
    ssh: {},
    database: srUser ? { user: srUser } : {},
    replication: {},
    pgpool: [{
      name: 'pgpool', host: options.pgpoolHost ?? '127.0.0.1', port: num('port', 9999), pcpPort: num('pcp_port', 9898),
      ...(options.configFile ? { configFile: options.configFile } : {}), ssh: {},
    }],
    nodes,
  };
  return { cluster, yaml: toYaml(cluster), warnings };
}

/** Serialises one cluster as a version-1 file, leaving out empty sections. */
export function toYaml(cluster: ClusterDefinition): string {
  const strip = (o: object): object | undefined => (Object.keys(o).length ? o : undefined);
  const c = {
    name: cluster.name,
    postgresVersion: cluster.postgresVersion,
    pgpoolVersion: cluster.pgpoolVersion,
    ssh: strip(cluster.ssh),
    database: strip(cluster.database),
    replication: strip(cluster.replication),
    pgpool: cluster.pgpool.map((p) => ({ ...p, ssh: strip(p.ssh) })),
    nodes: cluster.nodes.map((n) => ({ ...n, ssh: strip(n.ssh) })),
  };
  return stringify({ version: 1, clusters: [c] });
}
