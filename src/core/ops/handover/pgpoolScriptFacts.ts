/**
 * What switchover and promote need to know about the failover_command script installed on the pgpool host:
 * whether it waits for a clean shutdown to finish before promoting, and whether it promotes the node named in
 * a target file (then no standby has to be detached). Read over SFTP: pgpool.conf names the script, the script
 * carries the markers. pgpool.conf is read once for these facts and for the scripts' paths (pgpoolBusy.ts).
 */
import { readIfExists } from '../setup/configurePgpool';
import { confValues } from '../setup/configurePgpoolInput';
import { readRunningPgpoolConf } from '../setup/configurePgpoolDiscovery';
import { pgpoolOf, type OpsEnvironment } from '../engine/environment';
import type { SrCheck } from '../engine/input';
import type { ClusterDefinition } from '../../inventory/model';
import { CLEAN_STOP_MARKER, failoverTargetFileOf, FOLLOW_FENCE_MARKER, pgpoolCommandProgram } from '../setup/pgpoolConfig';

/** The program a pgpool.conf command setting runs (its first word as pgpool and sh read it). */
export function commandProgram(conf: ReadonlyMap<string, string>, key: string): string | undefined {
  const line = conf.get(key);
  return line ? pgpoolCommandProgram(line) : undefined;
}

export interface FailoverScriptFacts {
  /** true / false when the script could be read; undefined when it could not (or is no absolute path). */
  readonly waitsForCleanStop?: boolean;
  /** The file the script reads the operator's chosen node from; undefined for scripts without that marker. */
  readonly targetFile?: string;
  /** The script's absolute path, as pgpool.conf's failover_command names it. */
  readonly script?: string;
  /** pgpool's streaming-replication check (sr_check_user, sr_check_period) when it runs (period above 0). */
  readonly srCheck?: SrCheck;
}


/** pgpool's defaults when pgpool.conf leaves them out: sr_check_period 10 s, sr_check_user "nobody". */
export function srCheckOf(conf: ReadonlyMap<string, string>): SrCheck | undefined {
  if (conf.size === 0) return undefined;
  const period = conf.get('sr_check_period');
  const periodS = period === undefined ? 10 : /^\d+$/.test(period) ? Number(period) : undefined;
  const user = conf.get('sr_check_user') ?? 'nobody';
  return periodS !== undefined && periodS > 0 && user !== '' ? { user, periodS } : undefined;
}

/** The facts of the failover_command script pgpool.conf names. */
export async function failoverScriptFacts(env: OpsEnvironment, host: string, conf: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<FailoverScriptFacts> {
  const sr = srCheckOf(conf);
  const base: FailoverScriptFacts = sr ? { srCheck: sr } : {};
  const script = commandProgram(conf, 'failover_command');
  if (!script?.startsWith('/')) return base;
  try {
    const text = await readIfExists(env, host, script, signal);
    if (text === undefined) return base;
    const targetFile = failoverTargetFileOf(text);
    return { ...base, waitsForCleanStop: text.includes(CLEAN_STOP_MARKER), script, ...(targetFile ? { targetFile } : {}) };
  } catch {
    return base;
  }
}

/** true / false when the failover_command script could be read; undefined when it could not (or is no absolute path). */
export async function scriptWaitsForCleanStop(env: OpsEnvironment, host: string, conf: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<boolean | undefined> {
  return (await failoverScriptFacts(env, host, conf, signal)).waitsForCleanStop;
}

/** pgpool.conf of the cluster's pgpool, read once per operation; an empty map when it cannot be read. */
export async function readPgpoolConf(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<ReadonlyMap<string, string>> {
  try {
    return confValues(await readRunningPgpoolConf(env, cluster, signal));
  } catch {
    return new Map();
  }
}

/** The same, reading pgpool.conf first (or taking it already read); {} when pgpool.conf or the script could not be read. */
export async function failoverFacts(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal, conf?: Promise<ReadonlyMap<string, string>>): Promise<FailoverScriptFacts> {
  try {
    return await failoverScriptFacts(env, pgpoolOf(cluster).name, await (conf ?? readPgpoolConf(cluster, env, signal)), signal);
  } catch {
    return {};
  }
}

/** Whether the script waits for a clean shutdown; undefined when pgpool.conf or the script could not be read. */
export async function failoverWaitsForCleanStop(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<boolean | undefined> {
  return (await failoverFacts(cluster, env, signal)).waitsForCleanStop;
}

/** pgpool.conf's follow_primary script (follow_master before 4.2), when it is an absolute path. */
export const followPrimaryProgram = (conf: ReadonlyMap<string, string>): string | undefined => {
  const script = commandProgram(conf, 'follow_primary_command') ?? commandProgram(conf, 'follow_master_command');
  return script?.startsWith('/') ? script : undefined;
};

/** Whether a follow_primary script leaves fenced nodes alone (the generated one says so on its marker line). */
export const respectsFences = (script: string): boolean => script.includes(FOLLOW_FENCE_MARKER);

/**
 * The follow_primary script and whether it respects fences; undefined when none is set or it cannot be read within
 * `withinMs` (fence must not wait on a pgpool host that does not answer: the false primary takes writes meanwhile).
 */
export async function followPrimaryFenceFacts(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal, withinMs = 5000): Promise<{ script: string; respects: boolean } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, withinMs, undefined); timer.unref(); });
  try {
    return await Promise.race([readFollowPrimary(cluster, env, signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function readFollowPrimary(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<{ script: string; respects: boolean } | undefined> {
  try {
    const script = followPrimaryProgram(await readPgpoolConf(cluster, env, signal));
    if (!script) return undefined;
    const text = await readIfExists(env, pgpoolOf(cluster).name, script, signal);
    return text === undefined ? undefined : { script, respects: respectsFences(text) };
  } catch {
    return undefined;
  }
}
