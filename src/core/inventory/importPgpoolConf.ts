/**
 * Builds a cluster definition from the backend_* lines of a pgpool.conf. A deliberately tiny line scanner:
 * the full lossless conf parser lives in src/core/conf; this only needs `key = value` pairs.
 * The pgpool host comes from listen_addresses when it names one address (else the caller asks); the path of
 * the imported copy is never written as `configFile` (it is a workstation path: configure-pgpool discovers
 * the file pgpool runs with on its host).
 */
import { stringify } from 'yaml';
import type { ClusterDefinition, NodeDefinition } from './model';
import { OBJECT_NAME } from './parseClusterFile';

export interface ImportOptions {
  readonly clusterName?: string;
  /** Where pgpool itself runs; default: listen_addresses when it names exactly one address. */
  readonly pgpoolHost?: string;
  /** Shown commented in the `ssh:` section (e.g. the local user name and key file). */
  readonly sshDefaults?: { readonly user?: string; readonly identityFile?: string };
}

export type ImportResult =
  | {
    readonly ok: true;
    readonly cluster: ClusterDefinition;
    /** A complete `pgpool-cluster.yaml` text for the imported cluster. */
    readonly yaml: string;
    readonly warnings: readonly string[];
  }
  /** listen_addresses does not name one address and no pgpoolHost was given: ask for it. */
  | { readonly ok: false; readonly reason: string; readonly candidates: readonly string[] };

const NOT_AN_ADDRESS = new Set(['*', '', 'localhost']);

/** The pgpool host listen_addresses names, when it names exactly one address; else the entries it lists. */
export function pgpoolHostFromConf(text: string): { host?: string; candidates: string[]; listen: string } {
  const listen = scanConfLines(text).get('listen_addresses')?.value ?? 'localhost';
  const entries = listen.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const candidates = entries.filter((x) => !NOT_AN_ADDRESS.has(x));
  return entries.length === 1 && candidates.length === 1 ? { host: candidates[0] as string, candidates, listen } : { candidates, listen };
}

/** "4.3.5 (tamahomeboshi)" -> "4.3"; PostgreSQL 150018 -> "15", 90624 -> "9.6". */
export function pgpoolMinor(version: string): string | undefined {
  return /^(\d+\.\d+)/.exec(version.trim())?.[1];
}
export function postgresMajor(versionNum: number): string {
  return versionNum >= 100000 ? String(Math.floor(versionNum / 10000)) : `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}`;
}

/** Nodes without a data directory get the one the server reported (`SHOW data_directory`); others keep theirs. */
export function withDataDirectories(cluster: ClusterDefinition, reported: ReadonlyMap<string, string>): ClusterDefinition {
  return {
    ...cluster,
    nodes: cluster.nodes.map((n) => {
      const dir = reported.get(n.name);
      return n.dataDirectory === undefined && dir && dir.startsWith('/') ? { ...n, dataDirectory: dir } : n;
    }),
  };
}

/** The cluster with the versions the hosts reported (probe); what the file already says stays. */
export function withProbedVersions(cluster: ClusterDefinition, probed: { pgpool?: string; postgresVersionNum?: number }): ClusterDefinition {
  const pgpool = probed.pgpool ? pgpoolMinor(probed.pgpool) : undefined;
  const postgres = probed.postgresVersionNum ? postgresMajor(probed.postgresVersionNum) : undefined;
  return {
    ...cluster,
    ...(cluster.postgresVersion === undefined && postgres ? { postgresVersion: postgres } : {}),
    ...(cluster.pgpoolVersion === undefined && pgpool ? { pgpoolVersion: pgpool } : {}),
  };
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
    const appName = conf.get(`backend_application_name${id}`)?.value;
    const name = appName && OBJECT_NAME.test(appName) ? appName : `node${id}`;
    if (appName && name !== appName) warnings.push(`backend_application_name${id} = '${appName}' is not a valid node name; named the node ${name} (rename the standby's application_name to match).`);
    nodes.push({ name, id, host, port, ...(dataDirectory ? { dataDirectory } : {}), ssh: {} });
  }
  if (nodes.length === 0) warnings.push('No backend_hostnameN lines found: is this a pgpool.conf?');
  const found = pgpoolHostFromConf(text);
  const pgpoolHost = options.pgpoolHost ?? found.host;
  if (pgpoolHost === undefined) {
    return {
      ok: false, candidates: found.candidates,
      reason: `listen_addresses = '${found.listen}' does not name one address pgpool can be reached at: say which host pgpool runs on`
        + `${found.candidates.length ? ` (one of ${found.candidates.join(', ')}?)` : ''}.`,
    };
  }
  const num = (k: string, d: number): number => {
    const v = conf.get(k)?.value;
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : d;
  };
  const srUser = conf.get('sr_check_user')?.value || undefined;
  // pgpool's checks connect to sr_check_database (default postgres); a user's own database rarely exists.
  const srDatabase = conf.get('sr_check_database')?.value || 'postgres';
  const cluster: ClusterDefinition = {
    name: options.clusterName ?? 'imported',
    ssh: {},
    database: srUser ? { user: srUser, name: srDatabase } : {},
    replication: {},
    pgpool: [{
      name: 'pgpool', host: pgpoolHost, port: num('port', 9999), pcpPort: num('pcp_port', 9898), ssh: {},
    }],
    nodes,
  };
  return { ok: true, cluster, yaml: importedYaml(cluster, options.sshDefaults), warnings };
}

/**
 * The imported cluster as a cluster file: an `ssh:` section that sets nothing (so ~/.ssh/config, ssh-agent
 * and the login name decide) with the usual settings commented below it.
 */
export function importedYaml(cluster: ClusterDefinition, sshDefaults: ImportOptions['sshDefaults'] = {}): string {
  const text = toYaml(cluster, { keepEmptySsh: true });
  const commented = [
    '# ssh:                                  # uncomment and edit (replacing "ssh: {}" above) when the defaults do not fit',
    `#   user: ${sshDefaults.user ?? 'postgres'}`,
    '#   port: 22',
    `#   identityFile: ${sshDefaults.identityFile ?? '~/.ssh/id_ed25519'}`,
    '#   knownHostsFile: ~/.ssh/known_hosts',
    '#   sudoUser: postgres                   # run remote commands as sudo -n -u postgres',
  ];
  return text.replace(/^( *)ssh: \{\}\n/m, (_m, indent: string) =>
    `${indent}ssh: {}   # nothing set: ~/.ssh/config, ssh-agent and your login name decide\n${commented.map((l) => `${indent}${l}\n`).join('')}`);
}

/** Serialises one cluster as a version-1 file, leaving out empty sections. */
export function toYaml(cluster: ClusterDefinition, options: { keepEmptySsh?: boolean } = {}): string {
  const strip = (o: object): object | undefined => (Object.keys(o).length ? o : undefined);
  const c = {
    name: cluster.name,
    postgresVersion: cluster.postgresVersion,
    pgpoolVersion: cluster.pgpoolVersion,
    ssh: options.keepEmptySsh ? cluster.ssh : strip(cluster.ssh),
    database: strip(cluster.database),
    replication: strip(cluster.replication),
    pgpool: cluster.pgpool.map((p) => ({ ...p, ssh: strip(p.ssh) })),
    nodes: cluster.nodes.map((n) => ({ ...n, ssh: strip(n.ssh) })),
  };
  return stringify({ version: 1, clusters: [c] });
}
