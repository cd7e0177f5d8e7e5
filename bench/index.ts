import { existsSync } from 'node:fs';
import { join } from 'node:path';

/*
 * `npm run bench`: each area exports one async bench function that prints its figures and ratios.
 * Areas are found at run time so one missing area does not stop the others.
 */
const areas: Array<[file: string, fn: string, name?: string]> = [
  ['startup', 'benchStartup'],
  ['lint', 'benchLint'],
  ['lab', 'benchLab'],
  ['status', 'benchStatus'],
  ['ops', 'benchOps'],
  ['recover', 'benchRecover'],
  ['events', 'benchEvents'],
  ['watchdog', 'benchWatchdog'],
  ['editorPromote', 'benchEditorPromote', 'editor-promote'],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  let failed = 0;
  for (const [file, fn, name = file] of areas) {
    if (only.length > 0 && !only.includes(name)) continue;
    const path = join(__dirname, `${file}.js`);
    if (!existsSync(path)) continue;
    console.log(`\n## ${name}`);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path) as Record<string, () => Promise<void>>;
      await mod[fn]?.();
    } catch (err) {
      failed++;
      console.log(`${file}: failed: ${err instanceof Error ? err.message : String(err)}`);
      if (process.env.BENCH_STACK && err instanceof Error) console.log(err.stack);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
