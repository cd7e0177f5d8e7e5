/**
 * "Check cluster": a read-only preflight like repmgr's cluster crosscheck. Every cell is probed from the
 * host that needs the access (ssh hops and pg_isready run ON the source host through our SSH connection,
 * as the PostgreSQL OS user, with BatchMode so nothing prompts); a failing cell says how to fix it.
 */
import * as path from 'node:path';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import { confValues } from '../setup/configurePgpoolInput';
import { readRunningPgpoolConf } from '../setup/configurePgpoolDiscovery';
import { readIfExists } from '../setup/configurePgpool';
import { describeGuardState, guardStatusArgv, parseGuardStatus } from '../setup/fenceGuard';
import { applyDiscovery, NOTHING_DISCOVERED } from './discovery';
import { pgpoolOf, type OpsEnvironment } from '../engine/environment';
import { hopSshArgv, hostToHost, neededHops, type ClusterHost } from '../setup/hostToHost';
import { currentPrimary, resolveVersions } from '../engine/input';
import { describeHostPassFile } from '../../inventory/hostPath';
import { conninfo, nodePassFile, pgAtLeast, withNodePassFile } from '../engine/pgCommands';
import { nodePassFileCell, pcpPassFileCell, type PassFileCell } from './passFileCheck';
import { scriptHopArgv, scriptSsh, type ScriptSshResult } from './scriptSsh';
import { commandProgram, followPrimaryProgram, respectsFences, scriptWaitsForCleanStop } from '../handover/pgpoolScriptFacts';
import { FENCE_MARK_SUFFIX } from '../../status/fenceMark';
import { atLeast } from '../setup/pgpoolConfig/version';
import { checkWatchdogHost } from './watchdogCheck';
import type { CheckCell } from './checkCell';

export type { CheckCell, CheckSection } from './checkCell';

export interface CheckReport {
  readonly cluster: string;
  readonly ok: boolean;
  readonly cells: readonly CheckCell[];
}

type Cells = CheckCell | readonly CheckCell[];
type Probe = () => Promise<Cells>;

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const firstLine = (s: string): string => s.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
/** A node's own client tools; on the pgpool host, PATH's. */
const bin = (h: ClusterHost, tool: string): string => ('pcpPort' in h || !h.binDir ? tool : path.posix.join(h.binDir, tool));

async function limited(probes: readonly Probe[], width: number): Promise<CheckCell[]> {
  const out: Cells[] = new Array<Cells>(probes.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, probes.length) }, async () => {
    for (let i = next++; i < probes.length; i = next++) out[i] = await (probes[i] as Probe)();
  }));
  return out.flat();
}

function sshFix(stderr: string, from: string, to: string): string {
  if (/host key verification failed|no .* host key is known/i.test(stderr)) return `${to}'s host key is missing from ${from}'s known_hosts: run "pgpool-cluster setup-ssh-trust".`;
  if (/permission denied/i.test(stderr)) return `${from}'s public key is not in ${to}'s authorized_keys (or ${from} has no key): run "pgpool-cluster setup-ssh-trust".`;
  if (/connection refused|timed out|no route/i.test(stderr)) return `sshd on ${to} does not answer from ${from}: start it or open the port.`;
  return 'Run "pgpool-cluster setup-ssh-trust", then check sshd on the target.';
}

/** Runs a command on `host`; our own SSH connection failing is reported in the cell too. */
async function onHost(env: OpsEnvironment, host: string, argv: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; out: string; err: string }> {
  const r = await env.remote(host).exec(argv, { timeoutMs, sudoUser: null });
  return { code: r.timedOut ? null : r.code, out: r.stdout, err: r.stderr };
}

/** How pgpool's scripts connect, per side: the pgpool host's (failover, follow_primary) and the nodes' (online recovery). */
export interface ScriptHops {
  readonly fromPgpool?: { readonly script: string; readonly how: ScriptSshResult };
  readonly fromNodes?: { readonly script: string; readonly how: ScriptSshResult };
}

/** The first script of each side that runs ssh (or cannot be read as such) decides how that side's hops are tested. */
async function readScriptHops(cluster: ClusterDefinition, env: OpsEnvironment, conf: ReadonlyMap<string, string>, primary: NodeDefinition | undefined): Promise<ScriptHops> {
  const inst = pgpoolOf(cluster);
  const pick = async (host: string, files: readonly string[]): Promise<{ script: string; how: ScriptSshResult } | undefined> => {
    for (const f of files) {
      const text = await readIfExists(env, host, f).catch(() => undefined);
      if (text === undefined) continue;
      const how = scriptSsh(text);
      if (how.kind !== 'none') return { script: f, how };
    }
    return undefined;
  };
  const pgpoolScripts = [commandProgram(conf, 'failover_command'), commandProgram(conf, 'follow_primary_command') ?? commandProgram(conf, 'follow_master_command')]
    .filter((x): x is string => !!x && x.startsWith('/'));
  const stage = commandProgram(conf, 'recovery_1st_stage_command');
  const nodeScripts = primary?.dataDirectory ? [stage, 'pgpool_remote_start'].filter((x): x is string => !!x).map((f) => (f.startsWith('/') ? f : path.posix.join(primary.dataDirectory!, f))) : [];
  const [fromPgpool, fromNodes] = await Promise.all([pick(inst.name, pgpoolScripts), primary ? pick(primary.name, nodeScripts) : undefined]);
  return { ...(fromPgpool ? { fromPgpool } : {}), ...(fromNodes ? { fromNodes } : {}) };
}

function sshProbes(cluster: ClusterDefinition, env: OpsEnvironment, scripts: Promise<ScriptHops>): Probe[] {
  return neededHops(cluster).map((hop) => async () => {
    const viaScript = 'pcpPort' in hop.from ? (await scripts).fromPgpool : (await scripts).fromNodes;
    const to = hostToHost(cluster, hop.to);
    if (viaScript?.how.kind === 'unknown') {
      return {
        section: 'ssh' as const, from: hop.from.name, to: hop.to.name, what: `ssh as ${path.posix.basename(viaScript.script)} does it`, ok: true, unknown: true,
        detail: `cannot know: ${viaScript.script} line ${viaScript.how.line}: ${viaScript.how.why}; run that script's ssh by hand from ${hop.from.name} to test it`,
      };
    }
    const scripted = viaScript?.how.kind === 'ssh' ? viaScript.how.ssh : undefined;
    const argv = scripted ? scriptHopArgv(scripted, hop.to.host, to.user, to.port) : hopSshArgv(hostToHost(cluster, hop.from), hop.to, to, ['true']);
    const what = scripted
      ? `ssh as ${path.posix.basename(viaScript!.script)} does it (${[scripted.configFile ? `-F ${scripted.configFile}` : '', scripted.identityFile ? `-i ${scripted.identityFile}` : '', `${scripted.user ?? (scripted.configFile ? '(from its config)' : to.user)}@${hop.to.host}`].filter(Boolean).join(' ')}, BatchMode)`
      : `ssh ${to.user}@${hop.to.host} (BatchMode)`;
    const base = { section: 'ssh' as const, from: hop.from.name, to: hop.to.name, what };
    try {
      const r = await onHost(env, hop.from.name, argv);
      return r.code === 0 ? { ...base, ok: true, detail: 'ok' } : { ...base, ok: false, detail: firstLine(r.err) || `exit ${r.code ?? 'timeout'}`, fix: sshFix(r.err, hop.from.name, hop.to.name) };
    } catch (err) {
      return { ...base, ok: false, detail: `cannot reach ${hop.from.name} over SSH: ${msg(err)}`, fix: `Check this machine's SSH access to ${hop.from.name} (cluster file ssh settings).` };
    }
  });
}

function portProbes(cluster: ClusterDefinition, env: OpsEnvironment): Probe[] {
  const sources: ClusterHost[] = [...cluster.pgpool, ...cluster.nodes];
  return sources.flatMap((from) => cluster.nodes.filter((n) => n !== from).map((n) => async () => {
    const base = { section: 'postgres-port' as const, from: from.name, to: n.name, what: `pg_isready -h ${n.host} -p ${n.port}` };
    try {
      const r = await onHost(env, from.name, [bin(from, 'pg_isready'), '-h', n.host, '-p', String(n.port), '-t', '5']);
      const states: Record<number, string> = { 0: 'accepting connections', 1: 'rejecting connections (starting or stopping)', 2: 'no response', 3: 'no attempt (bad parameters)' };
      const detail = r.code === null ? 'timed out' : states[r.code] ?? `exit ${r.code}: ${firstLine(r.err)}`;
      return r.code === 0 ? { ...base, ok: true, detail } : {
        ...base, ok: false, detail,
        fix: r.code === 127 ? `Install the PostgreSQL client tools on ${from.name}.` : `Start PostgreSQL on ${n.name} (pg_ctl start), check listen_addresses/port, and any firewall between ${from.name} and ${n.name}.`,
      };
    } catch (err) {
      return { ...base, ok: false, detail: msg(err), fix: `Check this machine's SSH access to ${from.name}.` };
    }
  }));
}

function replicationProbes(cluster: ClusterDefinition, env: OpsEnvironment, primary: NodeDefinition | undefined): Probe[] {
  const user = cluster.replication.user ?? 'replicator';
  if (!primary) return [async () => ({ section: 'replication', from: '-', to: '-', what: 'replication connections', ok: false, detail: 'no running primary', fix: 'Start the primary, or promote a standby.' })];
  return cluster.nodes.filter((n) => n !== primary).map((n) => async () => {
    const ci = conninfo({ host: primary.host, port: primary.port, user, replication: 'true', dbname: 'replication', connect_timeout: 5 });
    const base = { section: 'replication' as const, from: n.name, to: primary.name, what: `replication connection as ${user}` };
    try {
      const r = await onHost(env, n.name, withNodePassFile(n, [bin(n, 'psql'), '-X', '-At', '-d', ci, '-c', 'IDENTIFY_SYSTEM']));
      return r.code === 0 ? { ...base, ok: true, detail: 'ok' } : {
        ...base, ok: false, detail: firstLine(r.err) || `exit ${r.code ?? 'timeout'}`,
        fix: /pg_hba/.test(r.err) ? `Add a "host replication ${user} ${n.host}/32 scram-sha-256" line to ${primary.name}'s pg_hba.conf and reload (setup-replication does it).`
          : /password/.test(r.err) ? `Put ${user}'s password in ${describeHostPassFile(nodePassFile(n), '.pgpass', undefined, n.name)}, or set it with "pgpool-cluster setup-replication".`
            : `Check that ${primary.name} accepts replication connections (max_wal_senders, pg_hba.conf).`,
      };
    } catch (err) {
      return { ...base, ok: false, detail: msg(err), fix: `Check this machine's SSH access to ${n.name}.` };
    }
  });
}

const SETTINGS_SQL = "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level','max_wal_senders','hot_standby','wal_log_hints','data_checksums','server_version_num')";

function nodeProbes(cluster: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment): Probe[] {
  const expected = resolveVersions(cluster, status).postgres;
  const standbys = Math.max(1, cluster.nodes.length - 1);
  return cluster.nodes.map((n) => async () => {
    const base = { section: 'settings' as const, from: 'this machine', to: n.name };
    try {
      const rows = await env.sql(n.name).query<{ name: string; setting: string }>(SETTINGS_SQL, [], { timeoutMs: 5000 });
      const s = new Map(rows.map((r) => [r.name, r.setting]));
      const problems: string[] = [];
      const fixes: string[] = [];
      if (!['replica', 'logical', 'hot_standby', 'archive'].includes(s.get('wal_level') ?? '')) { problems.push(`wal_level=${s.get('wal_level')}`); fixes.push("ALTER SYSTEM SET wal_level = 'replica' (restart)"); }
      if (Number(s.get('max_wal_senders') ?? 0) < standbys + 1) { problems.push(`max_wal_senders=${s.get('max_wal_senders')}`); fixes.push(`ALTER SYSTEM SET max_wal_senders = ${standbys + 2} (restart)`); }
      if (s.get('hot_standby') !== 'on') { problems.push('hot_standby=off'); fixes.push('ALTER SYSTEM SET hot_standby = on (restart)'); }
      if (s.get('wal_log_hints') !== 'on' && s.get('data_checksums') !== 'on') { problems.push('wal_log_hints=off and no data checksums (pg_rewind impossible)'); fixes.push('ALTER SYSTEM SET wal_log_hints = on (restart)'); }
      const num = Number(s.get('server_version_num') ?? 0);
      const major = num >= 100000 ? String(Math.floor(num / 10000)) : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
      const settingsCell: CheckCell = problems.length
        ? { ...base, what: 'replication settings', ok: false, detail: problems.join(', '), fix: `On ${n.name}: ${fixes.join('; ')}.` }
        : { ...base, what: 'replication settings', ok: true, detail: `wal_level=${s.get('wal_level')}, max_wal_senders=${s.get('max_wal_senders')}, hot_standby=on, ${s.get('wal_log_hints') === 'on' ? 'wal_log_hints=on' : 'data checksums'}` };
      const versionOk = major === expected;
      return [settingsCell, {
        section: 'version' as const, from: 'this machine', to: n.name, what: 'PostgreSQL major', ok: versionOk, detail: `PostgreSQL ${major}${versionOk ? '' : `, expected ${expected}`}`,
        ...(versionOk ? {} : { fix: 'Every node must run the same major version (pg_rewind and pg_basebackup need it); fix postgresVersion in the cluster file or upgrade.' }),
      }];
    } catch (err) {
      return { ...base, what: 'replication settings', ok: false, detail: `cannot query: ${msg(err)}`, fix: `Start PostgreSQL on ${n.name} and check the cluster file's database settings.` };
    }
  });
}

function pgpoolProbes(cluster: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment, primary: NodeDefinition | undefined, runningConf: Promise<string | undefined>): Probe[] {
  const inst = pgpoolOf(cluster);
  const pgpoolVersion = resolveVersions(cluster, status).pgpool;
  const probes: Probe[] = [async () => {
    const base = { section: 'pcp' as const, from: inst.name, to: inst.name, what: `pcp_node_count -h ${inst.host} -p ${inst.pcpPort}` };
    try {
      const out = await env.pcp('pcp_node_count', [], { timeoutMs: 10_000 });
      return { ...base, ok: true, detail: `${out.trim()} nodes` };
    } catch (err) {
      return { ...base, ok: false, detail: msg(err), fix: `Check pgpool runs, pcp_port/pcp_listen_addresses, pcp.conf and the .pcppass file (${inst.pcpPassFile ?? '~/.pcppass'}); "pgpool-cluster configure-pgpool" writes them.` };
    }
  }];
  const scripts = async (): Promise<{ conf: ReadonlyMap<string, string>; pgpool: string[]; data: string[] }> => {
    const conf = confValues(await runningConf);
    const first = (k: string): string | undefined => commandProgram(conf, k);
    return {
      conf,
      pgpool: [first('failover_command'), first('follow_primary_command') ?? first('follow_master_command')].filter((x): x is string => !!x),
      data: [first('recovery_1st_stage_command'), 'pgpool_remote_start'].filter((x): x is string => !!x),
    };
  };
  const once = scripts();
  const testX = (host: ClusterHost, file: string, where: string): Probe => async () => {
    const base = { section: 'scripts' as const, from: host.name, to: host.name, what: `${where} ${path.posix.basename(file)}` };
    try {
      const r = await onHost(env, host.name, ['test', '-x', file]);
      return r.code === 0 ? { ...base, ok: true, detail: file } : { ...base, ok: false, detail: `${file} missing or not executable`, fix: 'Run "pgpool-cluster configure-pgpool" (it installs the scripts).' };
    } catch (err) {
      return { ...base, ok: false, detail: msg(err), fix: `Check this machine's SSH access to ${host.name}.` };
    }
  };
  probes.push(async () => {
    const s = await once.catch(() => ({ conf: new Map<string, string>(), pgpool: [], data: [] }));
    const cells = await limited([
      ...s.pgpool.filter((f) => f.startsWith('/')).map((f) => testX(inst, f, 'pgpool host:')),
      ...cluster.nodes.filter((n) => n.dataDirectory).flatMap((n) => s.data.map((f) => testX(n, path.posix.join(n.dataDirectory ?? '', f), 'data directory:'))),
    ], 4);
    return cells;
  });
  if (pgAtLeast(resolveVersions(cluster, status), '10')) {
    probes.push(async () => {
      const base = { section: 'scripts' as const, from: inst.name, to: inst.name, what: 'failover_command waits for a clean stop' };
      const conf = (await once.catch(() => undefined))?.conf;
      if (!conf || /^(off|false|no|0)$/i.test(conf.get('failover_on_backend_shutdown')?.replace(/'/g, '').trim() ?? '')) return [];
      const waits = await scriptWaitsForCleanStop(env, inst.name, conf);
      if (waits === undefined) return [];
      return waits ? { ...base, ok: true, detail: 'the script waits until a stopping primary has stopped before it promotes' }
        : { ...base, ok: false, detail: "the script is not one that waits for a stopping primary: pgpool fails over when a clean shutdown begins (failover_on_backend_shutdown), and promoting then can lose the primary's last WAL; switchover and fenced promote fall back to detaching every standby first (slower)",
          fix: 'Run "pgpool-cluster configure-pgpool" (its failover.sh waits), or set failover_on_backend_shutdown = off.' };
    });
  }
  probes.push(async () => {
    // A follow_primary that rewinds and starts every node it finds running undoes a fence (pg_rewind replaces pg_hba.conf).
    const conf = (await once.catch(() => undefined))?.conf;
    const script = conf ? followPrimaryProgram(conf) : undefined;
    if (!script) return [];
    const text = await readIfExists(env, inst.name, script).catch(() => undefined);
    if (text === undefined) return [];
    const base = { section: 'scripts' as const, from: inst.name, to: inst.name, what: 'follow_primary leaves fenced nodes alone' };
    return respectsFences(text) ? { ...base, ok: true, detail: `${script} leaves a node with a fence mark alone until recover rejoins it` }
      : { ...base, ok: false, detail: `${script} does not know fences: after a failover it may rewind a node "pgpool-cluster fence" stopped, which replaces its pg_hba (the fence block goes), and start it`,
        fix: `Run "pgpool-cluster configure-pgpool" (its follow_primary.sh leaves fenced nodes alone), or make your script skip a node whose data directory has a sibling file <data directory>${FENCE_MARK_SUFFIX}.` };
  });
  if (primary) {
    const db = atLeast(pgpoolVersion, '4.7') ? 'postgres' : 'template1';
    probes.push(async () => {
      const base = { section: 'extension' as const, from: primary.name, to: primary.name, what: `pgpool_recovery in ${db}` };
      const argv = withNodePassFile(primary, [bin(primary, 'psql'), '-X', '-At',
        '-h', primary.host, '-p', String(primary.port), '-U', cluster.database.user ?? 'postgres', '-d', db, '-c', "SELECT count(*) FROM pg_extension WHERE extname = 'pgpool_recovery'"]);
      try {
        const r = await onHost(env, primary.name, argv);
        const ok = r.code === 0 && r.out.trim() === '1';
        return ok ? { ...base, ok, detail: 'installed' } : { ...base, ok, detail: r.code === 0 ? 'not installed' : firstLine(r.err), fix: 'Run "pgpool-cluster configure-pgpool" (CREATE EXTENSION pgpool_recovery; needs the pgpool2 extension package on the nodes).' };
      } catch (err) {
        return { ...base, ok: false, detail: msg(err), fix: `Check this machine's SSH access to ${primary.name}.` };
      }
    });
  }
  return probes;
}

/** Each host's own pass files (never the workstation's): the nodes' .pgpass and, where pcp runs, the .pcppass. */
function passFileProbes(cluster: ClusterDefinition, env: OpsEnvironment): Probe[] {
  const cell = (c: PassFileCell | undefined): Cells => (c ? { section: 'pass-files', ...c } : []);
  return [
    ...cluster.nodes.map((n) => async () => cell(await nodePassFileCell(cluster, env, n))),
    async () => cell(await pcpPassFileCell(cluster, env, await env.pcpPlacement?.())),
  ];
}

/** The fence guard on each node (opt-in: not installed passes; installed but not running fails). */
function guardProbes(cluster: ClusterDefinition, env: OpsEnvironment): Probe[] {
  return cluster.nodes.filter((n) => n.dataDirectory).map((n) => async () => {
    const base = { section: 'guard' as const, from: n.name, to: n.name, what: 'fence guard' };
    try {
      const r = await onHost(env, n.name, guardStatusArgv(n));
      if (r.code !== 0) return { ...base, ok: false, detail: firstLine(r.err) || `exit ${r.code ?? 'none'}`, fix: `Check this machine's SSH access to ${n.name}.` };
      const { state } = parseGuardStatus(r.out);
      const detail = describeGuardState(state);
      return state.state === 'stopped'
        ? { ...base, ok: false, detail, fix: `Run "pgpool-cluster guard install ${n.name}" (or "guard remove ${n.name}" if it should not run).` }
        : { ...base, ok: true, detail: state.state === 'absent' ? `${detail} (opt-in: pgpool-cluster guard install)` : detail };
    } catch (err) {
      return { ...base, ok: false, detail: msg(err), fix: `Check this machine's SSH access to ${n.name}.` };
    }
  });
}

/** Probes everything; never changes anything. */
export async function checkCluster(file: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment): Promise<CheckReport> {
  // What the file leaves out comes from the hosts; every probe then uses it, and the report lists it first.
  const discovered = env.discover ? await env.discover(status) : NOTHING_DISCOVERED;
  const cluster = applyDiscovery(file, discovered);
  const discoveryCells: CheckCell[] = [
    ...discovered.notes.map((n) => ({ section: 'discovery' as const, from: n.split(':')[0] ?? '', to: n.split(':')[0] ?? '', what: 'discovered', ok: true, detail: n.slice(n.indexOf(':') + 1).trim() })),
    ...discovered.missing.map((n) => ({ section: 'discovery' as const, from: n.split(':')[0] ?? '', to: n.split(':')[0] ?? '', what: 'discovery', ok: false, detail: n.slice(n.indexOf(':') + 1).trim(), fix: 'Install the programs there, or name their directory (binDir) in the cluster file.' })),
  ];
  const primary = currentPrimary({ cluster, status });
  // The pgpool.conf pgpool runs with (its command line's -f), read once for the script and hop probes.
  const runningConf = readRunningPgpoolConf(env, cluster);
  void runningConf.catch(() => undefined); // awaited by the probes; a failed read is handled there
  const scripts = (async (): Promise<ScriptHops> => {
    try {
      const conf = confValues(await runningConf);
      return await readScriptHops(cluster, env, conf, primary);
    } catch {
      return {};
    }
  })();
  const probes = [
    ...sshProbes(cluster, env, scripts), ...portProbes(cluster, env), ...replicationProbes(cluster, env, primary), ...passFileProbes(cluster, env),
    ...nodeProbes(cluster, status, env), ...pgpoolProbes(cluster, status, env, primary, runningConf),
    ...cluster.pgpool.map((inst) => async () => (await checkWatchdogHost(cluster, inst, env, status.pgpool.version)).map((c) => ({ section: 'watchdog' as const, ...c }))),
    ...guardProbes(cluster, env),
  ];
  const cells = [...discoveryCells, ...await limited(probes, 6)];
  return { cluster: cluster.name, ok: cells.every((c) => c.ok), cells };
}
