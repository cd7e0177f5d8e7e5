import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, labClusterFile } from './paths';

export interface TestWorkspace {
  dir: string;
  /** True when the running lab's cluster file was copied in as pgpool-cluster.yaml. */
  hasLabCluster: boolean;
  remove(): void;
}

/** A throw-away workspace folder: the fixture files, plus the lab's cluster file if the lab is up. */
export function makeWorkspace(): TestWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'pgpool-workspace-'));
  if (existsSync(fixturesDir)) cpSync(fixturesDir, dir, { recursive: true });
  const hasLabCluster = existsSync(labClusterFile);
  if (hasLabCluster) copyFileSync(labClusterFile, join(dir, 'pgpool-cluster.yaml'));
  return { dir, hasLabCluster, remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }) };
}
