/**
 * Fence: make sure no client can write to a node that must not be the primary (a false primary after a failover,
 * a former primary that may come back). The way in decides the plan:
 * - its host answers over SSH: detach it in pgpool, block TCP clients in its pg_hba (a managed block; the rest of
 *   the file is kept), reload, then stop it cleanly (pg_ctl stop -m fast). The block stays, so a restart by
 *   anyone else still accepts no client; recover removes it;
 * - only PostgreSQL answers: detach it, make it read-only (ALTER SYSTEM default_transaction_read_only + reload)
 *   and end its client sessions; the plan says that this is weaker than a stop;
 * - nothing answers: detach it in pgpool when pgpool still uses it, and say plainly that the node itself was not
 *   touched.
 * Over SSH fence first leaves a mark beside the data directory (status/fenceMark.ts): the follow_primary script
 * configure-pgpool generates then leaves the node alone (it would pg_rewind it, which replaces its pg_hba.conf, and
 * start it), status shows it fenced, and recover removes it. A follow_primary script without that support is named
 * in the plan's warnings.
 * Never the primary pgpool uses, never the only node that accepts writes. Unlike recover, fence does not wait for
 * pgpool's failover / follow_primary scripts: a false primary takes writes meanwhile, and what those scripts do to
 * the old primary (rewind it, start it as a standby) leaves it read-only too.
 */
import type { NodeDefinition } from '../../inventory/model';
import type { OpsEnvironment } from '../engine/environment';
import { livePrimaries, nodeStatus, pgpoolPrimaryNode, resolveVersions, type FenceReach, type OpsInput } from '../engine/input';
import { bin, dataDir } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import { defaultHbaFile, fenceBlockArgv, fenceBlockedArgv, fenceMarkArgv, fenceMarkedArgv } from './fenceHba';
import { fenceMarkPath } from '../../status/fenceMark';
import { actor } from '../engine/audit';
import { detachStep, notRunning, pgpoolDown, stopStep } from '../engine/steps';

/** The command id the editor registers and the CLI name: other parts (the split-brain problem) offer these. */
export const FENCE_COMMAND_ID = 'pgpoolCluster.fenceNode';
export const FENCE_CLI = (node: string): string => `pgpool-cluster fence ${node}`;

export function notWritable(node: NodeDefinition, waitMs = 10_000): Check {
  return { kind: 'not-writable', node: node.name, waitMs, describe: `${node.name} accepts no write from a new session (refused or read-only)` };
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Which way into the node still works: SSH to its host (`true`), and its hba file when PostgreSQL answers. */
export async function probeFenceReach(env: OpsEnvironment, node: NodeDefinition, postgresReachable: boolean, signal?: AbortSignal): Promise<FenceReach> {
  const ssh = env.remote(node.name).exec(['true'], { timeoutMs: 10_000, ...(signal ? { signal } : {}) })
    .then((r) => (r.code === 0 ? { ssh: true } : { ssh: false, sshError: r.timedOut ? 'no answer within 10 s' : `exit ${r.code ?? r.signal ?? 'none'}` }),
      (err: unknown) => ({ ssh: false, sshError: errText(err) }));
  const hba = postgresReachable
    ? env.sql(node.name).query('SHOW hba_file', [], { timeoutMs: 5000 }).then((rows) => {
      const v = rows[0] ? Object.values(rows[0])[0] : undefined;
      return typeof v === 'string' && v ? v : undefined;
    }, () => undefined)
    : Promise.resolve(undefined);
  const [s, hbaFile] = await Promise.all([ssh, hba]);
  return { ...s, ...(hbaFile ? { hbaFile } : {}) };
}

export function buildFencePlan(input: OpsInput, node: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const ns = nodeStatus(status, node);
  const pg = ns?.postgres;
  const writable = pg?.reachable === true && pg.role === 'primary';
  if (pg?.reachable && pg.role === 'standby') {
    return refuse(`${node.name} is a standby: it accepts no writes, there is nothing to fence. Detach it ("pgpool-cluster detach ${node.name}") if pgpool should not use it.`);
  }
  const otherPrimaries = livePrimaries(input).filter((n) => n !== node);
  const pgpoolPrimary = pgpoolPrimaryNode(input);
  if (writable && pgpoolPrimary === node && ns?.status !== 'down') {
    return refuse(`${node.name} is the primary pgpool uses; fencing it would stop the cluster's writes. Use "switchover" to hand over, or "promote NODE --fence" for a failover.`);
  }
  if (writable && otherPrimaries.length === 0) {
    return refuse(`${node.name} is the only node that accepts writes; fencing it would leave the cluster without a primary. Promote a standby first ("pgpool-cluster promote NODE --fence").`);
  }
  if (!node.dataDirectory) return refuse(`Node ${node.name} has no dataDirectory in the cluster file; fence needs it for pg_ctl and pg_hba. Set it and re-run.`);

  const reach: FenceReach = input.fenceReach ?? { ssh: false, sshError: 'not probed' };
  const pgpoolUses = ns?.pgpool !== undefined && ns.pgpool.status !== 'down';
  const warnings: string[] = [];
  const steps: PlanStep[] = [];
  const verify: Check[] = [];
  const detach = (): void => {
    if (pgpoolPrimary === node && pgpoolUses) {
      warnings.push(`pgpool still lists ${node.name} as its primary: detaching it runs pgpool's failover_command, which promotes a standby if none is the primary yet.`);
    }
    if (!ns?.pgpool) {
      warnings.push(`pgpool's view of ${node.name} is unknown (pgpool did not answer); it is detached if pgpool still lists it.`);
    }
    steps.push(detachStep(node, 'pgpool must send it no query, and its health check must not attach it again.', pgpoolPrimary === node));
    verify.push(pgpoolDown(node.id, 10_000));
  };
  let summary: string;

  if (reach.ssh) {
    const hbaFile = reach.hbaFile ?? defaultHbaFile(node);
    const mark = fenceMarkPath(dataDir(node));
    steps.push({
      id: `fence-mark-${node.name}`, title: `Mark ${node.name} as fenced (${mark})`, destructive: false,
      why: 'pgpool\'s follow_primary script (as configure-pgpool generates it) leaves a marked node alone instead of rewinding and starting it; status shows the mark; recover removes it. It sits outside the data directory because pg_rewind replaces what is inside.',
      action: { kind: 'ssh', host: node.name, argv: fenceMarkArgv(node, actor(), hbaFile), timeoutMs: 20_000 },
      check: { kind: 'ssh-exit', host: node.name, argv: fenceMarkedArgv(node), exitCodes: [0], describe: `${mark} exists` },
      optional: true,
      onFailure: `${node.name} is fenced without its mark: after a failover pgpool's follow_primary may rewind and start it (without the pg_hba block). Let the postgres user write in the data directory's parent and re-run fence.`,
    });
    detach();
    steps.push({
      id: `fence-hba-${node.name}`, title: `Block TCP clients in ${node.name}'s pg_hba (${hbaFile})`, destructive: true,
      why: 'A managed block at the top of the file rejects every TCP client, replication included; the rest of the file is kept. It stays while the node is stopped, so whoever starts it again gets a server no client can reach. Recover removes it.',
      action: { kind: 'ssh', host: node.name, argv: fenceBlockArgv(node, hbaFile), timeoutMs: 20_000 },
      check: { kind: 'ssh-exit', host: node.name, argv: fenceBlockedArgv(node), exitCodes: [0], describe: `${node.name}'s pg_hba has the fence block` },
      onFailure: `${node.name} is detached in pgpool but its pg_hba was not changed and it still runs. Stop it on its host (pg_ctl stop -m fast) and re-run fence.`,
    });
    steps.push({
      id: `fence-reload-${node.name}`, title: `Reload ${node.name} so new sessions meet the block`, destructive: false,
      why: 'PostgreSQL reads pg_hba on reload; from then on a new TCP session is rejected even before the stop below ends.',
      action: { kind: 'ssh', host: node.name, argv: [bin(node, 'pg_ctl'), '-D', dataDir(node), 'reload'], timeoutMs: 20_000 },
      skipIf: notRunning(node), optional: true,
      onFailure: 'The stop below ends every session anyway.',
    });
    steps.push(stopStep(node, 'A clean stop (fast: open transactions are rolled back) ends every session; a stopped node accepts no write.',
      `${node.name} is detached and its pg_hba rejects new TCP clients, but it still runs and sessions opened before may still write. Stop it on its host (pg_ctl stop -m immediate) and re-run fence.`));
    verify.push({ ...notRunning(node), waitMs: 10_000 });
    summary = `Fence ${node.name}: detach it in pgpool, block TCP clients in its pg_hba, stop it (fast). It stays stopped and blocked until "recover ${node.name}".`;
  } else if (pg?.reachable) {
    detach();
    warnings.push(`${node.name}'s host does not answer over SSH (${reach.sshError ?? 'unknown error'}): it cannot be stopped and its pg_hba cannot be changed from here. `
      + 'It is made read-only and its client sessions are ended instead; a client that sets default_transaction_read_only off itself can still write. Stop it on its host as soon as you can (re-run fence once SSH works).');
    steps.push({
      id: `fence-read-only-${node.name}`, title: `Make ${node.name} read-only (ALTER SYSTEM SET default_transaction_read_only)`, destructive: true,
      why: 'Without SSH this is the one switch that stops ordinary clients from writing; recover replaces the setting with the primary\'s configuration.',
      action: { kind: 'sql', node: node.name, sql: "ALTER SYSTEM SET default_transaction_read_only = 'on'" },
      onFailure: `${node.name} is detached in pgpool but still accepts writes from clients that connect to it directly. Stop it on its host.`,
    });
    steps.push({
      id: `fence-reload-${node.name}`, title: `Reload ${node.name}'s configuration`, destructive: false,
      why: 'New sessions start read-only after the reload.',
      action: { kind: 'sql', node: node.name, sql: 'SELECT pg_reload_conf()' },
      onFailure: `${node.name} is detached; the read-only setting is written but not yet in effect. Run SELECT pg_reload_conf() on it, or stop it on its host.`,
    });
    steps.push({
      id: `fence-sessions-${node.name}`, title: `End ${node.name}'s client sessions`, destructive: true,
      why: 'Sessions opened before the reload keep their own setting; they are ended so that clients reconnect read-only.',
      action: { kind: 'sql', node: node.name, sql: "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'" },
      optional: true,
      onFailure: 'Sessions opened before may still write until they end.',
    });
    summary = `Fence ${node.name} without SSH: detach it in pgpool, make it read-only and end its sessions. It keeps running; stop it on its host when you can, then "recover ${node.name}".`;
  } else {
    if (!pgpoolUses && ns?.pgpool) {
      return refuse(`${node.name} answers neither over SSH (${reach.sshError ?? 'unknown error'}) nor as PostgreSQL (${pg?.error ?? 'no answer'}), and pgpool already has it down: `
        + `nothing can be done to it from here. When its host is back, run "pgpool-cluster fence ${node.name}" before clients reach it (or stop it there: pg_ctl stop -m fast), then "pgpool-cluster recover ${node.name}".`);
    }
    detach();
    warnings.push(`${node.name} answers neither over SSH (${reach.sshError ?? 'unknown error'}) nor as PostgreSQL (${pg?.error ?? 'no answer'}): it is only detached in pgpool. `
      + `It was NOT stopped and its pg_hba was NOT changed; if it comes back, clients that connect to it directly can write. Run "pgpool-cluster fence ${node.name}" again when its host answers.`);
    summary = `Fence ${node.name} as far as possible from here: detach it in pgpool (the node itself cannot be reached).`;
  }
  const follow = input.followPrimaryFence;
  if (reach.ssh && follow && !follow.respects) {
    warnings.push(`pgpool's follow_primary script (${follow.script}) does not know fences: after a failover it may rewind ${node.name} and start it, which replaces its pg_hba (the block goes) and makes it a standby again. `
      + 'Check the node after any failover, or let "pgpool-cluster configure-pgpool" install its follow_primary.sh, which leaves fenced nodes alone.');
  }
  verify.push(notWritable(node));
  return {
    ok: true,
    plan: {
      operation: 'fence', cluster: cluster.name, node: node.name, destructive: true, versions: resolveVersions(cluster, status),
      warnings, steps, verify, summary,
    },
  };
}
