/** How operations talk to a terminal: the typed confirmation prompt (run events: core/ops/engine/runEventText). */
import * as readline from 'node:readline';

export function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => rl.question(question, (a) => { rl.close(); resolve(a.trim()); }));
}
