/**
 * Which files pgpool runs with: the running pgpool's command line (`-f`, `-F`, `-a`, read from
 * /proc/PID/cmdline of the pgpool parent over SSH), else the distribution's configuration directory. The
 * cluster file's `configFile` overrides the discovered pgpool.conf.
 */
import * as path from 'node:path';
import type { ClusterDefinition, PgpoolInstance } from '../../inventory/model';
import { parseConf } from '../../conf/parser';
import { pgpoolOf, type OpsEnvironment } from '../engine/environment';
import { pgpoolParentlessLoop } from '../../remote/pgpoolProcScan';

export interface PgpoolPaths {
  readonly configFile: string;
  readonly pcpFile: string;
  readonly hbaFile: string;
  /** How configFile was found, as the plan shows it. */
  readonly source: string;
  readonly pid?: number;
  /** The workstation's address as the pgpool host sees it (sshd's SSH_CLIENT), for pool_hba.conf. */
  readonly clientAddress?: string;
  /** The home of the user the commands run as on the pgpool host: what `~/` in a path on that host means. */
  readonly home?: string;
}

/** Where distributions install pgpool.conf, in the order they are tried: Debian, RHEL (pgpool's RPMs), source. */
export const DISTRIBUTION_CONFIG_DIRS = ['/etc/pgpool2', '/etc/pgpool-II', '/usr/local/etc'] as const;

export interface PgpoolProcess {
  readonly pid: number;
  readonly cwd?: string;
  readonly argv: readonly string[];
}

export interface DiscoveryFacts {
  readonly processes: readonly PgpoolProcess[];
  readonly clientAddress?: string;
  readonly home?: string;
  /** Distribution directories that hold a pgpool.conf. */
  readonly distributionDirs: readonly string[];
}

/**
 * Lists pgpool parents (a `pgpool` process whose parent is not one): `pid`, `cwd` and one `arg` line per
 * argument, then the SSH client address and the distribution directories that hold a pgpool.conf. The shell's
 * own `read` tests each process's name, so a busy host costs no fork per process.
 */
export const DISCOVERY_SCRIPT = `${pgpoolParentlessLoop(`printf 'pid %s\\n' "\${d#/proc/}"
printf 'cwd %s\\n' "$(readlink "$d/cwd" 2>/dev/null)"
tr '\\000' '\\n' < "$d/cmdline" 2>/dev/null | sed 's/^/arg /'`)}
printf 'client %s\\n' "\${SSH_CLIENT%% *}"
printf 'home %s\\n' "$HOME"
for c in ${DISTRIBUTION_CONFIG_DIRS.join(' ')}; do [ -f "$c/pgpool.conf" ] && printf 'dir %s\\n' "$c"; done
exit 0
`;

export function parseDiscoveryOutput(stdout: string): DiscoveryFacts {
  const processes: { pid: number; cwd?: string; argv: string[] }[] = [];
  let clientAddress: string | undefined;
  let home: string | undefined;
  const distributionDirs: string[] = [];
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const cur = processes[processes.length - 1];
    if (tag === 'pid' && /^\d+$/.test(rest)) processes.push({ pid: Number(rest), argv: [] });
    else if (tag === 'cwd' && cur && rest) cur.cwd = rest;
    else if (tag === 'arg' && cur) cur.argv.push(rest);
    else if (tag === 'client' && rest.trim()) clientAddress = rest.trim();
    else if (tag === 'dir' && rest) distributionDirs.push(rest);
    else if (tag === 'home' && rest.startsWith('/')) home = rest.trim();
  }
  return { processes, ...(clientAddress ? { clientAddress } : {}), ...(home ? { home } : {}), distributionDirs };
}

const WITH_ARG: Record<string, 'configFile' | 'pcpFile' | 'hbaFile' | 'other'> = { f: 'configFile', F: 'pcpFile', a: 'hbaFile', k: 'other', m: 'other' };
const LONG: Record<string, 'configFile' | 'pcpFile' | 'hbaFile' | 'other'> = {
  'config-file': 'configFile', 'pcp-file': 'pcpFile', 'hba-file': 'hbaFile', 'key-file': 'other', mode: 'other',
};

/** pgpool's getopt options for the three files (`-f x`, `-fx`, `-nDf x`, `--config-file=x`, `--config-file x`). */
export function parsePgpoolCommandLine(argv: readonly string[], cwd?: string): { configFile?: string; pcpFile?: string; hbaFile?: string } {
  const out: { configFile?: string; pcpFile?: string; hbaFile?: string } = {};
  const set = (key: 'configFile' | 'pcpFile' | 'hbaFile' | 'other', value: string | undefined): void => {
    if (key === 'other' || value === undefined || value === '') return;
    out[key] = value.startsWith('/') || !cwd ? value : path.posix.join(cwd, value);
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = LONG[a.slice(2, eq < 0 ? undefined : eq)];
      if (!key) continue;
      set(key, eq < 0 ? argv[++i] : a.slice(eq + 1));
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const key = WITH_ARG[a[j] ?? ''];
        if (!key) continue;
        set(key, j + 1 < a.length ? a.slice(j + 1) : argv[++i]);
        break;
      }
    }
  }
  return out;
}

/** True when a pgpool.conf text serves this instance: its port, and listen_addresses naming its host or `*`. */
export function confServes(text: string, inst: PgpoolInstance): boolean {
  const values = new Map<string, string>();
  for (const e of parseConf(text, 'pgpool').entries) if (e.kind === 'setting') values.set(e.name.toLowerCase(), e.value);
  const port = Number(values.get('port') ?? '9999');
  const listen = (values.get('listen_addresses') ?? 'localhost').split(',').map((s) => s.trim());
  return port === inst.port && (listen.includes('*') || listen.includes(inst.host));
}

/**
 * Chooses the paths from the facts. With several pgpool parents on the host, the one whose pgpool.conf
 * (`confText`) serves the instance wins.
 */
export function choosePgpoolPaths(cluster: ClusterDefinition, facts: DiscoveryFacts, confText: (p: string) => string | undefined = () => undefined): PgpoolPaths {
  const inst = pgpoolOf(cluster);
  const client = { ...(facts.clientAddress ? { clientAddress: facts.clientAddress } : {}), ...(facts.home ? { home: facts.home } : {}) };
  const distDir = facts.distributionDirs[0] ?? DISTRIBUTION_CONFIG_DIRS[0];
  const candidates = facts.processes.map((p) => {
    const files = parsePgpoolCommandLine(p.argv, p.cwd);
    return { pid: p.pid, files, configFile: files.configFile ?? path.posix.join(distDir, 'pgpool.conf') };
  });
  const chosen = candidates.length === 1 ? candidates[0] : candidates.find((c) => {
    const text = confText(c.configFile);
    return text !== undefined && confServes(text, inst);
  });
  const beside = (conf: string, name: string): string => path.posix.join(path.posix.dirname(conf), name);
  if (inst.configFile) {
    const same = chosen && chosen.configFile === inst.configFile ? chosen : undefined;
    return {
      configFile: inst.configFile,
      pcpFile: same?.files.pcpFile ?? beside(inst.configFile, 'pcp.conf'),
      hbaFile: same?.files.hbaFile ?? beside(inst.configFile, 'pool_hba.conf'),
      source: `cluster file (pgpool configFile)${same ? `, the file pgpool pid ${same.pid} runs with` : chosen ? `; pgpool pid ${chosen.pid} runs with ${chosen.configFile}` : ''}`,
      ...(same ? { pid: same.pid } : {}),
      ...client,
    };
  }
  if (chosen) {
    return {
      configFile: chosen.configFile,
      pcpFile: chosen.files.pcpFile ?? beside(chosen.configFile, 'pcp.conf'),
      hbaFile: chosen.files.hbaFile ?? beside(chosen.configFile, 'pool_hba.conf'),
      source: `discovered: ${chosen.configFile} from pid ${chosen.pid}${chosen.files.configFile ? ' (pgpool -f)' : ' (no -f: the default directory)'}`,
      pid: chosen.pid,
      ...client,
    };
  }
  const why = candidates.length
    ? `none of the pgpool processes (pid ${candidates.map((c) => c.pid).join(', ')}) serves ${inst.host}:${inst.port}`
    : 'no running pgpool';
  const conf = path.posix.join(distDir, 'pgpool.conf');
  return {
    configFile: conf, pcpFile: beside(conf, 'pcp.conf'), hbaFile: beside(conf, 'pool_hba.conf'),
    source: `${facts.distributionDirs.length ? 'distribution default' : 'Debian default (no pgpool.conf found)'} ${conf}: ${why}`,
    ...client,
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

/**
 * Runs the discovery on a pgpool host (the first pgpool, or `on`) and chooses the paths; a failed probe falls
 * back to the defaults.
 */
export async function discoverPgpoolPaths(env: OpsEnvironment, whole: ClusterDefinition, signal?: AbortSignal, on?: PgpoolInstance): Promise<PgpoolPaths> {
  // The choice below reads the cluster's first pgpool: put the one asked for first.
  const cluster = on ? { ...whole, pgpool: [on, ...whole.pgpool.filter((p) => p !== on)] } : whole;
  const inst = pgpoolOf(cluster);
  let facts: DiscoveryFacts = { processes: [], distributionDirs: [] };
  let probeError: string | undefined;
  try {
    const r = await env.remote(inst.name).exec(['sh', '-c', DISCOVERY_SCRIPT], { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
    if (r.code === 0) facts = parseDiscoveryOutput(r.stdout);
    else probeError = r.stderr.trim() || `exit ${String(r.code)}`;
    if (!facts.clientAddress && (inst.ssh.sudoUser ?? cluster.ssh.sudoUser)) {
      // sudo resets the environment: ask sshd's SSH_CLIENT as the login user.
      const c = await env.remote(inst.name).exec(['sh', '-c', 'printf "%s\\n" "${SSH_CLIENT%% *}"'], { sudoUser: null, timeoutMs: 15_000, ...(signal ? { signal } : {}) });
      const address = c.code === 0 ? c.stdout.trim() : '';
      if (address) facts = { ...facts, clientAddress: address };
    }
  } catch (err) {
    probeError = err instanceof Error ? err.message : String(err);
  }
  const texts = new Map<string, string | undefined>();
  if (facts.processes.length > 1) {
    for (const p of facts.processes) {
      const conf = parsePgpoolCommandLine(p.argv, p.cwd).configFile;
      if (conf && !texts.has(conf)) texts.set(conf, await readIfExists(env, inst.name, conf, signal).catch(() => undefined));
    }
  }
  const paths = choosePgpoolPaths(cluster, facts, (p) => texts.get(p));
  return probeError ? { ...paths, source: `${paths.source} (discovery failed: ${probeError})` } : paths;
}

/** The pgpool.conf pgpool runs with (discovered; the cluster file's configFile wins), read over SFTP; undefined when absent. */
export async function readRunningPgpoolConf(env: OpsEnvironment, cluster: ClusterDefinition, signal?: AbortSignal): Promise<string | undefined> {
  const paths = await discoverPgpoolPaths(env, cluster, signal);
  return readIfExists(env, pgpoolOf(cluster).name, paths.configFile, signal);
}

