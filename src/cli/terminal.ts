/** How operations talk to a terminal: one line per run event, and the typed confirmation prompt. */
import * as readline from 'node:readline';
import type { RunEvent } from '../core/ops/runner';

export function describeEvent(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'step-start': return `[${e.index + 1}/${e.total}] ${e.step.title} ...`;
    case 'step-skipped': return `[${e.index + 1}] skipped: ${e.step.title} (${e.reason})`;
    case 'step-done': return `[${e.index + 1}] ok (${e.ms} ms)`;
    case 'step-failed': return `[${e.index + 1}] FAILED: ${e.error}`;
    case 'warning': return `warning: ${e.message}`;
    case 'verify': return `verify: ${e.ok ? 'ok' : 'FAILED'} - ${e.describe}${e.ok ? '' : ` (${e.detail})`}`;
    case 'output': return e.text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  }
}

export function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => rl.question(question, (a) => { rl.close(); resolve(a.trim()); }));
}
