/**
 * How "Open psql" and "Open SSH Terminal" start their programs: an argv (never a shell line) and environment.
 * No secret is ever on the command line: psql reads the cluster's passfile through PGPASSFILE, ssh uses the
 * key, agent or asks in the terminal. Pure, so the argv is unit-tested.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterDefinition, NodeDefinition, PgpoolInstance, SshSettings } from '../../core/inventory/model';

export interface TerminalLaunch {
  readonly name: string;
  readonly shellPath: string;
  readonly shellArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const expandHome = (p: string): string => (p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);

/** A value from the cluster file that would read as an option must not reach an argv. */
function safeArg(what: string, value: string): string {
  if (value.startsWith('-') || /[\0\n\r]/.test(value)) throw new Error(`The ${what} "${value}" cannot be passed to a terminal program; fix it in the cluster file.`);
  return value;
}

/** psql to a node directly, or through pgpool (its port), as the cluster file's database user. */
export function psqlLaunch(cluster: ClusterDefinition, target: { kind: 'node'; node: NodeDefinition } | { kind: 'pgpool'; pgpool: PgpoolInstance }): TerminalLaunch {
  const db = cluster.database;
  const host = target.kind === 'node' ? target.node.host : target.pgpool.host;
  const port = target.kind === 'node' ? target.node.port : target.pgpool.port;
  if (db.tunnel && target.kind === 'node') {
    throw new Error(`Cluster ${cluster.name} reaches PostgreSQL through SSH tunnels (database.tunnel); open an SSH terminal to ${target.node.name} and run psql there.`);
  }
  const env: Record<string, string> = { PGAPPNAME: 'pgpool-cluster-psql' };
  if (db.passfile) env.PGPASSFILE = expandHome(db.passfile);
  if (db.sslmode) env.PGSSLMODE = db.sslmode;
  return {
    name: `psql ${target.kind === 'node' ? target.node.name : `${target.pgpool.name} (pgpool)`}`,
    shellPath: 'psql',
    shellArgs: ['-h', safeArg('host', host), '-p', String(port), '-U', safeArg('database user', db.user ?? 'postgres'), '-d', safeArg('database name', db.name ?? 'postgres')],
    env,
  };
}

/** ssh to a host with the cluster file's user, port, key, known_hosts and jump host (~/.ssh/config still applies). */
export function sshLaunch(cluster: ClusterDefinition, name: string, host: string, hostSsh: SshSettings): TerminalLaunch {
  const ssh = { ...cluster.ssh, ...hostSsh };
  const args: string[] = [];
  if (ssh.user) args.push('-l', safeArg('SSH user', ssh.user));
  if (ssh.port) args.push('-p', String(ssh.port));
  if (ssh.identityFile) args.push('-i', expandHome(ssh.identityFile));
  if (ssh.knownHostsFile) args.push('-o', `UserKnownHostsFile=${expandHome(ssh.knownHostsFile)}`);
  if (ssh.proxyJump) args.push('-J', safeArg('jump host', ssh.proxyJump));
  // `--` ends ssh's options: the host can only be the destination.
  args.push('--', safeArg('host', host));
  return { name: `ssh ${name}`, shellPath: 'ssh', shellArgs: args, env: {} };
}
