/**
 * "Configure pgpool" as a Plan. It edits the pgpool.conf pgpool runs with (discovered on the pgpool host):
 * only the parameters it manages are written, every other line stays; pool_hba.conf and pcp.conf keep the
 * rules and users it does not own. It refuses when the current pgpool.conf has errors pgpool would refuse,
 * shows each managed parameter (old -> new, added, left alone) and a diff of the managed lines, deploys
 * with a timestamped backup of each replaced file, installs the recovery scripts into the primary's data
 * directory and the pgpool_recovery extension, and reloads pgpool (or says which parameters need a restart).
 */
import * as path from 'node:path';
import { lintDocument } from '../../conf/lint';
import { pgpoolCatalog, pgpoolReleaseOf, resolvePgpoolName } from '../../conf/catalog/pgpool';
import type { Diagnostic } from '../../conf/types';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import type { PgpoolInstance } from '../../inventory/model';
import { type OpsEnvironment } from '../engine/environment';
import { confValues, pgpoolConfigInput, pgpoolInstance, type WatchdogOptions } from './configurePgpoolInput';
import { worstCaseLeaderLossSeconds, worstCaseVipMoveSeconds } from './pgpoolConfig/watchdog';
import { discoverPgpoolPaths, readIfExists, type PgpoolPaths } from './configurePgpoolDiscovery';
import { currentPrimary, resolveVersions } from '../engine/input';
import { dataDir, withNodePassFile } from '../engine/pgCommands';
import { detectionProfiles, generatePcpConf, generatePgpoolConf, generatePoolHba, generateScripts, passFileLine, type DetectionProfile } from './pgpoolConfig';
import { editPcpConf, editPoolHba, type HbaEdit } from './pgpoolConfig/editAuthFiles';
import { describeChanges, editPgpoolConf, perNodeOverrides, type ParamChange } from './pgpoolConfig/editPgpoolConf';
import { atLeast } from './pgpoolConfig/version';
import { maskSecretParams } from './pgpoolConfig/watchdog';
import type { Check, Plan, PlanStep } from '../engine/plan';
import { unifiedDiff } from './unifiedDiff';
import { timestampSuffix } from '../engine/timestamp';

export { readIfExists } from './configurePgpoolDiscovery';
export type { PgpoolPaths } from './configurePgpoolDiscovery';

export type ProfileName = DetectionProfile['name'];

export interface ConfigurePgpoolOptions {
  readonly profile?: ProfileName;
  readonly pgpoolVersion?: string;
  /** pcp user's password, from a SecretProvider; pcp.conf and .pcppass are written only with it. */
  readonly pcpPassword?: string;
  readonly now?: Date;
  /** The pgpool instance to configure (cluster file name); default the first. Run once per pgpool host. */
  readonly pgpool?: string;
  /** Several pgpool instances run watchdog: the VIP (else the file's) and wd_authkey (from the secret store). */
  readonly watchdog?: WatchdogOptions;
  /** Bound for the failover script's automatic choice (bytes behind); default FAILOVER_MAX_LAG_BYTES. */
  readonly failoverMaxLagBytes?: number;
}

export interface DeployFile {
  readonly host: string;
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  /** pcp.conf and .pcppass: never shown, never diffed line by line. */
  readonly secret: boolean;
}

/**
 * What is on the hosts now, by `host:path` (undefined when the file does not exist), and the paths pgpool
 * runs with; without `paths` the cluster file's configFile (else Debian's) is assumed.
 */
export type CurrentFiles = ReadonlyMap<string, string | undefined> & { readonly paths?: PgpoolPaths };
export const fileKey = (host: string, p: string): string => `${host}:${p}`;

export type ConfigurePgpoolResult =
  | {
    readonly ok: true; readonly plan: Plan; readonly files: readonly DeployFile[]; readonly diff: string; readonly restartParams: readonly string[];
    /** Each managed pgpool.conf parameter and what the edit does to it. */
    readonly changes: readonly ParamChange[];
    readonly paths: PgpoolPaths;
  }
  | { readonly ok: false; readonly reason: string; readonly diagnostics?: readonly Diagnostic[] };

export function stampSuffix(d: Date): string {
  return `.pgpool-cluster-${timestampSuffix(d)}`;
}

interface Target { readonly cluster: ClusterDefinition; readonly status: ClusterStatus; readonly options: ConfigurePgpoolOptions }

function versionsOf(t: Target): { pgpool: string; postgres: string } {
  const v = resolveVersions(t.cluster, t.status);
  return { pgpool: t.options.pgpoolVersion ?? v.pgpool, postgres: v.postgres };
}

/** The pgpool instance the plan configures (options.pgpool, else the first). */
const instanceOf = (t: Target): PgpoolInstance => pgpoolInstance(t.cluster, t.options.pgpool).inst;

/** The cluster as discovery sees it: only the instance being configured. */
const scopedCluster = (t: Target): ClusterDefinition => ({ ...t.cluster, pgpool: [instanceOf(t)] });

/** The paths of `current`, else the instance's configFile (or Debian's) with the other files beside it. */
export function pathsOf(cluster: ClusterDefinition, current?: CurrentFiles, pgpool?: string): PgpoolPaths {
  if (current?.paths) return current.paths;
  const inst = pgpoolInstance(cluster, pgpool).inst;
  const conf = inst.configFile ?? '/etc/pgpool2/pgpool.conf';
  const dir = path.posix.dirname(conf);
  return {
    configFile: conf, pcpFile: path.posix.join(dir, 'pcp.conf'), hbaFile: path.posix.join(dir, 'pool_hba.conf'),
    source: inst.configFile ? 'cluster file (pgpool configFile)' : 'Debian default (not discovered)',
  };
}

/** The connection the tool makes to pgpool, as pool_hba.conf sees it (unknown through a tunnel). */
function hbaClient(cluster: ClusterDefinition, paths: PgpoolPaths): { address: string; database: string; user: string } | undefined {
  if (!paths.clientAddress || cluster.database.tunnel) return undefined;
  const user = cluster.database.user ?? 'postgres';
  return { address: paths.clientAddress, database: cluster.database.name ?? user, user };
}

interface PlannedFiles { readonly files: DeployFile[]; readonly changes: readonly ParamChange[]; readonly hba?: HbaEdit }

/** Every file the plan writes, edited from what `current` holds (pgpool.conf also decides the scripts' folder). */
function planFiles(t: Target, current: CurrentFiles): PlannedFiles {
  const { cluster } = t;
  const inst = instanceOf(t);
  const v = versionsOf(t);
  const paths = pathsOf(cluster, current, t.options.pgpool);
  const currentConf = current.get(fileKey(inst.name, paths.configFile));
  const input = pgpoolConfigInput(cluster, currentConf, {
    pgpoolVersion: v.pgpool, postgresMajor: v.postgres, profile: detectionProfiles[t.options.profile ?? 'fast'], confPath: paths.configFile,
    ...(paths.home ? { pgpoolHome: paths.home } : {}),
    ...(t.options.pgpool ? { pgpool: t.options.pgpool } : {}), ...(t.options.watchdog ? { watchdog: t.options.watchdog } : {}),
    ...(t.options.failoverMaxLagBytes !== undefined ? { failoverMaxLagBytes: t.options.failoverMaxLagBytes } : {}),
  });
  const edit = editPgpoolConf(currentConf, generatePgpoolConf(input));
  const files: DeployFile[] = [{ host: inst.name, path: paths.configFile, content: edit.text, mode: 0o640, secret: false }];
  const currentHba = current.get(fileKey(inst.name, paths.hbaFile));
  const client = hbaClient(cluster, paths);
  let hba: HbaEdit | undefined;
  if (currentHba === undefined) {
    files.push({ host: inst.name, path: paths.hbaFile, content: generatePoolHba([client ? `${client.address}/32` : '127.0.0.1/32']), mode: 0o640, secret: false });
  } else if (client) {
    hba = editPoolHba(currentHba, client);
    files.push({ host: inst.name, path: paths.hbaFile, content: hba.text, mode: 0o640, secret: false });
  }
  if (t.options.pcpPassword !== undefined) {
    const user = inst.pcpUser ?? 'pgpool';
    const currentPcp = current.get(fileKey(inst.name, paths.pcpFile));
    const pcp = currentPcp === undefined ? generatePcpConf([{ user, password: t.options.pcpPassword }]) : editPcpConf(currentPcp, user, t.options.pcpPassword);
    files.push({ host: inst.name, path: paths.pcpFile, content: pcp, mode: 0o600, secret: true });
    files.push({ host: inst.name, path: input.pcp.passFile, content: `${passFileLine([inst.host, inst.pcpPort, user, t.options.pcpPassword])}\n`, mode: 0o600, secret: true });
  }
  const primary = currentPrimary({ cluster, status: t.status });
  for (const s of generateScripts(input)) {
    if (s.target === 'pgpool') files.push({ host: inst.name, path: path.posix.join(input.scriptsDir, s.name), content: s.content, mode: s.mode, secret: false });
    else if (s.target === 'pgpoolConf') files.push({ host: inst.name, path: path.posix.join(path.posix.dirname(paths.configFile), s.name), content: s.content, mode: s.mode, secret: false });
    else if (primary) files.push({ host: primary.name, path: path.posix.join(dataDir(primary), s.name), content: s.content, mode: s.mode, secret: false });
  }
  return { files, changes: edit.changes, ...(hba ? { hba } : {}) };
}

/** Every file the plan writes, from the files on the hosts now. */
function configurePgpoolFiles(t: Target, current: CurrentFiles): DeployFile[] {
  return planFiles(t, current).files;
}

/** The line every script the generator writes carries; a script without it is the user's own. */
const GENERATED_MARK = 'Generated by pgpool-cluster';

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
  // Runs on the node's host: that host's pass file, never the workstation's database.passfile.
  return withNodePassFile(node, [
    psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', node.host, '-p', String(node.port), '-U', cluster.database.user ?? 'postgres', '-d', db, '-c', sql,
  ]);
}

export function buildConfigurePgpoolPlan(t: Target, current: CurrentFiles): ConfigurePgpoolResult {
  const { cluster } = t;
  let inst;
  try { inst = instanceOf(t); } catch (err) { return { ok: false, reason: (err as Error).message }; }
  const v = versionsOf(t);
  if (!atLeast(v.pgpool, '3.4')) return { ok: false, reason: `pgpool-II ${v.pgpool} is older than 3.4, the oldest release this generator supports.` };
  const paths = pathsOf(cluster, current, t.options.pgpool);
  const confPath = paths.configFile;
  const oldConf = current.get(fileKey(inst.name, confPath));
  const lintOptions = { languageId: 'pgpool-conf', pgpoolVersion: v.pgpool, postgresVersion: v.postgres, fileName: 'pgpool.conf' } as const;
  const errorsOf = (text: string): Diagnostic[] => lintDocument(text, lintOptions).filter((d) => d.severity === 'error');
  const listed = (errors: readonly Diagnostic[]): string => errors.map((d) => `  line ${d.range.start.line + 1}: ${d.message} (${d.code})`).join('\n');
  if (oldConf !== undefined) {
    const errors = errorsOf(oldConf);
    if (errors.length) {
      return {
        ok: false, diagnostics: errors,
        reason: `${confPath} on ${inst.name} (${paths.source}) has ${errors.length} error(s) pgpool-II ${v.pgpool} would refuse; nothing was changed. `
          + `Fix them first (pgpool-cluster lint shows them on a copy), then re-run:\n${listed(errors)}`,
      };
    }
  }
  let planned: PlannedFiles;
  try {
    planned = planFiles(t, current);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const { files, changes } = planned;
  const conf = files[0]?.content ?? '';
  const errors = errorsOf(conf);
  if (errors.length) {
    return { ok: false, reason: `The edited pgpool.conf would have ${errors.length} lint error(s); nothing was deployed:\n${listed(errors)}`, diagnostics: errors };
  }
  const suffix = stampSuffix(t.options.now ?? new Date());
  const pass = files.find((f) => f.secret && f.path !== paths.pcpFile)?.path;
  const same = (f: DeployFile): boolean => {
    const old = current.get(fileKey(f.host, f.path));
    if (old === f.content) return true;
    // A .pcppass that already holds a working entry (any host field) is left alone.
    return f.path === pass && old !== undefined && t.options.pcpPassword !== undefined
      && pcppassCovers(old, inst.pcpPort, inst.pcpUser ?? 'pgpool', t.options.pcpPassword);
  };
  const changed = files.filter((f) => !same(f));
  const usersOwn = changed.filter((f) => {
    const old = current.get(fileKey(f.host, f.path));
    return !f.secret && f.mode === 0o750 && old !== undefined && !old.includes(GENERATED_MARK);
  });
  const diff = changed.map((f) => {
    const old = current.get(fileKey(f.host, f.path));
    if (f.secret) return `--- ${f.host}:${f.path}\n+++ ${f.host}:${f.path} (edited)\n(${old === undefined ? 'new file' : 'changed'}; content not shown: it holds a password or its hash)\n`;
    // pgpool.conf and pool_hba.conf: only the lines the edit touches, no context.
    const context = f.path === confPath || f.path === paths.hbaFile ? 0 : 3;
    // wd_authkey is a secret: its lines are masked in the diff like pass files.
    return maskSecretParams(unifiedDiff(old ?? '', f.content, old === undefined ? '/dev/null' : `${f.host}:${f.path}`, `${f.host}:${f.path} (${f.mode === 0o750 ? 'generated' : 'edited'})`, context));
  }).filter(Boolean).join('');
  const restartParams = restartParameters(oldConf, conf, v.pgpool);

  const steps: PlanStep[] = changed.map((f) => {
    const exists = current.get(fileKey(f.host, f.path)) !== undefined;
    const edited = f.path === confPath || f.path === paths.hbaFile || f.path === paths.pcpFile;
    const own = usersOwn.includes(f);
    const verb = !exists ? 'Create' : edited ? 'Edit' : own ? 'Replace your own' : 'Replace';
    return {
      id: `write-${f.host}-${path.posix.basename(f.path)}`, title: `${verb} ${f.path} on ${f.host}`,
      why: !exists ? 'The file does not exist yet.'
        : edited ? `Only the lines pgpool-cluster manages change (see the diff); the old file is kept as ${f.path}${suffix}.`
          : `${own ? 'This script was not written by pgpool-cluster; ' : ''}the generated file differs from the one on ${f.host}; the old one is kept as ${f.path}${suffix}.`,
      destructive: false,
      action: { kind: 'write-file', host: f.host, path: f.path, content: f.content, mode: f.mode, ...(exists ? { backupSuffix: suffix } : {}), ...(f.secret ? { secret: true } : {}) },
      onFailure: `Files written before this step are in place (backups beside them, suffix ${suffix}); pgpool has not reloaded them.`,
      causes: 'permissions, disk',
    };
  });
  const primary = currentPrimary({ cluster, status: t.status });
  const warnings: string[] = [];
  for (const f of usersOwn) {
    warnings.push(`${f.path} on ${f.host} is not a script pgpool-cluster wrote: it is replaced by the generated one (diff above), and your version is kept as ${f.path}${suffix}.`);
  }
  if (planned.hba?.outcome === 'added') {
    warnings.push(`${paths.hbaFile}: added "${planned.hba.addedRule ?? ''}"${planned.hba.decidingRule ? ` before "${planned.hba.decidingRule}", which rejects this workstation's connections` : ''}; every other rule is kept.`);
  }
  const overrides = perNodeOverrides(oldConf, changes);
  if (overrides.length) {
    warnings.push(`Per-node settings in ${confPath} take precedence over the profile for their nodes and are left alone: ${overrides.join('; ')}. Remove them to apply the profile to those nodes.`);
  }
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
    // The operations' pcp goes to the first pgpool; another instance is reloaded through its own pcp port, on its host.
    const first = cluster.pgpool[0]?.name === inst.name;
    const reloadHere = [
      ...(inst.pcpPassFile && inst.pcpPassFile.startsWith('/') ? ['env', `PCPPASSFILE=${inst.pcpPassFile}`] : []),
      path.posix.join(inst.binDir ?? '/usr/sbin', 'pcp_reload_config'), '-h', inst.host, '-p', String(inst.pcpPort), '-U', inst.pcpUser ?? 'pgpool', '-w',
    ];
    steps.push({
      id: 'reload-pgpool', title: `Reload pgpool${first ? '' : ` on ${inst.name}`} (pcp_reload_config)`, why: 'pgpool applies reloadable parameters and re-reads pool_hba.conf on reload.',
      destructive: false, action: first ? { kind: 'pcp', tool: 'pcp_reload_config', args: [] } : { kind: 'ssh', host: inst.name, argv: reloadHere, timeoutMs: 30_000 },
      onFailure: 'The new files are on the pgpool host but pgpool still runs with the old ones. Reload or restart pgpool by hand.',
    });
  }
  if (restartParams.length) warnings.push(`pgpool must be restarted for these changed parameters to take effect (a reload ignores them): ${restartParams.join(', ')}.`);
  const profile = detectionProfiles[t.options.profile ?? 'fast'];
  const head = changed.length
    ? `Write ${changed.length} of ${files.length} file(s) for pgpool-II ${v.pgpool} (profile "${profile.name}") and reload pgpool.${restartParams.length ? ' A restart is needed afterwards.' : ''}`
    : `The ${files.length} file(s) already hold what pgpool-cluster manages; only the extension is checked.`;
  const wd = cluster.pgpool.length > 1 ? pgpoolInstance(cluster, t.options.pgpool).index : undefined;
  const vipSet = confValues(conf).get(atLeast(v.pgpool, '4.4') ? 'delegate_ip' : 'delegate_IP');
  if (wd !== undefined && !vipSet) warnings.push('No VIP (delegate_ip): clients must know every pgpool node. Give one with --vip to let the leader hold it.');
  const summary = [
    head,
    `pgpool.conf: ${confPath} on ${inst.name} (${paths.source})`,
    ...(wd !== undefined ? [
      `watchdog: pgpool node ${wd} of ${cluster.pgpool.length} (${atLeast(v.pgpool, '4.2') ? `pgpool_node_id ${wd}` : 'wd_hostname layout'}), VIP ${vipSet || 'none'}; `
      + `a lost leader is noticed within ${worstCaseLeaderLossSeconds(profile.watchdog)} s and the VIP is on the new leader within ${worstCaseVipMoveSeconds(profile.watchdog)} s (worst cases, profile "${profile.name}": heartbeat, pgpool's election, the escalation). `
      + 'Configure every pgpool instance (--pgpool NAME) and restart them.',
    ] : []),
    ...describeChanges(changes).map((l) => `  ${l}`),
  ].join('\n');
  return {
    ok: true, files, diff, restartParams, changes, paths,
    plan: {
      operation: 'configure-pgpool', cluster: cluster.name, node: inst.name, destructive: false,
      versions: v, warnings, steps, verify: cluster.nodes.map((n) => nodeUp(n.id)), summary,
    },
  };
}

/**
 * Discovers the files pgpool runs with and reads, over SSH, every file the plan would write (pgpool.conf,
 * pool_hba.conf and pcp.conf first: the others depend on them).
 */
export async function readCurrentFiles(t: Target, env: OpsEnvironment, signal?: AbortSignal): Promise<CurrentFiles> {
  const inst = instanceOf(t);
  const paths = await discoverPgpoolPaths(env, scopedCluster(t), signal);
  const current = Object.assign(new Map<string, string | undefined>(), { paths });
  // pcp.conf is read only when it will be written (with the pcp password): it is often readable by root alone.
  for (const p of [paths.configFile, paths.hbaFile, ...(t.options.pcpPassword !== undefined ? [paths.pcpFile] : [])]) {
    if (!current.has(fileKey(inst.name, p))) current.set(fileKey(inst.name, p), await readIfExists(env, inst.name, p, signal));
  }
  const rest = configurePgpoolFiles(t, current).filter((f) => !current.has(fileKey(f.host, f.path)));
  const texts = await Promise.all(rest.map((f) => readIfExists(env, f.host, f.path, signal)));
  rest.forEach((f, i) => current.set(fileKey(f.host, f.path), texts[i]));
  return current;
}
