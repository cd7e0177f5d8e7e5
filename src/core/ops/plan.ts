/**
 * A Plan is data: ordered steps saying where each runs, exactly what it runs, why, whether it is destructive
 * and how its result is checked. Builders are pure; the runner interprets; renderPlan shows it to the user.
 */
import { buildCommandLine } from '../remote/commandLine';
import { shellCommand } from '../remote/shellQuote';

export type OperationKind = 'promote' | 'switchover' | 'recover' | 'attach' | 'detach';

/** Where a step runs. `host` names a node (or the pgpool instance) of the cluster definition. */
export type StepAction =
  /** A command over SSH on a host; `argv` words are quoted by shellCommand. */
  | { readonly kind: 'ssh'; readonly host: string; readonly argv: readonly string[]; readonly okExitCodes?: readonly number[]; readonly timeoutMs?: number }
  /** SQL on a node (or on pgpool's port when `node` is the pgpool name); values go in `params`, never in `sql`. */
  | { readonly kind: 'sql'; readonly node: string; readonly sql: string; readonly params?: readonly string[]; readonly timeoutMs?: number }
  /** A pcp tool on the pgpool host over SSH; the password comes from the pcppass file (PCPPASSFILE). */
  | { readonly kind: 'pcp'; readonly tool: string; readonly args: readonly string[]; readonly timeoutMs?: number }
  /** Nothing runs; the step only waits for its check (e.g. "pgpool sees the new primary"). */
  | { readonly kind: 'wait' };

/** How a step's result (or a precondition) is checked; evaluated by the runner, polled up to `waitMs`. */
export type Check =
  | { readonly kind: 'sql-true'; readonly node: string; readonly sql: string; readonly params?: readonly string[]; readonly waitMs?: number; readonly describe: string }
  | { readonly kind: 'pgpool-node'; readonly id: number; readonly status?: readonly ('up' | 'waiting' | 'down')[]; readonly role?: 'primary' | 'standby'; readonly waitMs?: number; readonly describe: string }
  | { readonly kind: 'ssh-exit'; readonly host: string; readonly argv: readonly string[]; readonly exitCodes: readonly number[]; readonly waitMs?: number; readonly describe: string }
  /** The LSN captured as `fact` was replayed (or passed, once promoted) by `node`. */
  | { readonly kind: 'replayed-past'; readonly node: string; readonly sql: string; readonly fact: string; readonly waitMs?: number; readonly describe: string }
  /** Exactly one reachable node is out of recovery (never two primaries). */
  | { readonly kind: 'one-primary'; readonly expected: string; readonly waitMs?: number; readonly describe: string };

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
}

export interface Plan {
  readonly operation: OperationKind;
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
}

/** A plan that cannot be built says why and what to do instead. */
export type PlanResult = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly reason: string };

export const refuse = (reason: string): PlanResult => ({ ok: false, reason });

/** Connection details the command text needs (pcp host/port/user); from the cluster definition. */
export interface PcpEndpoint { readonly host: string; readonly port: number; readonly user?: string; readonly passFile?: string; readonly binDir?: string }

export function pcpArgv(pcp: PcpEndpoint, tool: string, args: readonly string[]): string[] {
  const exe = pcp.binDir ? `${pcp.binDir.replace(/\/+$/, '')}/${tool}` : tool;
  return [exe, '-h', pcp.host, '-p', String(pcp.port), ...(pcp.user ? ['-U', pcp.user] : []), '-w', ...args];
}

/** The exact text a step sends (what the user reads before confirming). */
export function commandText(action: StepAction, pcp?: PcpEndpoint): string {
  switch (action.kind) {
    case 'ssh': return shellCommand(action.argv);
    case 'sql': return action.params?.length ? `${action.sql}   -- with $n = ${action.params.map((p) => JSON.stringify(p)).join(', ')}` : action.sql;
    case 'pcp': return pcp
      ? buildCommandLine(pcpArgv(pcp, action.tool, action.args), undefined, pcp.passFile ? { PCPPASSFILE: pcp.passFile } : {})
      : shellCommand([action.tool, ...action.args]);
    case 'wait': return '(wait)';
  }
}

function where(action: StepAction): string {
  switch (action.kind) {
    case 'ssh': return `ssh ${action.host}`;
    case 'sql': return `sql ${action.node}`;
    case 'pcp': return 'pcp (pgpool host)';
    case 'wait': return 'wait';
  }
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
  if (plan.warnings.length) {
    lines.push('Warnings:');
    for (const w of plan.warnings) lines.push(`  ! ${w}`);
    lines.push('');
  }
  plan.steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}${s.destructive ? '   [destructive]' : ''}`);
    lines.push(`   where: ${where(s.action)}`);
    if (s.action.kind !== 'wait') lines.push(`   runs:  ${commandText(s.action, pcp)}`);
    lines.push(`   why:   ${s.why}`);
    if (s.skipIf) lines.push(`   skip:  when ${s.skipIf.describe}`);
    if (s.check) lines.push(`   check: ${s.check.describe}`);
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
    steps: plan.steps.map((s) => ({ ...s, where: where(s.action), command: s.action.kind === 'wait' ? null : commandText(s.action, pcp) })),
  };
}
