/**
 * What a plan needs from pgpool's scripts (failover script facts, the scripts' paths), cached between runs on
 * this machine and keyed by the running pgpool's command line and by its pgpool.conf's and failover script's
 * inode, size and modification time: a run where none changed pays one `stat` on the pgpool host instead of
 * the discovery of the pgpool.conf pgpool runs with and two SFTP reads.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ClusterDefinition } from '../../inventory/model';
import { readIfExists } from '../setup/configurePgpool';
import { confValues } from '../setup/configurePgpoolInput';
import { discoverPgpoolPaths } from '../setup/configurePgpoolDiscovery';
import { pgpoolOf, type OpsEnvironment } from '../engine/environment';
import { stateDir } from '../engine/lock';
import { pgpoolScriptPaths } from '../preflight/pgpoolBusy';
import { commandProgram, failoverFacts, type FailoverScriptFacts } from './pgpoolScriptFacts';

export interface PgpoolScriptProbe {
  readonly facts: FailoverScriptFacts;
  /** failover / follow_primary script paths. */
  readonly scripts: string[];
}

interface Entry extends PgpoolScriptProbe {
  /** `stat` lines of pgpool.conf and of the failover script (when it has an absolute path), then pgpool's command line. */
  readonly stamps: string;
  /** The pgpool.conf pgpool ran with when the entry was made. */
  readonly confPath: string;
  readonly failoverScript?: string;
}

/** One line per file (inode, size, modification time with nanoseconds, or "missing"), then the oldest pgpool process's command line. */
const STAT = 'for f; do stat -c "%i %s %y" -- "$f" 2>/dev/null || echo missing; done; p=$(pgrep -o -x pgpool 2>/dev/null) && tr "\\000" " " < "/proc/$p/cmdline" 2>/dev/null; :';
const statArgv = (files: readonly string[]): string[] => ['sh', '-c', STAT, 'pgpool-cluster-stat', ...files];

export const scriptCachePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(stateDir(env), 'pgpool-scripts.json');

async function readCache(file: string): Promise<Record<string, Entry>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, Entry>;
  } catch {
    return {};
  }
}

async function stamps(env: OpsEnvironment, host: string, files: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
  try {
    const r = await env.remote(host).exec(statArgv(files), { timeoutMs: 10_000, ...(signal ? { signal } : {}) });
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

export async function probePgpoolScripts(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal, cacheFile = scriptCachePath()): Promise<PgpoolScriptProbe> {
  const host = pgpoolOf(cluster).name;
  // v2: entries carry pgpool's sr_check facts; older ones are read again once.
  const key = `${cluster.name}|${host}|v2`;
  const cached = (await readCache(cacheFile))[key];
  if (typeof cached?.confPath === 'string' && typeof cached.stamps === 'string') {
    const now = await stamps(env, host, [cached.confPath, ...(cached.failoverScript ? [cached.failoverScript] : [])], signal);
    if (now !== undefined && now === cached.stamps) return { facts: cached.facts, scripts: cached.scripts };
  }
  const confPath = (await discoverPgpoolPaths(env, cluster, signal)).configFile;
  const confText = readIfExists(env, host, confPath, signal).catch(() => undefined);
  const conf = confText.then((t) => confValues(t));
  const failoverScript = commandProgram(await conf, 'failover_command');
  const scriptFile = failoverScript?.startsWith('/') ? failoverScript : undefined;
  // Stamped while the script is read: a file changed in that moment is read again once it changes next.
  const [stamp, facts, scripts] = await Promise.all([
    stamps(env, host, [confPath, ...(scriptFile ? [scriptFile] : [])], signal),
    failoverFacts(cluster, env, signal, conf),
    pgpoolScriptPaths(cluster, env, signal, conf),
  ]);
  if (stamp !== undefined && (await confText) !== undefined && !stamp.includes('missing')) {
    const all = await readCache(cacheFile);
    all[key] = { stamps: stamp, confPath, ...(scriptFile ? { failoverScript: scriptFile } : {}), facts, scripts };
    try {
      await mkdir(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}`;
      await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
      await rename(tmp, cacheFile);
    } catch { /* a cache that cannot be written only costs the next run two reads */ }
  }
  return { facts, scripts };
}
