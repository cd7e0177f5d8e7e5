/**
 * A Plan is data: ordered steps saying where each runs, exactly what it runs, why, whether it is destructive
 * and how its result is checked. Builders are pure; the runner interprets; renderPlan shows it to the user.
 */
import { pcpArgv, type PcpEndpoint } from '../../db/pcp';
import { shellCommand } from '../../remote/shellQuote';

export type OperationKind = 'promote' | 'switchover' | 'recover' | 'attach' | 'detach' | 'fence';
/** Setting a cluster up (configure pgpool, streaming replication, SSH trust); plans like the others. */
export type SetupOperationKind = 'configure-pgpool' | 'setup-replication' | 'setup-ssh-trust' | 'sync-replication' | 'guard-install' | 'guard-remove';
/** Start, stop or recover one pgpool node (pgpoolNode.ts); `node` is then the pgpool's name. */
export type PgpoolOperationKind = 'pgpool-start' | 'pgpool-stop' | 'pgpool-recover';

/** Where a step runs. `host` names a node (or the pgpool instance) of the cluster definition. */
export type StepAction =
  /** A command over SSH on a host; `argv` words are quoted by shellCommand. */
  | {
    readonly kind: 'ssh'; readonly host: string; readonly argv: readonly string[]; readonly okExitCodes?: readonly number[]; readonly timeoutMs?: number;
    /** Feed the value an earlier step captured as this fact to the command's stdin (e.g. a public key read on another host). */
    readonly stdinFact?: string;
    /** A secret fed to the command's stdin (a pass-file line); never shown, audited or put in --json. */
    readonly stdinSecret?: string;
  }
  /**
   * SQL on a node (or on pgpool's port when `node` is the pgpool name); values go in `params`, never in `sql`.
   * `display` replaces the text shown and audited (a statement carrying a password verifier).
   */
  | { readonly kind: 'sql'; readonly node: string; readonly sql: string; readonly params?: readonly string[]; readonly timeoutMs?: number; readonly display?: string }
  /**
   * A file written over SFTP; with `backupSuffix` an existing file is first copied to `path + backupSuffix`.
   * `secret` keeps the content out of the shown plan and the audit record.
   */
  | { readonly kind: 'write-file'; readonly host: string; readonly path: string; readonly content: string; readonly mode: number; readonly backupSuffix?: string; readonly secret?: boolean }
  /** A pcp tool, on the pgpool host over SSH or on this machine (PcpEndpoint.local); the password comes from that machine's .pcppass. */
  | { readonly kind: 'pcp'; readonly tool: string; readonly args: readonly string[]; readonly timeoutMs?: number }
  /** Nothing runs; the step only waits for its check (e.g. "pgpool sees the new primary"). */
  | { readonly kind: 'wait' }
  /** The copy method: backup start/stop in one SQL session on `primary` around an rsync run on `target`. */
  | BackupCopyAction;

/** The copy method (recoverCopy.ts): backup start/stop in one SQL session on `primary` around an rsync run on `target`. */
export type BackupCopyAction = {
  readonly kind: 'backup-copy';
  /** Node whose SQL session runs the backup functions. */
  readonly primary: string;
  /** Host (node) that runs rsync and receives the files. */
  readonly target: string;
  readonly startSql: string;
  readonly startParams: readonly string[];
  readonly stopSql: string;
  readonly rsync: readonly string[];
  readonly dataDir: string;
  readonly timeoutMs?: number;
};

/** How a step's result (or a precondition) is checked; evaluated by the runner, polled up to `waitMs`. */
export type Check =
  | { readonly kind: 'sql-true'; readonly node: string; readonly sql: string; readonly params?: readonly string[]; readonly waitMs?: number; readonly describe: string }
  /** `viaSql`: asked on a session to pgpool first (a check before anything changes: a failover drops such sessions), pcp after a failure. */
  | { readonly kind: 'pgpool-node'; readonly id: number; readonly status?: readonly ('up' | 'waiting' | 'down')[]; readonly role?: 'primary' | 'standby'; readonly waitMs?: number; readonly describe: string; readonly viaSql?: boolean }
  | { readonly kind: 'ssh-exit'; readonly host: string; readonly argv: readonly string[]; readonly exitCodes: readonly number[]; readonly waitMs?: number; readonly describe: string }
  /** The LSN captured as `fact` was replayed (or passed, once promoted) by `node`. */
  | { readonly kind: 'replayed-past'; readonly node: string; readonly sql: string; readonly fact: string; readonly waitMs?: number; readonly describe: string }
  /** Exactly one reachable node is out of recovery (never two primaries). */
  | { readonly kind: 'one-primary'; readonly expected: string; readonly waitMs?: number; readonly describe: string }
  /** None of the reachable `nodes` is out of recovery (nobody promoted one behind the operation's back). */
  | { readonly kind: 'no-primary'; readonly nodes: readonly string[]; readonly waitMs?: number; readonly describe: string }
  /** A new session to `node` is refused, or lands read-only (in recovery or default_transaction_read_only): no client can write there. */
  | { readonly kind: 'not-writable'; readonly node: string; readonly waitMs?: number; readonly describe: string };

/** Values a step records for later steps and the outcome (e.g. the old primary's shutdown checkpoint). */
export interface Capture {
  readonly fact: string;
  /** `controldata-checkpoint`: "Latest checkpoint location" of pg_controldata; `first-column`: first cell of SQL. */
  readonly from: 'controldata-checkpoint' | 'first-column';
}

export interface PlanStep {
  readonly id: string;
  readonly title: string;
  readonly why: string;
  readonly action: StepAction;
  readonly destructive: boolean;
  /** Skip the step when this already holds (makes plans safe to re-run after a stop). */
  readonly skipIf?: Check;
  readonly check?: Check;
  readonly capture?: Capture;
  /** A failed command is tolerated when the check still passes (e.g. two parties attach the same node). */
  readonly tolerateFailureIfCheckPasses?: boolean;
  /** A failure is reported but does not stop the plan (information only, e.g. reading a checkpoint). */
  readonly optional?: boolean;
  /** What to tell the user about the cluster if this step (or its check) fails. */
  readonly onFailure: string;
  /**
   * What to look at when the step's own command fails ('disk space, permissions'; '' for none named): the runner
   * adds "Fix the error (…) and re-run." then, and leaves it out when SSH failed, not the command.
   */
  readonly causes?: string;
  /**
   * Runs at the same time as the next step (both read-only, e.g. two checks before anything changes); the plan
   * stops at the first of them, in order, that fails.
   */
  readonly alongsideNext?: boolean;
  /** What to tell the user when this step is cancelled while it runs (default: onFailure). */
  readonly onCancel?: string;
  /** The runner opens this step's SQL session (its check's node) when the run starts, so the check answers at once when its turn comes. */
  readonly warmSql?: boolean;
  /** Run once when this step's check does not hold; the step passes when it does (e.g. attach a node pgpool detached meanwhile). */
  readonly retry?: PlanStep;
  /** Steps run when this step fails, to put the cluster back as it was (guards first: they stop the undo when it is unsafe). */
  readonly undo?: Undo;
}

/** Putting the cluster back after a failed step: `steps` in order, stopping at the first that fails. */
export interface Undo {
  readonly steps: readonly PlanStep[];
  /** Said after the failure when every undo step passed: the state the cluster is in now. */
  readonly done: string;
}

export interface Plan {
  readonly operation: OperationKind | SetupOperationKind | PgpoolOperationKind;
  readonly cluster: string;
  /** The node the operation is about. */
  readonly node: string;
  readonly summary: string;
  readonly steps: readonly PlanStep[];
  readonly warnings: readonly string[];
  readonly destructive: boolean;
  /** Checks that must all hold at the end. */
  readonly verify: readonly Check[];
  /** Facts compared at the end to report lost WAL (old primary's end vs what the new primary received). */
  readonly lostWal?: { readonly oldEndFact: string; readonly receivedFact: string };
  readonly versions: { readonly postgres: string; readonly pgpool: string };
  /** What the hosts revealed where the cluster file says nothing (program directories, data directories). */
  readonly discovered?: readonly string[];
}

/** A plan that cannot be built says why and what to do instead. */
export type PlanResult = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly reason: string };

export const refuse = (reason: string): PlanResult => ({ ok: false, reason });

/** The exact text a step sends (what the user reads before confirming). */
export function commandText(action: StepAction, pcp?: PcpEndpoint): string {
  switch (action.kind) {
    case 'ssh': return shellCommand(action.argv) + (action.stdinFact ? ` < (${action.stdinFact}, captured above)` : '') + (action.stdinSecret !== undefined ? ' < (secret, not shown)' : '');
    case 'sql': if (action.display) return action.display;
      return action.params?.length ? `${action.sql}   -- with $n = ${action.params.map((p) => JSON.stringify(p)).join(', ')}` : action.sql;
    case 'pcp': return shellCommand(pcp ? pcpArgv(pcp, action.tool, action.args, action.timeoutMs) : [action.tool, ...action.args]);
    case 'write-file': return `write ${action.path} (${action.content.length} bytes, mode ${action.mode.toString(8)}${action.secret ? ', content not shown' : ''})${action.backupSuffix ? `, old file kept as ${action.path}${action.backupSuffix}` : ''}`;
    case 'wait': return '(wait)';
    case 'backup-copy': return backupCopyText(action);
  }
}

/** The plan text of a backup-copy action. */
function backupCopyText(a: BackupCopyAction): string {
  return [
    `[sql ${a.primary}, one session] ${a.startSql}   -- with $1 = ${JSON.stringify(a.startParams[0] ?? '')}`,
    `[ssh ${a.target}] ${shellCommand(a.rsync)}`,
    `[sql ${a.primary}, same session] ${a.stopSql}`,
    `[ssh ${a.target}] write backup_label (and tablespace_map) from its result into ${a.dataDir}`,
  ].join('\n          ');
}

function where(action: StepAction, pcp?: PcpEndpoint): string {
  switch (action.kind) {
    case 'ssh': return `ssh ${action.host}`;
    case 'sql': return `sql ${action.node}`;
    case 'pcp': return pcp?.local ? 'pcp (this machine, its PCPPASSFILE or ~/.pcppass)'
      : `pcp (pgpool host, pass file ${pcp?.passFile ?? '~/.pcppass'} there)`;
    case 'write-file': return `sftp ${action.host}`;
    case 'wait': return 'wait';
    case 'backup-copy': return `sql ${action.primary} + ssh ${action.target}`;
  }
}

/** Which steps an undo covers (a run of consecutive steps sharing it) and what it runs, in order. */
function undoText(plan: Plan, first: number, undo: Undo): string {
  let last = first;
  while (plan.steps[last + 1]?.undo === undo) last++;
  const which = last > first ? `steps ${first + 1}-${last + 1}` : `step ${first + 1}`;
  return `if ${which} fail(s): ${undo.steps.map((u, k) => `(${k + 1}) ${u.title}`).join('; ')}`;
}

/** The read-only text the user sees before anything changes. */
export function renderPlan(plan: Plan, pcp?: PcpEndpoint): string {
  const lines: string[] = [
    `# ${plan.operation} ${plan.node} on cluster ${plan.cluster}${plan.destructive ? '   [DESTRUCTIVE]' : ''}`,
    `# PostgreSQL ${plan.versions.postgres}, pgpool-II ${plan.versions.pgpool}`,
    '',
    plan.summary,
    '',
  ];
  if (plan.discovered?.length) {
    lines.push('Discovered on the hosts (the cluster file overrides):');
    for (const d of plan.discovered) lines.push(`  - ${d}`);
    lines.push('');
  }
  if (plan.warnings.length) {
    lines.push('Warnings:');
    for (const w of plan.warnings) lines.push(`  ! ${w}`);
    lines.push('');
  }
  plan.steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}${s.destructive ? '   [destructive]' : ''}`);
    lines.push(`   where: ${where(s.action, pcp)}`);
    if (s.action.kind !== 'wait') lines.push(`   runs:  ${commandText(s.action, pcp)}`);
    lines.push(`   why:   ${s.why}`);
    if (s.skipIf) lines.push(`   skip:  when ${s.skipIf.describe}`);
    if (s.check) lines.push(`   check: ${s.check.describe}`);
    if (s.retry) lines.push(`   else:  ${s.retry.title} (${commandText(s.retry.action, pcp)})`);
    if (s.undo && s.undo !== plan.steps[i - 1]?.undo) lines.push(`   undo:  ${undoText(plan, i, s.undo)}`);
    lines.push('');
  });
  if (plan.verify.length) {
    lines.push('Verify at the end:');
    for (const v of plan.verify) lines.push(`  - ${v.describe}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A plan as JSON (the CLI's --json --dry-run): commands included as the exact text. */
export function planToJson(plan: Plan, pcp?: PcpEndpoint): unknown {
  return {
    ...plan,
    steps: plan.steps.map((s) => ({
      ...s, ...(redacted(s.action) ? { action: redacted(s.action) } : {}),
      where: where(s.action, pcp), command: s.action.kind === 'wait' ? null : commandText(s.action, pcp),
    })),
  };
}

/** The action as JSON may show it: no secret file content, no statement carrying a password verifier. */
function redacted(a: StepAction): StepAction | undefined {
  if (a.kind === 'write-file' && a.secret) return { ...a, content: '(not shown)' };
  if (a.kind === 'sql' && a.display) return { ...a, sql: a.display };
  if (a.kind === 'ssh' && a.stdinSecret !== undefined) return { ...a, stdinSecret: '(not shown)' };
  return undefined;
}
