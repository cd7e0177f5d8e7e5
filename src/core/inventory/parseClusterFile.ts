/** `pgpool-cluster.yaml` text -> validated ClusterFile, with line/column errors. */
import * as os from 'node:os';
import * as path from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import {
  SSL_MODES, type ClusterDefinition, type DatabaseSettings, type InventoryResult,
  type HostToHostSsh, type NodeDefinition, type PgpoolInstance, type SshSettings, type SslMode,
} from './model';
import { isHostPath } from './hostPath';
import { YamlReader } from './yamlReader';

export interface ParseOptions {
  /** Directory relative paths are resolved against (the file's directory). */
  readonly baseDir?: string;
  /** Replaces `~` (defaults to os.homedir()). */
  readonly homeDir?: string;
}

const SSH_KEYS = ['user', 'port', 'identityFile', 'knownHostsFile', 'proxyJump', 'sudoUser', 'hostToHost'] as const;
const HOST_TO_HOST_KEYS = ['user', 'port', 'identityFile', 'knownHostsFile', 'authorizedKeysFile'] as const;
const DB_KEYS = ['user', 'name', 'passfile', 'sslmode', 'tunnel'] as const;
const CLUSTER_KEYS = ['name', 'postgresVersion', 'pgpoolVersion', 'ssh', 'database', 'replication', 'pgpool', 'nodes'];
const PGPOOL_KEYS = ['name', 'host', 'port', 'pcpPort', 'pcpUser', 'pcpPassFile', 'configFile', 'binDir', 'ssh'];
const NODE_KEYS = ['name', 'id', 'host', 'port', 'dataDirectory', 'binDir', 'pgpassFile', 'ssh'];
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$/;
/** Never starting with `-`: a host name is an argument of ssh, pg_basebackup... and must not read as an option. */
const HOST_NAME = /^[A-Za-z0-9_.:%[\]][A-Za-z0-9_.:%\-[\]]*$/;
/** Cluster, node and pgpool names: they become application_name, file names and command arguments. */
export const OBJECT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
/** Larger than any real cluster file by far; a bigger file is refused before YAML parses it. */
export const MAX_CLUSTER_FILE_BYTES = 1024 * 1024;

export function parseClusterFile(text: string, options: ParseOptions = {}): InventoryResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CLUSTER_FILE_BYTES) {
    return { ok: false, errors: [{ message: `The cluster file is ${size} bytes; the limit is ${MAX_CLUSTER_FILE_BYTES} bytes (1 MiB). Is this the right file?`, path: '', line: 1, column: 1 }] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const r = new YamlReader(lines);
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    r.errors.push({ message: `YAML syntax: ${e.message.split('\n')[0]}`, path: '', line: Math.max(pos.line, 1), column: Math.max(pos.col, 1) });
  }
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  const home = options.homeDir ?? os.homedir();
  const file = (p: string | undefined): string | undefined => {
    if (p === undefined) return undefined;
    const expanded = p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
    return options.baseDir !== undefined ? path.resolve(options.baseDir, expanded) : expanded;
  };

  const top = r.map(doc.contents, '', ['version', 'clusters']);
  if (!top) return { ok: false, errors: r.errors };
  const versionEntry = top.get('version');
  if (!versionEntry) r.at(doc.contents, 'version', 'Missing "version: 1" at the top of the file.');
  else if (r.integer(versionEntry.value, 'version', 1, 1) === undefined) {
    r.errors[r.errors.length - 1] = { ...r.errors[r.errors.length - 1]!, message: 'Only "version: 1" is understood by this release.' };
  }

  const clusters: ClusterDefinition[] = [];
  const clusterNames = new Set<string>();
  const clustersEntry = top.get('clusters');
  if (!clustersEntry) r.at(doc.contents, 'clusters', 'Missing "clusters:" (a list of clusters).');
  const items = clustersEntry ? r.seq(clustersEntry.value, 'clusters') : undefined;
  if (items && items.length === 0) r.at(clustersEntry?.value, 'clusters', 'clusters is empty; define at least one cluster.');
  items?.forEach((item, i) => {
    const c = readCluster(r, item, `clusters[${i}]`, file);
    if (!c) return;
    if (clusterNames.has(c.name)) r.at(item, `clusters[${i}].name`, `Two clusters are named "${c.name}"; names must be unique.`);
    clusterNames.add(c.name);
    clusters.push(c);
  });
  if (r.errors.length > 0) return { ok: false, errors: r.errors };
  return { ok: true, value: { version: 1, clusters }, warnings: r.warnings };
}

type FileFn = (p: string | undefined) => string | undefined;

/** Reports a name that does not match `pattern`; returns it either way (the error stops the file from loading). */
function checkName(r: YamlReader, node: Node | null | undefined, value: string | undefined, p: string, pattern: RegExp, rule: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) r.at(node, p, `${p} "${value}" is not allowed: ${rule}.`);
  return value;
}

const OBJECT_RULE = 'use letters, digits, "_", "." and "-" (not first), at most 63 characters';
const USER_RULE = 'a user name uses letters, digits, "_", ".", "@" and "-" (not first)';

function readSsh(r: YamlReader, node: Node | null | undefined, p: string, file: FileFn): SshSettings {
  const m = r.map(node, p, SSH_KEYS);
  if (!m) return {};
  const s = (k: string): string | undefined => {
    const e = m.get(k);
    return e ? r.string(e.value, `${p}.${k}`) : undefined;
  };
  const user = s('user');
  if (user !== undefined && !USER_NAME.test(user)) r.at(m.get('user')?.value, `${p}.user`, `${p}.user "${user}" is not a valid user name.`);
  const sudoUser = s('sudoUser');
  if (sudoUser !== undefined && !USER_NAME.test(sudoUser)) r.at(m.get('sudoUser')?.value, `${p}.sudoUser`, `${p}.sudoUser "${sudoUser}" is not a valid user name.`);
  const portEntry = m.get('port');
  return prune({
    user, sudoUser,
    port: portEntry ? r.integer(portEntry.value, `${p}.port`, 1, 65535) : undefined,
    identityFile: file(s('identityFile')),
    knownHostsFile: file(s('knownHostsFile')),
    proxyJump: s('proxyJump'),
    hostToHost: m.has('hostToHost') ? readHostToHost(r, m.get('hostToHost')?.value, `${p}.hostToHost`) : undefined,
  });
}

/** ssh options for host -> host hops; the paths are on the cluster's hosts, so absolute and never expanded here. */
function readHostToHost(r: YamlReader, node: Node | null | undefined, p: string): HostToHostSsh | undefined {
  const m = r.map(node, p, HOST_TO_HOST_KEYS);
  if (!m) return undefined;
  const user = m.has('user') ? r.string(m.get('user')?.value, `${p}.user`) : undefined;
  if (user !== undefined && !USER_NAME.test(user)) r.at(m.get('user')?.value, `${p}.user`, `${p}.user "${user}" is not a valid user name.`);
  const portEntry = m.get('port');
  return prune({
    user,
    port: portEntry ? r.integer(portEntry.value, `${p}.port`, 1, 65535) : undefined,
    identityFile: remotePath(r, m, 'identityFile', p),
    knownHostsFile: remotePath(r, m, 'knownHostsFile', p),
    authorizedKeysFile: remotePath(r, m, 'authorizedKeysFile', p),
  });
}

function readDatabase(r: YamlReader, node: Node | null | undefined, p: string, file: FileFn): DatabaseSettings {
  const m = r.map(node, p, DB_KEYS);
  if (!m) return {};
  const s = (k: string): string | undefined => {
    const e = m.get(k);
    return e ? r.string(e.value, `${p}.${k}`) : undefined;
  };
  const user = checkName(r, m.get('user')?.value, s('user'), `${p}.user`, USER_NAME, USER_RULE);
  const sslmode = s('sslmode');
  if (sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    r.at(m.get('sslmode')?.value, `${p}.sslmode`, `${p}.sslmode must be one of ${SSL_MODES.join(', ')}.`);
  }
  const tunnel = m.get('tunnel');
  return prune({
    user, name: s('name'), passfile: file(s('passfile')),
    sslmode: sslmode as SslMode | undefined,
    tunnel: tunnel ? r.boolean(tunnel.value, `${p}.tunnel`) : undefined,
  });
}

/** A host's ssh block overrides the cluster's field by field, hostToHost included. */
function mergeSsh(base: SshSettings, over: SshSettings): SshSettings {
  const hostToHost = base.hostToHost || over.hostToHost ? { hostToHost: { ...base.hostToHost, ...over.hostToHost } } : {};
  return { ...base, ...over, ...hostToHost };
}

function readCluster(r: YamlReader, node: Node, p: string, file: FileFn): ClusterDefinition | undefined {
  const m = r.map(node, p, CLUSTER_KEYS);
  if (!m) return undefined;
  const nameEntry = m.get('name');
  const name = nameEntry ? checkName(r, nameEntry.value, r.string(nameEntry.value, `${p}.name`), `${p}.name`, OBJECT_NAME, OBJECT_RULE) : undefined;
  if (!nameEntry) r.at(node, `${p}.name`, `${p} needs a "name".`);
  const version = (k: string): string | undefined => {
    const e = m.get(k);
    if (!e) return undefined;
    const v = r.versionText(e.value, `${p}.${k}`);
    if (v !== undefined && !/^\d+(\.\d+){0,2}$/.test(v)) r.at(e.value, `${p}.${k}`, `${p}.${k} must look like 15 or "4.3".`);
    return v;
  };
  const ssh = m.has('ssh') ? readSsh(r, m.get('ssh')?.value, `${p}.ssh`, file) : {};
  const database = m.has('database') ? readDatabase(r, m.get('database')?.value, `${p}.database`, file) : {};
  let replication: { user?: string } = {};
  if (m.has('replication')) {
    const rm = r.map(m.get('replication')?.value, `${p}.replication`, ['user']);
    const u = rm?.get('user');
    replication = prune({ user: u ? checkName(r, u.value, r.string(u.value, `${p}.replication.user`), `${p}.replication.user`, USER_NAME, USER_RULE) : undefined });
  }

  const pgpool: PgpoolInstance[] = [];
  const pgEntry = m.get('pgpool');
  (pgEntry ? r.seq(pgEntry.value, `${p}.pgpool`) : [])?.forEach((item, i) => {
    const inst = readPgpool(r, item, `${p}.pgpool[${i}]`, i, ssh, file);
    if (inst) pgpool.push(inst);
  });
  if (!pgEntry) r.at(node, `${p}.pgpool`, `${p} needs "pgpool:" (a list with at least one pgpool-II instance).`, 'warning');

  const nodes: NodeDefinition[] = [];
  const ids = new Set<number>();
  const names = new Set<string>();
  const addresses = new Set<string>();
  const nodesEntry = m.get('nodes');
  if (!nodesEntry) r.at(node, `${p}.nodes`, `${p} needs "nodes:" (a list of PostgreSQL nodes).`);
  const nodeItems = nodesEntry ? r.seq(nodesEntry.value, `${p}.nodes`) : undefined;
  if (nodeItems && nodeItems.length === 0) r.at(nodesEntry?.value, `${p}.nodes`, `${p}.nodes is empty; list at least one node.`);
  nodeItems?.forEach((item, i) => {
    const n = readNode(r, item, `${p}.nodes[${i}]`, i, ssh, file);
    if (!n) return;
    const address = `${n.host}:${n.port}`;
    if (ids.has(n.id)) r.at(item, `${p}.nodes[${i}].id`, `Two nodes have pgpool id ${n.id}; ids must be unique (they are backend_hostnameN's N).`);
    else if (names.has(n.name)) r.at(item, `${p}.nodes[${i}].name`, `Two nodes are named "${n.name}"; names must be unique.`);
    else if (addresses.has(address)) r.at(item, `${p}.nodes[${i}].host`, `Two nodes are at ${address}.`);
    ids.add(n.id);
    names.add(n.name);
    addresses.add(address);
    nodes.push(n);
  });
  if (name === undefined) return undefined;
  return prune({
    name, postgresVersion: version('postgresVersion'), pgpoolVersion: version('pgpoolVersion'),
    ssh, database, replication, pgpool, nodes,
  }) as ClusterDefinition;
}

function readHost(r: YamlReader, m: Map<string, { key: Node; value: Node | null }>, owner: Node, p: string): string | undefined {
  const e = m.get('host');
  if (!e) {
    r.at(owner, `${p}.host`, `${p} needs a "host".`);
    return undefined;
  }
  const h = r.string(e.value, `${p}.host`);
  if (h !== undefined && !HOST_NAME.test(h)) r.at(e.value, `${p}.host`, `${p}.host "${h}" is not a host name or address.`);
  return h;
}

function readPgpool(r: YamlReader, node: Node, p: string, index: number, ssh: SshSettings, file: FileFn): PgpoolInstance | undefined {
  const m = r.map(node, p, PGPOOL_KEYS);
  if (!m) return undefined;
  const s = (k: string): string | undefined => (m.has(k) ? r.string(m.get(k)?.value, `${p}.${k}`) : undefined);
  const n = (k: string, d: number): number | undefined => (m.has(k) ? r.integer(m.get(k)?.value, `${p}.${k}`, 1, 65535) : d);
  const host = readHost(r, m, node, p);
  const port = n('port', 9999);
  const pcpPort = n('pcpPort', 9898);
  const own = m.has('ssh') ? readSsh(r, m.get('ssh')?.value, `${p}.ssh`, file) : {};
  if (host === undefined || port === undefined || pcpPort === undefined) return undefined;
  const name = checkName(r, m.get('name')?.value, s('name'), `${p}.name`, OBJECT_NAME, OBJECT_RULE);
  const pcpUser = checkName(r, m.get('pcpUser')?.value, s('pcpUser'), `${p}.pcpUser`, USER_NAME, USER_RULE);
  return prune({
    name: name ?? (index === 0 ? 'pgpool' : `pgpool${index}`), host, port, pcpPort,
    pcpUser, pcpPassFile: hostPassPath(r, m, 'pcpPassFile', p), configFile: remotePath(r, m, 'configFile', p),
    binDir: remotePath(r, m, 'binDir', p),
    ssh: mergeSsh(ssh, own),
  }) as PgpoolInstance;
}

function readNode(r: YamlReader, node: Node, p: string, index: number, ssh: SshSettings, file: FileFn): NodeDefinition | undefined {
  const m = r.map(node, p, NODE_KEYS);
  if (!m) return undefined;
  const s = (k: string): string | undefined => (m.has(k) ? r.string(m.get(k)?.value, `${p}.${k}`) : undefined);
  const id = m.has('id') ? r.integer(m.get('id')?.value, `${p}.id`, 0, 127) : index;
  const port = m.has('port') ? r.integer(m.get('port')?.value, `${p}.port`, 1, 65535) : 5432;
  const host = readHost(r, m, node, p);
  const dataDirectory = remotePath(r, m, 'dataDirectory', p);
  const own = m.has('ssh') ? readSsh(r, m.get('ssh')?.value, `${p}.ssh`, file) : {};
  const name = checkName(r, m.get('name')?.value, s('name'), `${p}.name`, OBJECT_NAME, OBJECT_RULE);
  if (id === undefined || port === undefined || host === undefined) return undefined;
  return prune({
    name: name ?? `node${id}`, id, host, port, dataDirectory, binDir: remotePath(r, m, 'binDir', p),
    pgpassFile: hostPassPath(r, m, 'pgpassFile', p), ssh: mergeSsh(ssh, own),
  }) as NodeDefinition;
}

/** A path on the remote host: must be absolute, never expanded locally. */
function remotePath(r: YamlReader, m: Map<string, { key: Node; value: Node | null }>, k: string, p: string): string | undefined {
  const e = m.get(k);
  if (!e) return undefined;
  const v = r.string(e.value, `${p}.${k}`);
  if (v !== undefined && !v.startsWith('/')) r.at(e.value, `${p}.${k}`, `${p}.${k} must be an absolute path on that host (it is not expanded locally).`);
  return v;
}

/** A pass file on that host: absolute, or `~/...` under the home of the user who reads it there (kept as written). */
function hostPassPath(r: YamlReader, m: Map<string, { key: Node; value: Node | null }>, k: string, p: string): string | undefined {
  const e = m.get(k);
  if (!e) return undefined;
  const v = r.string(e.value, `${p}.${k}`);
  if (v !== undefined && !isHostPath(v)) {
    r.at(e.value, `${p}.${k}`, `${p}.${k} must be a path on that host: absolute, or ~/... for the home of the user who reads it there (letters, digits, _ . - / only; no ..).`);
  }
  return v;
}

/** Drops undefined fields so models compare and serialise cleanly. */
function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
