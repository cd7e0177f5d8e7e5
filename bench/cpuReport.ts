/**
 * Preloaded (`node -r`) into each process the start-up bench runs: at exit it writes the process's own CPU time
 * to stderr, so the figures hold on a busy machine where wall time mostly measures the other processes.
 */
import { writeSync } from 'node:fs';

// The same marker as CPU_MARKER in stats.ts (this file imports nothing, to stay out of the figures).
const CPU_MARKER = '@@bench-cpu-ms ';

process.on('exit', () => {
  const u = process.cpuUsage();
  writeSync(2, `\n${CPU_MARKER}${((u.user + u.system) / 1000).toFixed(3)}\n`);
});
