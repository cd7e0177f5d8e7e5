/**
 * Ctrl-C during an operation: the first cancels (the runner stops the current command and says what state the
 * cluster is in); a second exits at once, saying which command may still be running on which host.
 */
import type { PcpEndpoint } from '../core/db/pcp';
import { commandText } from '../core/ops/engine/plan';
import type { RunEvent } from '../core/ops/engine/runner';

export interface Interrupts {
  readonly signal: AbortSignal;
  /** Feed every run event: it tracks the step running now. */
  onEvent(e: RunEvent): void;
  dispose(): void;
}

/** What may still run on a host when the process leaves during `step` (pure, for the message and its test). */
export function stillRunningText(step: { index: number; title: string; where: string; command: string } | undefined): string {
  if (!step) return 'No step was running; nothing of this operation runs on the hosts.';
  return `Step ${step.index + 1} (${step.title}) may still be running on ${step.where}: ${step.command}\n`
    + 'Check the cluster with "pgpool-cluster status" before running anything else. This process is gone, so the next operation from this workstation takes its locks over.';
}

function whereOf(e: Extract<RunEvent, { type: 'step-start' }>, pcp?: PcpEndpoint): string {
  const a = e.step.action;
  switch (a.kind) {
    case 'ssh': case 'write-file': return a.host;
    case 'sql': return `${a.node} (SQL)`;
    case 'pcp': return pcp?.local ? 'this machine (pcp)' : 'the pgpool host (pcp)';
    case 'backup-copy': return `${a.primary} and ${a.target}`;
    case 'wait': return 'nowhere (a wait)';
  }
}

export function installInterrupts(write: (text: string) => void, pcp?: PcpEndpoint, exit: (code: number) => void = (c) => process.exit(c)): Interrupts {
  const abort = new AbortController();
  let current: { index: number; title: string; where: string; command: string } | undefined;
  let presses = 0;
  const onSigint = (): void => {
    presses++;
    if (presses === 1) {
      write('pgpool-cluster: cancelling: the current command is stopped and the plan ends with what state it left. Press Ctrl-C again to exit at once.\n');
      abort.abort();
      return;
    }
    write(`pgpool-cluster: exiting now. ${stillRunningText(current)}\n`);
    exit(130);
  };
  process.on('SIGINT', onSigint);
  return {
    signal: abort.signal,
    onEvent: (e) => {
      if (e.type === 'step-start') current = { index: e.index, title: e.step.title, where: whereOf(e, pcp), command: e.step.action.kind === 'wait' ? '(wait)' : commandText(e.step.action, pcp) };
      else if (e.type === 'step-done' || e.type === 'step-failed' || e.type === 'step-skipped') current = undefined;
    },
    dispose: () => { process.off('SIGINT', onSigint); },
  };
}
