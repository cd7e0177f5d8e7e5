/**
 * "Set up streaming replication": make node N a streaming standby of the primary. On the primary: the
 * replication settings (ALTER SYSTEM, reload, restart only when a setting is pending restart), the
 * replication role with a SCRAM password, a pg_hba replication line for the standby's address. On the
 * standby: stop, move the old data directory aside (never deleted), copy the primary (pg_basebackup, or the
 * backup API + rsync when the node's pg_basebackup is older than the server: the choice recover makes), optionally
 * through a slot, standby configuration for the version, start, verify it streams, attach in pgpool.
 */
import { isIP } from 'node:net';
import type { NodeDefinition } from '../../inventory/model';
import type { OpsEnvironment } from '../engine/environment';
import { currentPrimary, nodeStatus, resolveVersions, type CopyMethod, type OpsInput, type RecoveryFacts } from '../engine/input';
import { describeHostPassFile } from '../../inventory/hostPath';
import { confLiteral, dataDir, nodePassFile, pgAtLeast, pgCtl, putPassEntry, startShowingLogArgv, type Versions } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import { copySteps } from '../recover/recoverCopy';
import { fullCopyMethod, probeClientMajor } from '../recover/recoverFacts';
import { scramSha256Verifier, sqlIdent } from './scramVerifier';
import {
  asideDirectory, attachStep, basebackupStep, detachStep, isStandby, leftoversStep, moveAsideStep, pgpoolUp, standbyConfigSteps, startStep, stopStep, streamsFrom,
} from '../engine/steps';

export interface SetupReplicationOptions {
  /** How to copy the primary; default from the node's pg_basebackup version (`facts.clientMajor`), as recover does. */
  readonly method?: CopyMethod;
  /** Physical replication slot for the standby (`pg_basebackup -C -S`, or created before the copy). */
  readonly slot?: string;
  /** The replication role's password, from a SecretProvider; needed when the role does not exist yet. */
  readonly replicationPassword?: string;
  /** Salt for the SCRAM verifier (tests); random otherwise. */
  readonly salt?: Buffer;
  readonly now?: Date;
}

const sqlTrue = (node: string, sql: string, describe: string, params?: string[]): Check => ({ kind: 'sql-true', node, sql, describe, ...(params ? { params } : {}) });

function settingSteps(primary: NodeDefinition, v: Versions, senders: number): PlanStep[] {
  const keep = pgAtLeast(v, '13')
    ? { name: 'wal_keep_size', value: "'1GB'", ok: "pg_size_bytes(current_setting('wal_keep_size')) >= 1073741824", why: 'keeps 1 GB of WAL for a standby that falls behind (PostgreSQL 13+)' }
    : { name: 'wal_keep_segments', value: '64', ok: "current_setting('wal_keep_segments')::int >= 64", why: 'keeps 64 segments of WAL for a standby that falls behind (PostgreSQL 12 and older)' };
  const settings = [
    { name: 'wal_level', value: pgAtLeast(v, '9.6') ? "'replica'" : "'hot_standby'", ok: "current_setting('wal_level') IN ('replica', 'logical', 'hot_standby')", why: 'streaming replication needs WAL for a standby' },
    { name: 'max_wal_senders', value: String(senders), ok: `current_setting('max_wal_senders')::int >= ${senders}`, why: 'one WAL sender per standby plus spares for pg_basebackup' },
    keep,
    { name: 'hot_standby', value: 'on', ok: "current_setting('hot_standby') = 'on'", why: 'standbys answer read queries (pgpool load balancing); copied to the standby with the data directory' },
    { name: 'wal_log_hints', value: 'on', ok: "current_setting('wal_log_hints') = 'on' OR current_setting('data_checksums') = 'on'", why: 'pg_rewind (recover, follow_primary) needs it or data checksums' },
  ];
  return settings.map((s) => ({
    id: `set-${s.name}-${primary.name}`, title: `ALTER SYSTEM SET ${s.name} = ${s.value} on ${primary.name}`, why: s.why, destructive: false,
    action: { kind: 'sql', node: primary.name, sql: `ALTER SYSTEM SET ${s.name} = ${s.value}` },
    skipIf: sqlTrue(primary.name, `SELECT ${s.ok} AS ok`, `${primary.name} already has a suitable ${s.name}`),
    onFailure: `Nothing changed on the standby. Check that the cluster's database user is a superuser on ${primary.name}.`,
  }));
}

/**
 * The standby's pg_hba replication line: an address gets /32 (or /128), a host name stays a name (pg_hba matches
 * it by reverse and forward lookup; a "/32" after a name is an error that would stop the primary's next start).
 */
export function replicationHbaLine(user: string, host: string): string {
  const kind = isIP(host);
  const address = kind === 4 ? `${host}/32` : kind === 6 ? `${host}/128` : host;
  return `host    replication     ${user}     ${address}     scram-sha-256`;
}

/** Words pg_hba.conf gives a meaning of its own in the user column. */
const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication', 'public']);

/** Why `user` cannot be the replication role written into pg_hba.conf and SQL, or undefined when it can. */
export function replicationUserProblem(user: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(user)) {
    return `The replication user "${user}" is not a plain role name: use letters, digits and _ (at most 63, not starting with a digit) in replication.user.`;
  }
  if (HBA_KEYWORDS.has(user.toLowerCase())) return `The replication user "${user}" is a pg_hba.conf keyword; choose another name in replication.user (e.g. replicator).`;
  return undefined;
}

/** Fixed SQL: fails with every error pg_hba_file_rules reports for the file on disk (PostgreSQL 10+). */
export const HBA_ERRORS_SQL = `DO $$ DECLARE e text; BEGIN
  SELECT string_agg(format('line %s: %s', line_number, error), '; ') INTO e FROM pg_hba_file_rules WHERE error IS NOT NULL;
  IF e IS NOT NULL THEN RAISE EXCEPTION 'pg_hba.conf has errors: %', e; END IF;
END $$`;

export function buildSetupReplicationPlan(input: OpsInput, node: NodeDefinition, o: SetupReplicationOptions = {}): PlanResult {
  const { cluster, status } = input;
  const v = resolveVersions(cluster, status);
  const primary = currentPrimary({ ...input, cluster: { ...cluster, nodes: cluster.nodes.filter((n) => n !== node) } });
  const ns = nodeStatus(status, node);
  if (ns?.postgres.reachable && ns.postgres.role === 'primary' && (!primary || ns.pgpool?.role === 'primary')) {
    return refuse(`${node.name} is the primary; setting it up as a standby would destroy it. Switch over first.`);
  }
  if (!primary) return refuse('No running primary to replicate from. Start or promote one first.');
  if (!node.dataDirectory) return refuse(`Node ${node.name} has no dataDirectory in the cluster file; set it.`);
  if (o.slot !== undefined && !/^[a-z0-9_]{1,63}$/.test(o.slot)) return refuse(`Slot name "${o.slot}" is invalid: use lower-case letters, digits and _ (at most 63).`);
  const chosen = o.method ? { method: o.method, why: 'chosen by the user' } : fullCopyMethod(input.facts?.clientMajor, v);
  const copier = chosen.method === 'copy' ? 'The copy' : 'pg_basebackup';
  const user = cluster.replication.user ?? 'replicator';
  const userProblem = replicationUserProblem(user);
  if (userProblem) return refuse(userProblem);
  const data = dataDir(node);
  const aside = asideDirectory(node, o.now ?? new Date());
  const warnings: string[] = [];
  const steps: PlanStep[] = settingSteps(primary, v, Math.max(10, cluster.nodes.length + 2));
  const onPrimary = `Nothing changed on ${node.name}; ${primary.name}'s settings may be half applied (ALTER SYSTEM, see postgresql.auto.conf).`;

  steps.push({
    id: `create-role-${user}`, title: `Create the replication role ${user} on ${primary.name}`, why: 'The standby connects as this role.', destructive: false,
    action: { kind: 'sql', node: primary.name, sql: `CREATE ROLE ${sqlIdent(user)} WITH LOGIN REPLICATION` },
    skipIf: sqlTrue(primary.name, 'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolreplication AND rolcanlogin) AS ok', `${user} exists with LOGIN REPLICATION`, [user]),
    onFailure: onPrimary,
  });
  if (o.replicationPassword !== undefined) {
    const stmt = `ALTER ROLE ${sqlIdent(user)} WITH LOGIN REPLICATION PASSWORD`;
    steps.push({
      id: `password-${user}`, title: `Set ${user}'s SCRAM password on ${primary.name}`, why: 'Only a SCRAM verifier computed here is sent, never the password.', destructive: false,
      action: { kind: 'sql', node: primary.name, sql: `${stmt} '${scramSha256Verifier(o.replicationPassword, o.salt)}'`, display: `${stmt} '<SCRAM-SHA-256 verifier, not shown>'` },
      onFailure: onPrimary,
    });
    // Every node's own pass file gets the entry (a node that is a primary today follows another one tomorrow):
    // written on that host from the secret, never copied from this machine.
    for (const n of [node, ...cluster.nodes.filter((x) => x !== node)]) {
      const put = putPassEntry(nodePassFile(n), '.pgpass', ['*', '*', 'replication', user], o.replicationPassword);
      const file = describeHostPassFile(nodePassFile(n), '.pgpass', undefined, n.name);
      steps.push({
        id: `passfile-${n.name}`, title: `Store ${user}'s password in ${file}`, destructive: false,
        why: `${n === node ? 'pg_basebackup and the standby\'s primary_conninfo' : 'A later recover or follow_primary on this node'} read${n === node ? '' : 's'} it there; the line *:*:replication:${user} goes first, older lines for it are dropped, the file is replaced atomically with mode 0600.`,
        action: { kind: 'ssh', host: n.name, argv: put.argv, stdinSecret: put.stdin, timeoutMs: 20_000 },
        ...(n === node ? {} : { optional: true }),
        onFailure: n === node ? `${node.name} was not changed. Check that the database OS user can write ${file}.` : `Add "*:*:replication:${user}:<password>" to ${file} yourself (mode 0600).`,
      });
    }
  } else {
    warnings.push(`No replication password given: ${user} must already exist with a password the standby's pass file holds.`);
  }

  const hbaLine = replicationHbaLine(user, node.host);
  steps.push({
    id: `hba-${primary.name}`, title: `Allow replication from ${node.host} in ${primary.name}'s pg_hba.conf`, why: 'The primary refuses replication connections no line allows.', destructive: false,
    action: { kind: 'ssh', host: primary.name, argv: ['sh', '-c', 'printf \'%s\\n\' "$2" >> "$1"', '_', `${dataDir(primary)}/pg_hba.conf`, hbaLine] },
    skipIf: pgAtLeast(v, '10')
      ? sqlTrue(primary.name, `SELECT EXISTS (SELECT 1 FROM pg_hba_file_rules WHERE error IS NULL AND type LIKE 'host%'
          AND 'replication' = ANY(database) AND ($1 = ANY(user_name) OR 'all' = ANY(user_name))
          AND (address = 'all' OR ${isIP(node.host) ? `(address ~ '^[0-9a-fA-F.:]+$' AND netmask IS NOT NULL
            AND network(set_masklen($2::inet, masklen(netmask::inet))) = network(set_masklen(address::inet, masklen(netmask::inet))))` : 'lower(address) = lower($2)'})) AS ok`,
      `a pg_hba replication rule already covers ${user} from ${node.host}`, [user, node.host])
      : { kind: 'ssh-exit', host: primary.name, argv: ['grep', '-qxF', hbaLine, `${dataDir(primary)}/pg_hba.conf`], exitCodes: [0], describe: 'the line is already there' },
    onFailure: onPrimary,
  });
  if (pgAtLeast(v, '10')) {
    steps.push({
      id: `hba-valid-${primary.name}`, title: `Check ${primary.name}'s pg_hba.conf for errors (pg_hba_file_rules)`, destructive: false,
      why: 'A pg_hba.conf with an error is ignored by a reload and stops the next start; read it before any reload or restart.',
      action: { kind: 'sql', node: primary.name, sql: HBA_ERRORS_SQL },
      onFailure: `Nothing was reloaded or restarted; ${primary.name} still runs with its previous rules. Fix the lines named above in ${dataDir(primary)}/pg_hba.conf, then re-run.`,
    });
  }
  steps.push({
    id: `reload-${primary.name}`, title: `Reload ${primary.name}'s configuration`, why: 'Applies pg_hba.conf and reloadable settings.', destructive: false,
    action: { kind: 'sql', node: primary.name, sql: 'SELECT pg_reload_conf()' }, onFailure: onPrimary,
  });
  steps.push({
    id: `restart-${primary.name}`, title: `Restart ${primary.name} (a changed setting needs it)`, destructive: true,
    why: 'wal_level, max_wal_senders, hot_standby and wal_log_hints take effect only at start; skipped when nothing is pending.',
    action: { kind: 'ssh', host: primary.name, argv: startShowingLogArgv(primary, pgCtl.restart(primary)), timeoutMs: 90_000 },
    skipIf: sqlTrue(primary.name, 'SELECT NOT EXISTS (SELECT 1 FROM pg_settings WHERE pending_restart) AS ok', 'no setting is pending a restart'),
    check: sqlTrue(primary.name, 'SELECT NOT pg_is_in_recovery() AS ok', `${primary.name} runs as the primary`),
    onFailure: `${primary.name} may be down: start it (pg_ctl start) and read its startup.log.`,
  });
  if (o.slot) {
    steps.push({
      id: `drop-slot-${o.slot}`, title: `Drop the inactive slot ${o.slot} on ${primary.name} if it exists`, destructive: false,
      why: `${chosen.method === 'copy' ? 'The slot is created' : 'pg_basebackup -C creates the slot'} afresh; a stale one would keep old WAL forever.`,
      action: { kind: 'sql', node: primary.name, sql: 'SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', params: [o.slot] },
      onFailure: onPrimary,
    });
    if (chosen.method === 'copy') {
      steps.push({
        id: `create-slot-${o.slot}`, title: `Create the physical slot ${o.slot} on ${primary.name}`, destructive: false,
        why: 'Created before the copy starts, the slot keeps every WAL segment the standby will need from the backup on.',
        action: { kind: 'sql', node: primary.name, sql: 'SELECT pg_create_physical_replication_slot($1, true)', params: [o.slot] },
        onFailure: onPrimary,
      });
    }
  }

  const down = `${node.name} stays detached from pgpool; nothing else changed.`;
  if (ns?.pgpool && ns.pgpool.status !== 'down') steps.push(detachStep(node, 'pgpool must not send queries to the node while it is rebuilt.'));
  steps.push(stopStep(node, `${copier} needs the node stopped and its data directory out of the way.`, down));
  steps.push(leftoversStep(node));
  steps.push(moveAsideStep(node, aside, copier));
  steps.push(...(chosen.method === 'copy' ? copySteps(cluster, node, primary, v, 'setup-replication') : [basebackupStep(cluster, node, primary, aside, o.slot)]));
  steps.push(...standbyConfigSteps(cluster, node, primary, v));
  const extra = pgAtLeast(v, '12')
    ? (o.slot ? [`primary_slot_name = ${confLiteral(o.slot)}`] : [])
    : [`trigger_file = ${confLiteral(`${data}/promote.trigger`)}`, ...(o.slot ? [`primary_slot_name = ${confLiteral(o.slot)}`] : [])];
  if (extra.length) {
    steps.push({
      id: `standby-extra-${node.name}`, title: `Add ${extra.map((l) => l.split(' ')[0]).join(', ')} to ${node.name}'s ${pgAtLeast(v, '12') ? 'postgresql.auto.conf' : 'recovery.conf'}`,
      why: pgAtLeast(v, '12') ? 'The standby streams through its slot.' : 'The classic recipe: a trigger file promotes the standby; the slot keeps its WAL.', destructive: false,
      action: { kind: 'ssh', host: node.name, argv: ['sh', '-c', 'f=$1; shift; printf \'%s\\n\' "$@" >> "$f"', '_', `${data}/${pgAtLeast(v, '12') ? 'postgresql.auto.conf' : 'recovery.conf'}`, ...extra] },
      onFailure: `${node.name} is stopped and not fully configured.`, causes: '',
    });
  }
  steps.push(startStep(node, `${node.name} is configured but not running (detached). Read ${data}/startup.log, fix, then "pg_ctl start" and "pgpool-cluster attach ${node.name}".`));
  steps.push({
    id: `streaming-${node.name}`, title: `Wait until ${node.name} streams from ${primary.name}`, why: 'Attach only a standby that really follows the primary.',
    destructive: false, action: { kind: 'wait' }, check: streamsFrom(node, primary),
    onFailure: `${node.name} runs but does not stream from ${primary.name} (still detached). Read its log.`,
  });
  steps.push(attachStep(node));
  return {
    ok: true,
    plan: {
      operation: 'setup-replication', cluster: cluster.name, node: node.name, destructive: true, versions: v, warnings, steps,
      verify: [streamsFrom(node, primary, 10_000), isStandby(node), pgpoolUp(node.id, 10_000)],
      summary: `Make ${node.name} a streaming standby of ${primary.name}${o.slot ? ` through slot ${o.slot}` : ''}, copied by ${chosen.method} (${chosen.why}). Its current data directory (if any) is kept as ${aside}.`,
    },
  };
}

/** What the default copy method needs to know: the node's pg_basebackup version (the fact recover probes too). */
export async function probeSetupReplicationFacts(node: NodeDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<RecoveryFacts> {
  const clientMajor = await probeClientMajor(node, env, signal);
  return clientMajor ? { clientMajor } : {};
}
