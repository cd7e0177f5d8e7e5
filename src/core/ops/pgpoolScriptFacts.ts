/**
 * What switchover and promote need to know about the failover_command script installed on the pgpool host:
 * whether it waits for a clean shutdown to finish before promoting (scripts from this version on). Read over
 * SFTP: pgpool.conf names the script, the script carries CLEAN_STOP_MARKER.
 */
import { readIfExists } from './configurePgpool';
import { confValues } from './configurePgpoolInput';
import { readRunningPgpoolConf } from './configurePgpoolDiscovery';
import { pgpoolOf, type OpsEnvironment } from './environment';
import type { ClusterDefinition } from '../inventory/model';
import { CLEAN_STOP_MARKER, pgpoolCommandProgram } from './pgpoolConfig';

/** The program a pgpool.conf command setting runs (its first word as pgpool and sh read it). */
export function commandProgram(conf: ReadonlyMap<string, string>, key: string): string | undefined {
  const line = conf.get(key);
  return line ? pgpoolCommandProgram(line) : undefined;
}

/** true / false when the failover_command script could be read; undefined when it could not (or is no absolute path). */
export async function scriptWaitsForCleanStop(env: OpsEnvironment, host: string, conf: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<boolean | undefined> {
  const script = commandProgram(conf, 'failover_command');
  if (!script?.startsWith('/')) return undefined;
  try {
    const text = await readIfExists(env, host, script, signal);
    return text === undefined ? undefined : text.includes(CLEAN_STOP_MARKER);
  } catch {
    return undefined;
  }
}

/** The same, reading pgpool.conf first; undefined when pgpool.conf or the script could not be read. */
export async function failoverWaitsForCleanStop(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<boolean | undefined> {
  try {
    const inst = pgpoolOf(cluster);
    return await scriptWaitsForCleanStop(env, inst.name, confValues(await readRunningPgpoolConf(env, cluster, signal)), signal);
  } catch {
    return undefined;
  }
}
