/** `pgpool-cluster events`: one cluster's history from pgpool's log, the servers' logs and the tool's operations. */
import type { Command } from 'commander';
import { collectHistory, type CollectResult } from '../core/history/collect';
import { gatherExplainFacts, loadTimeline } from '../core/history/clusterHistory';
import type { ClusterEvent } from '../core/history/events';
import { HistoryStore, historyDir } from '../core/history/store';
import { recordStatus } from '../core/history/statusTransitions';
import { explain, type ExplainFacts } from '../core/history/timeline';
import { auditPath } from '../core/ops/engine/audit';
import { CliError } from './errors';
import { clusterOptions, openSession, type SetupSession } from './setupCommon';

interface EventsOptions {
  cluster?: string;
  file?: string;
  acceptNewHostKeys?: boolean;
  since?: string;
  node?: string;
  json?: boolean;
  follow?: boolean;
  read: boolean;
}

/** `90s`, `15m`, `1h`, `2d`, or an ISO time -> the earliest time to show (ms since the epoch). */
export function parseSince(value: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  if (Number.isFinite(t)) return t;
  throw new CliError(`--since takes a duration (90s, 15m, 1h, 2d) or a time (2026-11-29T17:00:00Z), not "${value}".`, 2);
}

const localTime = (iso: string): string => {
  const d = new Date(iso);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
};

export function eventsToText(events: readonly ClusterEvent[]): string {
  const lines: string[] = [];
  let group: string | undefined;
  for (const e of events) {
    if (e.group !== group) {
      group = e.group;
      if (group) lines.push('', `── ${group} ──`);
      else lines.push('');
    }
    const where = e.ref.file ? `${e.ref.file}:${e.ref.line ?? ''}` : e.ref.audit ?? '';
    const mark = e.severity === 'error' ? '!' : e.severity === 'warning' ? '~' : ' ';
    lines.push(`${mark} ${localTime(e.time)}${e.approximateTime ? '≈' : ' '} ${e.origin.padEnd(8)} ${(e.node ?? '').padEnd(6)} ${e.kind.padEnd(24)} ${e.message}`);
    if (e.kind === 'raw' || e.severity === 'error') lines.push(`      from ${where}`);
  }
  return lines.join('\n').replace(/^\n+/, '') + '\n';
}

async function explainFacts(session: SetupSession, store: HistoryStore): Promise<ExplainFacts> {
  let status;
  try {
    status = await session.status();
    await store.append(await recordStatus(store.dir, status));
  } catch { /* no status: no such explanation */ }
  return gatherExplainFacts(session.cluster, status, (n) => session.env.remote(n));
}

function describeSources(r: CollectResult): string[] {
  const out = r.sources.map((s) => `  ${s.origin}: ${s.file}`);
  const skewed = r.clocks.filter((c) => c.skewMs !== 0);
  out.push(skewed.length ? `  clock skew corrected: ${skewed.map((c) => `${c.origin} ${c.skewMs > 0 ? '+' : ''}${c.skewMs} ms`).join(', ')}` : '  clocks: no skew beyond the round trip');
  for (const p of r.problems) out.push(`  not read: ${p}`);
  return out;
}

export function registerEventsCommand(program: Command): void {
  clusterOptions(program.command('events'))
    .description("The cluster's history: pgpool's log (health checks, degenerate requests, failover, follow_primary, failback, watchdog), the servers' logs (promotion, timeline switches, replication) and this tool's operations, grouped and explained.")
    .option('--since <when>', 'only events after this: a duration (15m, 1h, 2d) or a time')
    .option('--node <name>', 'only events about this node')
    .option('--json', 'print {"cluster","sources","events":[...],"explanations":[...]}')
    .option('--follow', 'keep reading and print new events as they come (Ctrl-C stops)')
    .option('--no-read', 'show what was read before; do not connect to any host')
    .action(async (opts: EventsOptions) => {
      process.exitCode = await runEvents(opts);
    });
}

export async function runEvents(opts: EventsOptions): Promise<number> {
  const since = opts.since ? parseSince(opts.since) : undefined;
  const session = await openSession(opts);
  const { cluster } = session;
  if (opts.node && !cluster.nodes.some((n) => n.name === opts.node)) {
    await session.close();
    throw new CliError(`Cluster ${cluster.name} has no node "${opts.node}" (nodes: ${cluster.nodes.map((n) => n.name).join(', ')}).`, 2);
  }
  const store = new HistoryStore(historyDir(cluster));
  const audit = auditPath();
  const view = async (): Promise<ClusterEvent[]> => {
    return loadTimeline(store, cluster.name, audit, { ...(since !== undefined ? { since } : {}), ...(opts.node ? { node: opts.node } : {}) });
  };
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const read = opts.read ? await collectHistory(cluster, (n) => session.env.remote(n), store, ac.signal) : undefined;
    const facts = opts.read ? await explainFacts(session, store) : {};
    const events = await view();
    const explanations = explain(events, facts);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ cluster: cluster.name, sources: read?.sources ?? [], clocks: read?.clocks ?? [], problems: read?.problems ?? [], events, explanations }, null, 1)}\n`);
    } else {
      if (read) process.stdout.write(`History of ${cluster.name}, read from:\n${describeSources(read).join('\n')}\n\n`);
      process.stdout.write(events.length ? eventsToText(events) : 'No events.\n');
      if (explanations.length) process.stdout.write(`\nWhy:\n${explanations.map((x) => `  - ${x}`).join('\n')}\n`);
    }
    if (opts.follow && opts.read) {
      let shown = events.length;
      while (!ac.signal.aborted) {
        await new Promise((r) => setTimeout(r, 2000));
        if (ac.signal.aborted) break;
        await collectHistory(cluster, (n) => session.env.remote(n), store, ac.signal).catch((err: unknown) => {
          if (!ac.signal.aborted) process.stderr.write(`pgpool-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
        });
        const now = await view();
        const fresh = now.slice(shown);
        shown = now.length;
        if (fresh.length) process.stdout.write(opts.json ? fresh.map((e) => JSON.stringify(e)).join('\n') + '\n' : eventsToText(fresh));
      }
    }
    if (read && read.sources.length === 0) {
      const why = read.problems.length ? read.problems.map((p) => `  - ${p}`).join('\n') : '  - no host named a log';
      process.stderr.write(`pgpool-cluster: no log could be read on any host of ${cluster.name}:\n${why}\nRun \`pgpool-cluster check\` to see which hosts answer over SSH.\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (ac.signal.aborted) return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await session.close();
  }
}
