/**
 * `check`'s pass-file cells: each host's own .pgpass / .pcppass, read ON that host as the user who uses it. The
 * host strips every password before anything is sent back (only host:port:database:user fields travel), so no
 * password is ever read, shown or logged here.
 */
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import { hostPassFile, type HostPassFile } from '../../inventory/hostPath';
import { describeLookup, matchingEntry, type PassFileLookup } from '../../db/passFileEntries';
import type { LocalPcpDecision } from '../../db/localPcp';
import type { OpsEnvironment } from '../engine/environment';
import { nodePassFile } from '../engine/pgCommands';

/**
 * Fixed script: `$1` an absolute path or empty, `$2` the path under $HOME otherwise, `$3` how many fields to keep.
 * Prints the resolved path, `missing` or `<octal mode> <owner>`, the reading user, `---`, then each line cut after
 * its `$3`-th unescaped colon; lines with fewer fields are left out (the password never leaves the host).
 */
const READ_FIELDS = `if [ -n "$1" ]; then f=$1; else f="$HOME/$2"; fi
printf '%s\\n' "$f"
if [ ! -e "$f" ]; then echo missing; id -un; exit 0; fi
stat -c '%a %U' -- "$f"; id -un; echo ---
sed -nE "s/^((([^:\\\\\\\\]|\\\\\\\\.)*:){$3}).*/\\\\1/p" -- "$f"`;

export function readPassFileFieldsArgv(f: HostPassFile, defaultName: string, fields: number): string[] {
  const abs = f.kind === 'absolute' ? f.path : '';
  const rel = f.kind === 'home' ? f.relative : f.kind === 'default' ? defaultName : '';
  return ['sh', '-c', READ_FIELDS, '_', abs, rel, String(fields)];
}

export interface PassFileReport {
  readonly path: string;
  readonly exists: boolean;
  readonly mode?: number;
  readonly owner?: string;
  readonly reader?: string;
  /** The lines without their password field. */
  readonly text: string;
}

export function parsePassFileFields(out: string): PassFileReport | undefined {
  const lines = out.split('\n');
  const [file, stat, reader] = lines;
  if (!file || !stat) return undefined;
  if (stat === 'missing') return { path: file, exists: false, ...(reader ? { reader } : {}), text: '' };
  const m = /^([0-7]+) (\S+)$/.exec(stat);
  if (!m) return undefined;
  return { path: file, exists: true, mode: Number.parseInt(m[1]!, 8), owner: m[2]!, ...(reader ? { reader } : {}), text: lines.slice(4).join('\n') };
}

export interface PassFileVerdict { readonly ok: boolean; readonly detail: string; readonly fix?: string }

/** Judges one file: exists, no group/other access, owned by its reader, an entry for every lookup (libpq / pcp rules). */
export function judgePassFile(r: PassFileReport, kind: 'pgpass' | 'pcppass', lookups: readonly PassFileLookup[], host: string, howToAdd: string): PassFileVerdict {
  const where = `${r.path} on ${host}`;
  if (!r.exists) return { ok: false, detail: `${where} does not exist`, fix: `${howToAdd} (mode 0600, owned by ${r.reader ?? 'the user who reads it'}).` };
  const problems: string[] = [];
  const fixes: string[] = [];
  if ((r.mode! & 0o077) !== 0) { problems.push(`mode ${r.mode!.toString(8).padStart(4, '0')} (it is ignored unless group and others have no access)`); fixes.push(`chmod 0600 ${r.path}`); }
  if (r.reader && r.owner !== r.reader) { problems.push(`owned by ${r.owner}, read by ${r.reader}`); fixes.push(`chown ${r.reader} ${r.path}`); }
  const missing = lookups.filter((l) => !matchingEntry(r.text, kind, l));
  if (missing.length) {
    problems.push(`no entry for ${missing.map((l) => describeLookup(kind, l)).join(', ')}`);
    fixes.push(`${howToAdd}: ${kind === 'pgpass' ? 'host:port:database:user:password' : 'host:port:user:password'} (* matches anything)`);
  }
  if (!problems.length) return { ok: true, detail: `${where}: 0${r.mode!.toString(8)}, owner ${r.owner}, entries for ${lookups.map((l) => describeLookup(kind, l)).join(', ')}` };
  return { ok: false, detail: `${where}: ${problems.join('; ')}`, fix: `On ${host}: ${fixes.join('; ')}.` };
}

/** What each node's OS user must find in its own pass file: replication to every other node, and the superuser for pg_rewind. */
export function nodeLookups(cluster: ClusterDefinition, node: NodeDefinition): PassFileLookup[] {
  const repl = cluster.replication.user ?? 'replicator';
  const su = cluster.database.user ?? 'postgres';
  const db = cluster.database.name ?? 'postgres';
  return cluster.nodes.filter((m) => m !== node).flatMap((m) => [
    { host: m.host, port: m.port, database: 'replication', user: repl },
    { host: m.host, port: m.port, database: db, user: su },
  ]);
}

export interface PassFileCell { readonly from: string; readonly to: string; readonly what: string; readonly ok: boolean; readonly detail: string; readonly fix?: string }

async function readOn(env: OpsEnvironment, host: string, argv: readonly string[]): Promise<PassFileReport | string> {
  const r = await env.remote(host).exec(argv, { timeoutMs: 20_000 });
  if (r.code !== 0) return `could not read it (exit ${r.code ?? 'timeout'}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
  return parsePassFileFields(r.stdout) ?? `unexpected answer from ${host}`;
}

export async function nodePassFileCell(cluster: ClusterDefinition, env: OpsEnvironment, node: NodeDefinition): Promise<PassFileCell> {
  const base = { from: node.name, to: node.name, what: `.pgpass for pg_rewind, pg_basebackup, primary_conninfo (${node.pgpassFile ?? '~/.pgpass'})` };
  try {
    const r = await readOn(env, node.name, readPassFileFieldsArgv(nodePassFile(node), '.pgpass', 4));
    if (typeof r === 'string') return { ...base, ok: false, detail: r, fix: `Check this machine's SSH access to ${node.name}.` };
    return { ...base, ...judgePassFile(r, 'pgpass', nodeLookups(cluster, node), node.name, `Add the lines to ${r.path}, or run "pgpool-cluster setup-replication"`) };
  } catch (err) {
    return { ...base, ok: false, detail: err instanceof Error ? err.message : String(err), fix: `Check this machine's SSH access to ${node.name}.` };
  }
}

/** The pcp pass file where pcp runs: the pgpool host's (its pcpPassFile) or, when pcp runs here, this machine's. */
export async function pcpPassFileCell(cluster: ClusterDefinition, env: OpsEnvironment, placement: LocalPcpDecision | undefined): Promise<PassFileCell | undefined> {
  const inst = cluster.pgpool[0];
  if (!inst) return undefined;
  if (placement?.local) {
    return { from: 'this machine', to: inst.name, what: '.pcppass', ok: true, detail: `pcp runs on this machine: ${placement.reason}` };
  }
  const base = { from: inst.name, to: inst.name, what: `.pcppass for pcp (${inst.pcpPassFile ?? '~/.pcppass'})` };
  try {
    const r = await readOn(env, inst.name, readPassFileFieldsArgv(hostPassFile(inst.pcpPassFile, '.pcppass'), '.pcppass', 3));
    if (typeof r === 'string') return { ...base, ok: false, detail: r, fix: `Check this machine's SSH access to ${inst.name}.` };
    // pcp's default user is the OS user that runs it.
    const lookup = { host: inst.host, port: inst.pcpPort, user: inst.pcpUser ?? r.reader ?? 'postgres' };
    return { ...base, ...judgePassFile(r, 'pcppass', [lookup], inst.name, `Add the line to ${r.path}, or run "pgpool-cluster configure-pgpool"`) };
  } catch (err) {
    return { ...base, ok: false, detail: err instanceof Error ? err.message : String(err), fix: `Check this machine's SSH access to ${inst.name}.` };
  }
}
