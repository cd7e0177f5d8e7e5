/**
 * Executes a Plan: steps in order with progress events, cancellation between and inside steps, a stop at
 * the first failed step or check with a message saying what state the cluster is in and what to do next,
 * then the final verification. Locking and the audit record are wrapped around it by `runOperation`.
 */
import { lsnDiff } from '../../db/lsn';
import { evaluateCheck, waitForCheck } from './checks';
import type { OpsEnvironment } from './environment';
import { parseControldata } from './pgCommands';
import { runBackupCopy } from '../recover/recoverCopy';
import type { Plan, PlanStep, Undo } from './plan';
import { isRemoteError } from '../../remote/errors';

export type RunEvent =
  | { readonly type: 'step-start'; readonly index: number; readonly total: number; readonly step: PlanStep }
  | { readonly type: 'step-skipped'; readonly index: number; readonly step: PlanStep; readonly reason: string }
  | { readonly type: 'step-done'; readonly index: number; readonly step: PlanStep; readonly ms: number }
  | { readonly type: 'step-failed'; readonly index: number; readonly step: PlanStep; readonly error: string }
  | { readonly type: 'output'; readonly index: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'verify'; readonly describe: string; readonly ok: boolean; readonly detail: string };

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: RunEvent) => void;
}

export interface StepTiming { readonly id: string; readonly ms: number; readonly skipped: boolean }

export interface RunOutcome {
  readonly ok: boolean;
  readonly cancelled: boolean;
  /** One paragraph: what happened, the cluster's state, what to do next. */
  readonly message: string;
  readonly failedStep?: string;
  /** Set when the failed step had an undo: true when it ran to the end (the cluster is as it was), false when it stopped. */
  readonly undone?: boolean;
  readonly completedSteps: number;
  readonly facts: Record<string, string>;
  /** WAL the old primary had that the new one never received, when knowable. */
  readonly lostWalBytes?: number;
  readonly durationMs: number;
  readonly steps: readonly StepTiming[];
}

/** An SSH step without its own limit (a quick command: test, mkdir, a config edit) that runs longer has stalled. */
export const SSH_STEP_DEFAULT_TIMEOUT_MS = 300_000;

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * SSH failed, not the command: the host could not be reached for the step, or the connection ended before the
 * command did (sshd stopped, the network dropped). Its outcome on the host is unknown, so the step's message is
 * the one for a half-done step, and the advice is about SSH instead of the command's own causes.
 */
export class SshLostError extends Error {
  constructor(readonly host: string, message: string) {
    super(message);
    this.name = 'SshLostError';
  }
}

/** What the plan's stop message says after the step's action failed with `err`: the cluster's state, then what to do. */
export function failureAdvice(step: PlanStep, err: unknown): string {
  if (err instanceof SshLostError) {
    return `${step.onCancel ?? step.onFailure} SSH to ${err.host} failed, not the command: check that sshd runs there and answers (pgpool-cluster check), then re-run.`;
  }
  return step.causes === undefined ? step.onFailure : `${step.onFailure} Fix the error${step.causes ? ` (${step.causes})` : ''} and re-run.`;
}

const tail = (s: string, n = 600): string => (s.length > n ? `…${s.slice(-n)}` : s).trim();

/** Runs the step's action; returns its text output (stdout / first cell) or throws with a useful message. */
async function act(step: PlanStep, index: number, env: OpsEnvironment, options: RunOptions, facts: ReadonlyMap<string, string>): Promise<string> {
  const a = step.action;
  const signal = options.signal;
  switch (a.kind) {
    case 'wait': return '';
    case 'ssh': {
      const stdin = a.stdinSecret ?? (a.stdinFact === undefined ? undefined : facts.get(a.stdinFact));
      if (a.stdinFact !== undefined && stdin === undefined) throw new Error(`${a.stdinFact} was not recorded by an earlier step`);
      const r = await env.remote(a.host).exec(a.argv, {
        ...(stdin !== undefined ? { stdin } : {}),
        timeoutMs: a.timeoutMs ?? SSH_STEP_DEFAULT_TIMEOUT_MS, ...(signal ? { signal } : {}),
        onStdout: (text) => options.onEvent?.({ type: 'output', index, stream: 'stdout', text }),
        onStderr: (text) => options.onEvent?.({ type: 'output', index, stream: 'stderr', text }),
      }).catch((err: unknown) => {
        if (isRemoteError(err) && (err.code === 'connect-failed' || err.code === 'timeout')) throw new SshLostError(a.host, `could not reach ${a.host} over SSH, the command did not start: ${err.message}`);
        throw err;
      });
      if (r.timedOut) throw new Error(`timed out after ${Math.round((a.timeoutMs ?? SSH_STEP_DEFAULT_TIMEOUT_MS) / 1000)} s on ${a.host} (the command may still run there)`);
      if (r.code === null && r.signal === null) {
        throw new SshLostError(a.host, `the SSH connection to ${a.host} ended before the command did (sshd stopped or the network dropped); it may have run partly there${r.stderr.trim() ? `: ${tail(r.stderr, 1000)}` : ''}`);
      }
      if (r.code === null || !(a.okExitCodes ?? [0]).includes(r.code)) {
        // Long enough for the 20 log lines a failed start prints.
        throw new Error(`exit ${r.code ?? r.signal ?? 'none'} on ${a.host}${r.stderr.trim() ? `: ${tail(r.stderr, 3000)}` : r.stdout.trim() ? `: ${tail(r.stdout)}` : ''}`);
      }
      return r.stdout;
    }
    case 'sql': {
      const rows = await env.sql(a.node).query(a.sql, a.params ?? [], a.timeoutMs ? { timeoutMs: a.timeoutMs } : {});
      const first = rows[0] ? Object.values(rows[0])[0] : undefined;
      return first === undefined || first === null ? '' : String(first);
    }
    case 'write-file': {
      const host = env.remote(a.host);
      if (a.backupSuffix) {
        const r = await host.exec(['sh', '-c', 'if [ -e "$1" ]; then cp -p -- "$1" "$2"; fi', '_', a.path, `${a.path}${a.backupSuffix}`], { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
        if (r.code !== 0) throw new Error(`could not back up ${a.path} on ${a.host}: ${tail(r.stderr || r.stdout)}`);
      }
      await host.writeFile(a.path, a.content, { mode: a.mode, ...(signal ? { signal } : {}) });
      // SFTP applies the mode only to a new file; a replaced file keeps its old one otherwise.
      const c = await host.exec(['chmod', a.mode.toString(8), '--', a.path], { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
      if (c.code !== 0) throw new Error(`wrote ${a.path} on ${a.host} but chmod failed: ${tail(c.stderr)}`);
      return '';
    }
    case 'backup-copy': return runBackupCopy(a, env, {
      ...(signal ? { signal } : {}),
      onStdout: (text) => options.onEvent?.({ type: 'output', index, stream: 'stdout', text }),
      onStderr: (text) => options.onEvent?.({ type: 'output', index, stream: 'stderr', text }),
    });
    case 'pcp': {
      const out = await env.pcp(a.tool, a.args, { ...(signal ? { signal } : {}), ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}) });
      if (out.trim()) options.onEvent?.({ type: 'output', index, stream: 'stdout', text: out });
      return out;
    }
  }
}

function capture(step: PlanStep, output: string, facts: Map<string, string>): void {
  if (!step.capture) return;
  const v = step.capture.from === 'controldata-checkpoint' ? parseControldata(output, 'Latest checkpoint location') : output.trim();
  if (v) facts.set(step.capture.fact, v);
}

export async function runPlan(plan: Plan, env: OpsEnvironment, options: RunOptions = {}): Promise<RunOutcome> {
  const started = performance.now();
  const facts = new Map<string, string>();
  const timings: StepTiming[] = [];
  const emit = (e: RunEvent): void => options.onEvent?.(e);
  for (const s of plan.steps) {
    const node = s.warmSql && (s.check?.kind === 'sql-true' ? s.check.node : undefined);
    if (node) void env.sql(node).query('SELECT 1', [], { timeoutMs: 5000 }).catch(() => undefined);
  }
  const finish = (ok: boolean, message: string, extra: { failedStep?: string; cancelled?: boolean } = {}): RunOutcome => {
    const lost = plan.lostWal ? lsnDiff(facts.get(plan.lostWal.oldEndFact), facts.get(plan.lostWal.receivedFact)) : undefined;
    return {
      ok, cancelled: extra.cancelled ?? false, message, ...(extra.failedStep ? { failedStep: extra.failedStep } : {}),
      completedSteps: timings.length, facts: Object.fromEntries(facts),
      ...(lost !== undefined ? { lostWalBytes: Math.max(0, lost) } : {}),
      durationMs: Math.round(performance.now() - started), steps: timings,
    };
  };

  type StepEnd = { readonly stop?: RunOutcome; readonly timing?: StepTiming };
  // `label` and `total` name retry and undo steps, which run after the plan's own.
  const runStep = async (step: PlanStep, index: number, label = String(index + 1), total = plan.steps.length): Promise<StepEnd> => {
    if (options.signal?.aborted) {
      return { stop: finish(false, `Cancelled before step ${label} (${step.title}); ${Math.min(index, plan.steps.length)} step(s) done. ${step.onFailure}`, { cancelled: true, failedStep: step.id }) };
    }
    const t0 = performance.now();
    if (step.skipIf) {
      const s = await evaluateCheck(step.skipIf, env, facts, options.signal);
      if (s.ok) {
        emit({ type: 'step-skipped', index, step, reason: step.skipIf.describe });
        return { timing: { id: step.id, ms: Math.round(performance.now() - t0), skipped: true } };
      }
    }
    emit({ type: 'step-start', index, total, step });
    let failure: string | undefined;
    let advice = step.onFailure;
    try {
      capture(step, await act(step, index, env, options, facts), facts);
    } catch (err) {
      failure = errText(err);
      advice = failureAdvice(step, err);
    }
    if (options.signal?.aborted) {
      return { stop: finish(false, `Cancelled during step ${label} (${step.title}); it may be half done. ${step.onCancel ?? step.onFailure}`, { cancelled: true, failedStep: step.id }) };
    }
    if (failure !== undefined && !step.tolerateFailureIfCheckPasses) {
      if (step.optional) {
        emit({ type: 'warning', message: `Step ${label} (${step.title}) failed: ${failure}. ${advice}` });
        return { timing: { id: step.id, ms: Math.round(performance.now() - t0), skipped: false } };
      }
      emit({ type: 'step-failed', index, step, error: failure });
      return { stop: finish(false, `Step ${label} (${step.title}) failed: ${failure}. ${advice}`, { failedStep: step.id }) };
    }
    if (step.check) {
      const c = await waitForCheck(step.check, env, facts, options.signal);
      if (!c.ok && step.retry) {
        emit({ type: 'warning', message: `Step ${label} (${step.title}): "${step.check.describe}" did not hold (${c.detail}); trying: ${step.retry.title}.` });
        const r = await runStep(step.retry, index, `${label} (retry)`, total);
        // The retry's own onFailure says the state: the message ends with it.
        if (r.stop) return { stop: { ...r.stop, failedStep: step.id } };
        const ms = Math.round(performance.now() - t0);
        emit({ type: 'step-done', index, step, ms });
        return { timing: { id: step.id, ms, skipped: false } };
      }
      if (!c.ok) {
        const why = failure !== undefined ? `${failure}; then ${c.detail}` : c.detail;
        emit({ type: 'step-failed', index, step, error: `check "${step.check.describe}" failed: ${why}` });
        return { stop: finish(false, `Step ${label} (${step.title}): "${step.check.describe}" did not hold (${why}). ${advice}`, { failedStep: step.id }) };
      }
    } else if (failure !== undefined) {
      emit({ type: 'step-failed', index, step, error: failure });
      return { stop: finish(false, `Step ${label} (${step.title}) failed: ${failure}. ${advice}`, { failedStep: step.id }) };
    }
    const ms = Math.round(performance.now() - t0);
    emit({ type: 'step-done', index, step, ms });
    return { timing: { id: step.id, ms, skipped: false } };
  };

  /** A failed step's undo: every step in order; the first that fails ends it (its onFailure says why and what to run). */
  const runUndo = async (failed: RunOutcome, undo: Undo): Promise<RunOutcome> => {
    emit({ type: 'warning', message: `Undoing: ${undo.steps.map((u) => u.title).join('; ')}.` });
    for (const [i, u] of undo.steps.entries()) {
      const end = await runStep(u, plan.steps.length + i, `undo ${i + 1}/${undo.steps.length}`, plan.steps.length + undo.steps.length);
      if (end.stop) {
        return { ...failed, message: `${failed.message} Not undone: ${end.stop.message}`, undone: false, cancelled: end.stop.cancelled, completedSteps: timings.length };
      }
      if (end.timing) timings.push(end.timing);
    }
    return { ...failed, message: `${failed.message} Undone: ${undo.done}`, undone: true, completedSteps: timings.length };
  };

  for (let index = 0; index < plan.steps.length;) {
    // A step marked alongsideNext runs together with the step after it (a chain of them: all at once).
    let last = index;
    while (last < plan.steps.length - 1 && plan.steps[last]!.alongsideNext) last++;
    const group = plan.steps.slice(index, last + 1);
    const ends = await Promise.all(group.map((step, k) => runStep(step, index + k)));
    for (const [k, end] of ends.entries()) {
      const undo = group[k]!.undo;
      if (end.stop && undo && !end.stop.cancelled) return runUndo(end.stop, undo);
      if (end.stop) return { ...end.stop, completedSteps: timings.length };
      if (end.timing) timings.push(end.timing);
    }
    index = last + 1;
  }

  const failed: string[] = [];
  for (const check of plan.verify) {
    const r = await waitForCheck(check, env, facts, options.signal);
    emit({ type: 'verify', describe: check.describe, ok: r.ok, detail: r.detail });
    if (!r.ok) failed.push(`${check.describe} (${r.detail})`);
  }
  if (failed.length) {
    return finish(false, `Every step ran, but the final verification failed: ${failed.join('; ')}. Look at "pgpool-cluster status" and fix what it reports.`, { failedStep: 'verify' });
  }
  return finish(true, `${plan.operation} ${plan.node}: done and verified.`);
}
