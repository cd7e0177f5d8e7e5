/**
 * The `copy` recover method: the low-level backup API on the primary, held open in ONE SQL session, around an
 * `rsync -a --delete --ignore-times --block-size=8192 --protect-args` run on the target node's host that pulls the primary's data directory over SSH; then
 * backup_label (+ tablespace_map) from the stop function's result. For servers newer than the hosts'
 * pg_basebackup (PostgreSQL 17 with Debian's 15 client tools) and for a cheap delta copy into a stale directory.
 */
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import { shellCommand } from '../../remote/shellQuote';
import type { OpsEnvironment } from '../engine/environment';
import { dataDir, pgAtLeast, type Versions } from '../engine/pgCommands';
import type { BackupCopyAction, PlanStep } from '../engine/plan';

/** Files a copy must not take from the primary (its runtime state, its WAL, its recovery configuration). */
export const COPY_EXCLUDES = ['postmaster.pid', 'postmaster.opts', 'pg_wal/*', 'pg_replslot/*', 'standby.signal', 'recovery.signal', 'recovery.conf', 'backup_label', 'tablespace_map', 'startup.log'];

/** Backup API by version: pg_backup_start/stop (15+), pg_start_backup(label, fast, exclusive=false)/pg_stop_backup(false, true) (9.6-14). */
export function backupApiSql(v: Versions): { start: string; stop: string } {
  return pgAtLeast(v, '15')
    ? { start: 'SELECT pg_backup_start($1, true)', stop: 'SELECT labelfile, spcmapfile FROM pg_backup_stop(true)' }
    : { start: 'SELECT pg_start_backup($1, true, false)', stop: 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, true)' };
}

/** The ssh command rsync uses on the target's host to reach the primary's host (cluster `ssh.hostToHost`). */
export function hostToHostSsh(node: NodeDefinition, primary: NodeDefinition): { argv: string[]; login: string } {
  const h = node.ssh.hostToHost ?? {};
  const user = h.user ?? primary.ssh.sudoUser ?? primary.ssh.user;
  const port = h.port ?? primary.ssh.port;
  const argv = ['ssh', ...(port ? ['-p', String(port)] : []), ...(h.identityFile ? ['-i', h.identityFile] : []),
    ...(h.knownHostsFile ? ['-o', `UserKnownHostsFile=${h.knownHostsFile}`] : []), '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  return { argv, login: user ? `${user}@${primary.host}` : primary.host };
}

/** The copy's steps; `operation` goes into the backup label ("pgpool-cluster recover db1"). */
export function copySteps(cluster: ClusterDefinition, node: NodeDefinition, primary: NodeDefinition, v: Versions, operation = 'recover'): PlanStep[] {
  const data = dataDir(node);
  const src = dataDir(primary);
  const api = backupApiSql(v);
  const ssh = hostToHostSsh(node, primary);
  // --ignore-times: a data file with the same size and modification second on both servers can still differ
  // (two servers write the same files), so never skip one unread. --block-size=8192 (PostgreSQL's page): the
  // delta then carries only the pages that differ (rsync's default, about sqrt(file size) = 32 kB for a 1 GB
  // segment, sent ~4x as much for scattered page changes, measured). --protect-args: the remote path travels
  // inside rsync's protocol, not through the remote login shell (an rsync older than 3.2.4, or one run with
  // RSYNC_OLD_ARGS, would otherwise let that shell split and expand a path with spaces or `$(...)`).
  const rsync = ['rsync', '-a', '--delete', '--ignore-times', '--block-size=8192', '--protect-args', '-e', shellCommand(ssh.argv), ...COPY_EXCLUDES.map((x) => `--exclude=${x}`),
    `${ssh.login}:${src.replace(/\/+$/, '')}/`, `${data.replace(/\/+$/, '')}/`];
  void cluster;
  return [{
    id: `prepare-copy-${node.name}`, title: `Prepare ${node.name}'s data directory for the copy`, destructive: true,
    why: 'Old WAL and runtime files must not mix with the copy (the rest is synchronised by rsync --delete).',
    action: { kind: 'ssh', host: node.name, argv: ['sh', '-c',
      'set -e; mkdir -p "$1"; chmod 700 "$1"; if [ -d "$1/pg_wal" ]; then find "$1/pg_wal/" -mindepth 1 -delete; fi; rm -f "$1/postmaster.pid" "$1/backup_label" "$1/tablespace_map"',
      '_', data] },
    onFailure: `${node.name} is stopped and detached. Check permissions on ${data}.`,
  }, {
    id: `copy-${node.name}`, title: `Copy ${primary.name} to ${node.name} (backup API + rsync over SSH)`, destructive: true,
    why: `The backup functions make the copy consistent; rsync runs on ${node.name}'s host and pulls from ${primary.name}'s host as the database OS user (ssh.hostToHost in the cluster file).`,
    action: { kind: 'backup-copy', primary: primary.name, target: node.name, startSql: api.start, startParams: [`pgpool-cluster ${operation} ${node.name}`], stopSql: api.stop, rsync, dataDir: data, timeoutMs: 24 * 3_600_000 },
    onFailure: `${node.name} is stopped and detached; its data directory may be a partial copy. Check that ${node.name}'s host can "ssh ${ssh.login}" non-interactively (ssh.hostToHost), then re-run.`,
  }];
}

const WRITE_FILE = 'umask 077; cat > "$1"';

/** Runs the action: start backup, rsync, stop backup in one session (closing it aborts an unfinished backup). */
export async function runBackupCopy(a: BackupCopyAction, env: OpsEnvironment, io: { signal?: AbortSignal; onStdout?: (t: string) => void; onStderr?: (t: string) => void }): Promise<string> {
  const session = env.session ? env.session(a.primary) : env.sql(a.primary);
  try {
    await session.query(a.startSql, a.startParams, { timeoutMs: 3_600_000 });
    const r = await env.remote(a.target).exec(a.rsync, {
      ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}), ...(io.signal ? { signal: io.signal } : {}),
      ...(io.onStdout ? { onStdout: io.onStdout } : {}), ...(io.onStderr ? { onStderr: io.onStderr } : {}),
    });
    if (r.timedOut) throw new Error(`rsync timed out on ${a.target}`);
    // 24: some files vanished during the transfer (normal for a live data directory).
    if (r.code !== 0 && r.code !== 24) throw new Error(`rsync exit ${r.code ?? r.signal ?? 'none'} on ${a.target}: ${r.stderr.trim().slice(-600) || r.stdout.trim().slice(-600)}`);
    const rows = await session.query<{ labelfile: string; spcmapfile: string | null }>(a.stopSql, [], { timeoutMs: 3_600_000 });
    const row = rows[0];
    if (!row?.labelfile) throw new Error('the backup stop function returned no backup_label');
    const files: [string, string][] = [['backup_label', row.labelfile], ...(row.spcmapfile ? [['tablespace_map', row.spcmapfile] as [string, string]] : [])];
    for (const [name, text] of files) {
      const w = await env.remote(a.target).exec(['sh', '-c', WRITE_FILE, '_', `${a.dataDir}/${name}`], { stdin: text, timeoutMs: 30_000, ...(io.signal ? { signal: io.signal } : {}) });
      if (w.code !== 0) throw new Error(`writing ${name} on ${a.target} failed: ${w.stderr.trim()}`);
    }
    return row.labelfile;
  } finally {
    if (env.session) await session.close().catch(() => undefined);
  }
}
