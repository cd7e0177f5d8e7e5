import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from '../harness/paths';

/** Runs `npm run package` and returns the .vsix it built (the last line it prints). */
export function packageVsix(): string {
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = (r.stdout ?? '').trim().split('\n');
  const vsix = lines[lines.length - 1]?.trim() ?? '';
  if (r.status !== 0 || !vsix.endsWith('.vsix') || !existsSync(vsix)) {
    throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${lines.slice(-15).join('\n')}`);
  }
  return vsix;
}
