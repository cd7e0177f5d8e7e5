/**
 * What switchover and promote need to know about the failover_command script installed on the pgpool host:
 * whether it waits for a clean shutdown to finish before promoting (scripts from this version on). Read over
 * SFTP: pgpool.conf names the script, the script carries CLEAN_STOP_MARKER.
 */
import { readIfExists } from './configurePgpool';
import { confValues, pgpoolConfPath } from './configurePgpoolInput';
import { pgpoolOf, type OpsEnvironment } from './environment';
import type { ClusterDefinition } from '../inventory/model';
import { CLEAN_STOP_MARKER } from './pgpoolConfig';

/** true / false when the script could be read; undefined when pgpool.conf or the script could not. */
export async function failoverWaitsForCleanStop(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<boolean | undefined> {
  try {
    const inst = pgpoolOf(cluster);
    const script = confValues(await readIfExists(env, inst.name, pgpoolConfPath(cluster), signal)).get('failover_command')?.trim().split(/\s+/)[0];
    if (!script?.startsWith('/')) return undefined;
    const text = await readIfExists(env, inst.name, script, signal);
    return text === undefined ? undefined : text.includes(CLEAN_STOP_MARKER);
  } catch {
    return undefined;
  }
}
