/**
 * Where a host keeps its programs rarely changes: a plan reuses what the last complete discovery on this machine
 * found (keyed by cluster, host, address, SSH user and wanted major) instead of waiting for an SSH login to every
 * node, while the discovery runs again alongside to refresh the entry for the next run. Used only when the cluster
 * file names every data directory (those come from the running servers). A stale entry makes the first step that
 * runs the program fail ("not found") before it changes anything on that host.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ClusterDefinition } from '../../inventory/model';
import { stateDir } from '../engine/lock';
import type { Discovered } from './discovery';

interface Entry {
  readonly nodes: [string, { binDir?: string; dataDirectory?: string }][];
  readonly pgpool: [string, { binDir?: string }][];
  readonly notes: string[];
  readonly missing: string[];
}

export const discoveryCachePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(stateDir(env), 'discovery.json');

/** Everything an entry depends on: a host moved, another login or another major is another entry. */
export function discoveryCacheKey(cluster: ClusterDefinition, wantedMajor: string | undefined): string {
  const hosts = [...cluster.nodes, ...cluster.pgpool].map((h) => `${h.name}=${h.ssh?.user ?? cluster.ssh?.user ?? ''}@${h.host}:${h.ssh?.port ?? cluster.ssh?.port ?? ''}:${h.binDir ?? ''}`);
  return `${cluster.name}|${wantedMajor ?? ''}|${hosts.join(',')}`;
}

/** True when the cluster file names every node's data directory, so discovery only looks for programs. */
export function discoveryCacheable(cluster: ClusterDefinition): boolean {
  return cluster.nodes.every((n) => n.dataDirectory);
}

async function readAll(file: string): Promise<Record<string, Entry>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, Entry>;
  } catch {
    return {};
  }
}

export async function readCachedDiscovery(key: string, file = discoveryCachePath()): Promise<Discovered | undefined> {
  const e = (await readAll(file))[key];
  if (!e || !Array.isArray(e.nodes) || !Array.isArray(e.pgpool) || !Array.isArray(e.notes) || !Array.isArray(e.missing)) return undefined;
  return { nodes: new Map(e.nodes), pgpool: new Map(e.pgpool), notes: e.notes, missing: e.missing };
}

/** Only a discovery every host answered is kept; a write that fails costs the next run its wait, nothing else. */
export async function writeCachedDiscovery(key: string, d: Discovered, file = discoveryCachePath()): Promise<void> {
  if (d.unanswered?.length) return;
  const all = await readAll(file);
  all[key] = { nodes: [...d.nodes.entries()], pgpool: [...d.pgpool.entries()], notes: [...d.notes], missing: [...d.missing] };
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
    await rename(tmp, file);
  } catch { /* see above */ }
}
