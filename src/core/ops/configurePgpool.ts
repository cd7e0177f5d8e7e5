/**
 * "Configure pgpool" as a Plan: generate pgpool.conf, pcp.conf, pool_hba.conf, .pcppass and the scripts for
 * the cluster and target version; refuse when the generated pgpool.conf does not lint cleanly; show a unified
 * diff against the host's files; deploy over SFTP with a timestamped backup of each replaced file; install the
 * recovery scripts into the primary's data directory and the pgpool_recovery extension; reload pgpool, or
 * say which changed parameters need a restart.
 */
import * as path from 'node:path';
import { lintDocument } from '../conf/lint';
import { pgpoolCatalog, pgpoolReleaseOf, resolvePgpoolName } from '../conf/catalog/pgpool';
import type { Diagnostic } from '../conf/types';
import type { ClusterDefinition, NodeDefinition } from '../inventory/model';
import type { ClusterStatus } from '../status/model';
import { pgpoolOf, type OpsEnvironment } from './environment';
import { confValues, hbaNetworks, pgpoolConfigInput, pgpoolConfPath } from './configurePgpoolInput';
import { currentPrimary, resolveVersions } from './input';
import { dataDir } from './pgCommands';
import { detectionProfiles, generatePcpConf, generatePgpoolConf, generatePoolHba, generateScripts, passFileLine, type DetectionProfile } from './pgpoolConfig';
import { atLeast } from './pgpoolConfig/version';
import type { Check, Plan, PlanStep } from './plan';
import { unifiedDiff } from './unifiedDiff';
import { timestampSuffix } from './timestamp';

export type ProfileName = DetectionProfile['name'];

export interface ConfigurePgpoolOptions {
  readonly profile?: ProfileName;
  readonly pgpoolVersion?: string;
  /** pcp user's password, from a SecretProvider; pcp.conf and .pcppass are regenerated only with it. */
  readonly pcpPassword?: string;
  readonly now?: Date;
}

export interface DeployFile {
  readonly host: string;
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  /** pcp.conf and .pcppass: never shown, never diffed line by line. */
  readonly secret: boolean;
}

/** What is on the hosts now, by `host:path`; undefined when the file does not exist. */
export type CurrentFiles = ReadonlyMap<string, string | undefined>;
export const fileKey = (host: string, p: string): string => `${host}:${p}`;

export type ConfigurePgpoolResult =
  | { readonly ok: true; readonly plan: Plan; readonly files: readonly DeployFile[]; readonly diff: string; readonly restartParams: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly diagnostics?: readonly Diagnostic[] };

export function stampSuffix(d: Date): string {
  return `.pgpool-cluster-${timestampSuffix(d)}`;
}

interface Target { readonly cluster: ClusterDefinition; readonly status: ClusterStatus; readonly options: ConfigurePgpoolOptions }

function versionsOf(t: Target): { pgpool: string; postgres: string } {
  const v = resolveVersions(t.cluster, t.status);
  return { pgpool: t.options.pgpoolVersion ?? v.pgpool, postgres: v.postgres };
}

/** Every file the plan writes; `currentConf` is the host's pgpool.conf (it decides the scripts' folder). */
export function configurePgpoolFiles(t: Target, currentConf: string | undefined, currentHba?: string): DeployFile[] {
  const { cluster } = t;
  const inst = pgpoolOf(cluster);
  const v = versionsOf(t);
  const input = pgpoolConfigInput(cluster, currentConf, {
    pgpoolVersion: v.pgpool, postgresMajor: v.postgres, profile: detectionProfiles[t.options.profile ?? 'fast'],
  });
  const confPath = pgpoolConfPath(cluster);
  const confDir = path.posix.dirname(confPath);
  const files: DeployFile[] = [
    { host: inst.name, path: confPath, content: generatePgpoolConf(input), mode: 0o640, secret: false },
    { host: inst.name, path: path.posix.join(confDir, 'pool_hba.conf'), content: generatePoolHba(hbaNetworks(currentHba).length ? hbaNetworks(currentHba) : ['127.0.0.1/32']), mode: 0o640, secret: false },
  ];
  if (t.options.pcpPassword !== undefined) {
    const user = inst.pcpUser ?? 'pgpool';
    files.push({ host: inst.name, path: path.posix.join(confDir, 'pcp.conf'), content: generatePcpConf([{ user, password: t.options.pcpPassword }]), mode: 0o600, secret: true });
    files.push({ host: inst.name, path: input.pcp.passFile, content: `${passFileLine([inst.host, inst.pcpPort, user, t.options.pcpPassword])}\n`, mode: 0o600, secret: true });
  }
  const primary = currentPrimary({ cluster, status: t.status });
  for (const s of generateScripts(input)) {
    if (s.target === 'pgpool') files.push({ host: inst.name, path: path.posix.join(input.scriptsDir, s.name), content: s.content, mode: s.mode, secret: false });
    else if (primary) files.push({ host: primary.name, path: path.posix.join(dataDir(primary), s.name), content: s.content, mode: s.mode, secret: false });
  }
  return files;
}

/** True when a .pcppass line matches port, user and password (`*` or any host). */
export function pcppassCovers(text: string, port: number, user: string, password: string): boolean {
  const want = passFileLine([port, user, password]);
  return text.split('\n').some((l) => {
    const i = l.search(/(?<!\\):/);
    return i >= 0 && l.slice(i + 1).trim() === want;
  });
}

/** Parameters whose value changes and which pgpool reads only at start. */
export function restartParameters(oldConf: string | undefined, newConf: string, pgpoolVersion: string): string[] {
  if (oldConf === undefined) return [];
  const release = pgpoolReleaseOf(pgpoolVersion);
  const catalog = release ? pgpoolCatalog(release) : undefined;
  const a = confValues(oldConf);
  const b = confValues(newConf);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => a.get(n) !== b.get(n) && catalog && resolvePgpoolName(catalog, n)?.spec.context === 'restart').sort();
}

function psqlArgv(cluster: ClusterDefinition, node: NodeDefinition, db: string, sql: string): string[] {
  const psql = node.binDir ? path.posix.join(node.binDir, 'psql') : 'psql';
  return [
    'env', ...(cluster.database.passfile ? [`PGPASSFILE=${cluster.database.passfile}`] : []),
    psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', node.host, '-p', String(node.port), '-U', cluster.database.user ?? 'postgres', '-d', db, '-c', sql,
  ];
}

export function buildConfigurePgpoolPlan(t: Target, current: CurrentFiles): ConfigurePgpoolResult {
  const { cluster } = t;
  let inst;
  try { inst = pgpoolOf(cluster); } catch (err) { return { ok: false, reason: (err as Error).message }; }
  const v = versionsOf(t);
  if (!atLeast(v.pgpool, '3.4')) return { ok: false, reason: `pgpool-II ${v.pgpool} is older than 3.4, the oldest release this generator supports.` };
  const confPath = pgpoolConfPath(cluster);
  const oldConf = current.get(fileKey(inst.name, confPath));
  let files: DeployFile[];
  try {
    files = configurePgpoolFiles(t, oldConf, current.get(fileKey(inst.name, path.posix.join(path.posix.dirname(confPath), 'pool_hba.conf'))));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const conf = files[0]?.content ?? '';
  const errors = lintDocument(conf, { languageId: 'pgpool-conf', pgpoolVersion: v.pgpool, postgresVersion: v.postgres, fileName: 'pgpool.conf' }).filter((d) => d.severity === 'error');
  if (errors.length) {
    const lines = errors.map((d) => `  line ${d.range.start.line + 1}: ${d.message} (${d.code})`);
    return { ok: false, reason: `The generated pgpool.conf has ${errors.length} lint error(s); nothing was deployed:\n${lines.join('\n')}`, diagnostics: errors };
  }
  const suffix = stampSuffix(t.options.now ?? new Date());
  const pass = inst.pcpPassFile;
  const same = (f: DeployFile): boolean => {
    const old = current.get(fileKey(f.host, f.path));
    if (old === f.content) return true;
    // A .pcppass that already holds a working entry (any host field) is left alone.
    return f.path === pass && old !== undefined && t.options.pcpPassword !== undefined
      && pcppassCovers(old, inst.pcpPort, inst.pcpUser ?? 'pgpool', t.options.pcpPassword);
  };
  const changed = files.filter((f) => !same(f));
  const diff = changed.map((f) => {
    const old = current.get(fileKey(f.host, f.path));
    if (f.secret) return `--- ${f.host}:${f.path}\n+++ ${f.host}:${f.path} (generated)\n(${old === undefined ? 'new file' : 'changed'}; content not shown: it holds a password or its hash)\n`;
    return unifiedDiff(old ?? '', f.content, old === undefined ? '/dev/null' : `${f.host}:${f.path}`, `${f.host}:${f.path} (generated)`);
  }).filter(Boolean).join('');
  const restartParams = restartParameters(oldConf, conf, v.pgpool);

  const steps: PlanStep[] = changed.map((f) => {
    const exists = current.get(fileKey(f.host, f.path)) !== undefined;
    return {
      id: `write-${f.host}-${path.posix.basename(f.path)}`, title: `${exists ? 'Replace' : 'Create'} ${f.path} on ${f.host}`,
      why: exists ? `The generated file differs from the one on ${f.host}; the old one is kept as ${f.path}${suffix}.` : 'The file does not exist yet.',
      destructive: false,
      action: { kind: 'write-file', host: f.host, path: f.path, content: f.content, mode: f.mode, ...(exists ? { backupSuffix: suffix } : {}), ...(f.secret ? { secret: true } : {}) },
      onFailure: `Files written before this step are in place (backups beside them, suffix ${suffix}); pgpool has not reloaded them. Fix the error (permissions, disk) and re-run.`,
    };
  });
  const primary = currentPrimary({ cluster, status: t.status });
  const warnings: string[] = [];
  if (!primary) warnings.push('No running primary: the recovery scripts and the pgpool_recovery extension are not installed. Re-run once a primary runs.');
  else {
    const db = atLeast(v.pgpool, '4.7') ? 'postgres' : 'template1';
    steps.push({
      id: `extension-${primary.name}`, title: `CREATE EXTENSION IF NOT EXISTS pgpool_recovery in ${db} on ${primary.name}`,
      why: `Online recovery calls pgpool_recovery() in ${db} (${atLeast(v.pgpool, '4.7') ? 'recovery_database, pgpool 4.7+' : 'pgpool before 4.7'}); standbys get it by replication.`,
      destructive: false, action: { kind: 'ssh', host: primary.name, argv: psqlArgv(cluster, primary, db, 'CREATE EXTENSION IF NOT EXISTS pgpool_recovery'), timeoutMs: 30_000 },
      onFailure: `The files are deployed, but online recovery (pcp_recovery_node) will fail until the extension exists: install the pgpool2 PostgreSQL extension package on ${primary.name} and re-run.`,
    });
  }
  const nodeUp = (id: number): Check => ({ kind: 'pgpool-node', id, status: ['up', 'waiting'], waitMs: 10_000, describe: `pgpool lists node ${id} as up` });
  if (changed.some((f) => f.host === inst.name)) {
    steps.push({
      id: 'reload-pgpool', title: 'Reload pgpool (pcp_reload_config)', why: 'pgpool applies reloadable parameters and re-reads pool_hba.conf on reload.',
      destructive: false, action: { kind: 'pcp', tool: 'pcp_reload_config', args: [] },
      onFailure: 'The new files are on the pgpool host but pgpool still runs with the old ones. Reload or restart pgpool by hand.',
    });
  }
  if (restartParams.length) warnings.push(`pgpool must be restarted for these changed parameters to take effect (a reload ignores them): ${restartParams.join(', ')}.`);
  const profile = detectionProfiles[t.options.profile ?? 'fast'];
  return {
    ok: true, files, diff, restartParams,
    plan: {
      operation: 'configure-pgpool', cluster: cluster.name, node: inst.name, destructive: false,
      versions: v, warnings, steps, verify: cluster.nodes.map((n) => nodeUp(n.id)),
      summary: changed.length
        ? `Deploy ${changed.length} of ${files.length} generated file(s) for pgpool-II ${v.pgpool} (profile "${profile.name}") and reload pgpool.${restartParams.length ? ' A restart is needed afterwards.' : ''}`
        : `The ${files.length} generated file(s) match what is on the hosts; only the extension is checked.`,
    },
  };
}

/** Reads a file over SFTP; undefined when it does not exist. */
export async function readIfExists(env: OpsEnvironment, host: string, p: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await env.remote(host).readFile(p, signal ? { signal } : {})).toString('utf8');
  } catch (err) {
    if (/no such file/i.test(err instanceof Error ? err.message : String(err))) return undefined;
    throw err;
  }
}

/** Reads, over SSH, every file the plan would replace (pgpool.conf first: it decides where the scripts go). */
export async function readCurrentFiles(t: Target, env: OpsEnvironment, signal?: AbortSignal): Promise<CurrentFiles> {
  const inst = pgpoolOf(t.cluster);
  const confPath = pgpoolConfPath(t.cluster);
  const hbaPath = path.posix.join(path.posix.dirname(confPath), 'pool_hba.conf');
  const current = new Map<string, string | undefined>();
  const conf = await readIfExists(env, inst.name, confPath, signal);
  const hba = await readIfExists(env, inst.name, hbaPath, signal);
  current.set(fileKey(inst.name, confPath), conf);
  current.set(fileKey(inst.name, hbaPath), hba);
  const rest = configurePgpoolFiles(t, conf, hba).filter((f) => !current.has(fileKey(f.host, f.path)));
  const texts = await Promise.all(rest.map((f) => readIfExists(env, f.host, f.path, signal)));
  rest.forEach((f, i) => current.set(fileKey(f.host, f.path), texts[i]));
  return current;
}
