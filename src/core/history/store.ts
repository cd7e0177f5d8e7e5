// The history kept on the workstation: the events read so far and where each log's reading stopped.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ClusterDefinition } from '../inventory/model';
import { stateDir } from '../ops/engine/lock';
import type { ClusterEvent } from './events';
import type { LogCursor } from './logReader';

/** A folder per cluster, keyed by its name and hosts, so another workspace's `prod` never shares it. */
export function historyDir(cluster: Pick<ClusterDefinition, 'name' | 'pgpool' | 'nodes'>, env: NodeJS.ProcessEnv = process.env): string {
  const hosts = [...cluster.pgpool.map((p) => `${p.host}:${p.port}`), ...cluster.nodes.map((n) => `${n.host}:${n.port}`)].join(',');
  const safe = cluster.name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return path.join(stateDir(env), 'history', `${safe}-${createHash('sha256').update(hosts).digest('hex').slice(0, 10)}`);
}

export class HistoryStore {
  constructor(readonly dir: string) {}

  private get eventsFile(): string { return path.join(this.dir, 'events.jsonl'); }
  private get cursorsFile(): string { return path.join(this.dir, 'cursors.json'); }

  async cursors(): Promise<Record<string, LogCursor>> {
    try {
      return JSON.parse(await fs.readFile(this.cursorsFile, 'utf8')) as Record<string, LogCursor>;
    } catch {
      return {};
    }
  }

  /** Written whole and renamed: a reader never sees half of it. */
  async saveCursors(cursors: Record<string, LogCursor>): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.cursorsFile}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(cursors, null, 1), { mode: 0o600 });
    await fs.rename(tmp, this.cursorsFile);
  }

  async append(events: readonly ClusterEvent[]): Promise<void> {
    if (events.length === 0) return;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.appendFile(this.eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
  }

  /** Every stored event; a line that does not parse (a write cut short) is skipped. */
  async events(): Promise<ClusterEvent[]> {
    let text = '';
    try {
      text = await fs.readFile(this.eventsFile, 'utf8');
    } catch {
      return [];
    }
    const out: ClusterEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try { out.push(JSON.parse(line) as ClusterEvent); } catch { /* torn write */ }
    }
    return out;
  }
}
