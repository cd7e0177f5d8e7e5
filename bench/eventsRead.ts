// A child process of `npm run bench -- events`: reads one log the way `pgpool-cluster events` does (chunks of
// whole lines through `tail -c | head -c`, parsed and filtered as they come) and prints what it found.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { keep } from '../src/core/history/collect';
import { nodeLookup } from '../src/core/history/nodeLookup';
import { parsePgpoolLog } from '../src/core/history/pgpoolLog';
import { probeLog, readNewLines } from '../src/core/history/logReader';
import type { RemoteHost } from '../src/core/remote/types';

const localHost: RemoteHost = {
  label: 'local',
  async exec(command) {
    const argv = command as readonly string[];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  },
  async readFile(path) { return readFileSync(path); },
  async writeFile(path, data) { writeFileSync(path, data); },
};

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const nodes = nodeLookup({ nodes: [0, 1, 2].map((id) => ({ name: `node${id}`, id, host: `10.0.0.${11 + id}`, port: 5432, ssh: {} })) });
  const started = performance.now();
  const { probe, clock } = await probeLog(localHost, file, 'pgpool');
  let kept = 0;
  let lines = 0;
  let lastTime: string | undefined;
  await readNewLines(localHost, file, undefined, probe, (p) => {
    const r = parsePgpoolLog(p.text, { origin: 'pgpool', file, firstLine: p.firstLine, clock, nodes, keep, ...(lastTime ? { lastTime } : {}) });
    lastTime = r.lastTime ?? lastTime;
    lines += p.text.split('\n').length - 1;
    kept += r.events.length;
  });
  process.stdout.write(JSON.stringify({ ms: performance.now() - started, lines, kept, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

void main();
