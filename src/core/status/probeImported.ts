/**
 * What the hosts of a just-imported cluster report about themselves: pgpool's version, PostgreSQL's version
 * (from the first node that answers) and the data directory of each node the file gives none for. Used by
 * `import-pgpool-conf --probe` and the editor's import, which write it into the new cluster file.
 */
import { PgSqlClient } from '../db/pgClient';
import type { ClusterDefinition } from '../inventory/model';
import { withDataDirectories, withProbedVersions } from '../inventory/importPgpoolConf';
import { StatusCollector } from './collector';

export interface ImportProbe {
  /** The cluster with what the hosts reported filled in (what the file says stays). */
  readonly cluster: ClusterDefinition;
  /** One line saying what was learned, for the terminal or the log. */
  readonly note: string;
}

/** `SHOW data_directory` on each node the file gives none for; a node that does not answer keeps none. */
async function dataDirectories(cluster: ClusterDefinition, timeoutMs: number, log: (line: string) => void): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const db = cluster.database;
  await Promise.all(cluster.nodes.filter((n) => n.dataDirectory === undefined).map(async (n) => {
    const client = new PgSqlClient({
      host: n.host, port: n.port, ...(db.user ? { user: db.user } : {}), ...(db.name ? { database: db.name } : {}),
      ...(db.passfile ? { passfile: db.passfile } : {}), ...(db.sslmode ? { sslmode: db.sslmode } : {}),
      connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs,
    });
    try {
      const row = (await client.query<{ data_directory: string }>('SHOW data_directory'))[0];
      if (row?.data_directory) found.set(n.name, row.data_directory);
    } catch (err) {
      log(`${n.name}: SHOW data_directory failed (${err instanceof Error ? err.message : String(err)}); set dataDirectory by hand.`);
    } finally {
      await client.close();
    }
  }));
  return found;
}

export async function probeImportedCluster(cluster: ClusterDefinition, options: { timeoutMs: number; log: (line: string) => void }): Promise<ImportProbe> {
  const collector = new StatusCollector(cluster, { timeoutMs: options.timeoutMs, log: options.log });
  try {
    const status = await collector.refresh();
    const node = status.nodes.find((n) => n.postgres.reachable && n.postgres.serverVersionNum);
    const postgresVersionNum = node?.postgres.reachable ? node.postgres.serverVersionNum : undefined;
    const versions = withProbedVersions(cluster, { ...(status.pgpool.version ? { pgpool: status.pgpool.version } : {}), ...(postgresVersionNum ? { postgresVersionNum } : {}) });
    const dirs = await dataDirectories(cluster, options.timeoutMs, options.log);
    const probed = withDataDirectories(versions, dirs);
    const said = [
      probed.pgpoolVersion ? `pgpool-II ${probed.pgpoolVersion}` : 'pgpool did not answer',
      probed.postgresVersion ? `PostgreSQL ${probed.postgresVersion} (from ${node?.name ?? '?'})` : 'no node answered',
      ...(dirs.size ? [`data directories of ${[...dirs.keys()].join(', ')}`] : []),
    ];
    return { cluster: probed, note: `probed: ${said.join(', ')}` };
  } finally {
    await collector.close();
  }
}
