/** A run event as one line of text: shared by the CLI's terminal, the editor's log and the setup commands. Pure. */
import type { RunEvent } from './runner';

export function describeRunEvent(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'step-start': return `[${e.index + 1}/${e.total}] ${e.step.title} ...`;
    case 'step-skipped': return `[${e.index + 1}] skipped: ${e.step.title} (${e.reason})`;
    case 'step-done': return `[${e.index + 1}] ok (${e.ms} ms)`;
    case 'step-failed': return `[${e.index + 1}] FAILED: ${e.error}`;
    case 'warning': return `warning: ${e.message}`;
    case 'verify': return `verify: ${e.ok ? 'ok' : 'FAILED'} - ${e.describe}${e.ok ? '' : ` (${e.detail})`}`;
    case 'output': {
      const text = e.text.trimEnd();
      return text === '' ? undefined : text.split('\n').map((l) => `    ${l}`).join('\n');
    }
  }
}
