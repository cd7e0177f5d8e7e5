/**
 * The panel's History: reads the cluster's logs through its one session (the tree's warm connections), merges
 * them with the tool's operations (core/history), and opens where an event came from: the host's log around its
 * line (read over SSH into a read-only document) or the audit log's record.
 */
import * as vscode from 'vscode';
import { gatherExplainFacts, loadTimeline } from '../../core/history/clusterHistory';
import { collectHistory } from '../../core/history/collect';
import type { ClusterEvent } from '../../core/history/events';
import { isJournalSource, journalUnit } from '../../core/history/journal';
import { HistoryStore, historyDir } from '../../core/history/store';
import { explain } from '../../core/history/timeline';
import { auditPath } from '../../core/ops/engine/audit';
import type { ClusterSession } from '../tree/clusterSession';
import type { ClusterModel } from '../tree/clusterModel';
import type { HistoryUpdate } from '../../shared/historyProtocol';
import { auditRef, excerptRange, historyViews } from './historyView';

export const LOG_EXCERPT_SCHEME = 'pgpool-cluster-log';

/** Read-only documents holding log excerpts fetched over SSH, by URI. */
class ExcerptProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    if (this.texts.size > 50) this.texts.delete(this.texts.keys().next().value as string);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This excerpt is no longer kept: open it again from the History.';
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class HistoryFeed implements vscode.Disposable {
  /** The events behind the ids of the last answer, per cluster. */
  private readonly shown = new Map<string, { session: ClusterSession; events: ClusterEvent[] }>();
  private readonly excerpts = new ExcerptProvider();
  private readonly registration: vscode.Disposable;
  private excerptSeq = 0;

  constructor(private readonly model: ClusterModel, private readonly log: vscode.LogOutputChannel) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(LOG_EXCERPT_SCHEME, this.excerpts);
  }

  /** Reads what is new in the cluster's logs and answers with its timeline (one node's, when `node` is given). */
  async read(clusterName: string, node?: string): Promise<HistoryUpdate> {
    const base = { type: 'history' as const, cluster: clusterName, ...(node ? { node } : {}), reading: false };
    const empty = { events: [], omitted: 0, explanations: [], sources: [], problems: [] };
    const entry = this.model.findCluster(clusterName);
    if (!entry) return { ...base, ...empty, error: `There is no cluster "${clusterName}" any more: refresh the Clusters view.` };
    if (node && !entry.definition.nodes.some((n) => n.name === node)) {
      return { ...base, ...empty, error: `Cluster ${clusterName} has no node "${node}".` };
    }
    let session: ClusterSession;
    try {
      session = await this.model.session(entry);
    } catch (err) {
      return { ...base, ...empty, error: message(err) };
    }
    const cluster = entry.definition;
    const remote = (n: string): ReturnType<typeof session.env.remote> => session.env.remote(n);
    const store = new HistoryStore(historyDir(cluster));
    const problems: string[] = [];
    let sources: string[] = [];
    try {
      const read = await collectHistory(cluster, remote, store);
      sources = read.sources.map((s) => `${s.origin}: ${s.file}`);
      const skewed = read.clocks.filter((c) => c.skewMs !== 0);
      if (skewed.length) sources.push(`clock skew corrected: ${skewed.map((c) => `${c.origin} ${c.skewMs > 0 ? '+' : ''}${c.skewMs} ms`).join(', ')}`);
      problems.push(...read.problems);
    } catch (err) {
      problems.push(`The logs were not read: ${message(err)}; showing what was read before.`);
    }
    const events = await loadTimeline(store, cluster.name, auditPath(), node ? { node } : {});
    const status = session.lastStatus ?? entry.status;
    const facts = await gatherExplainFacts(cluster, status, remote);
    const explanations = explain(events, node ? { ...facts, downInPgpool: (facts.downInPgpool ?? []).filter((n) => n === node) } : facts);
    const { views, shown, omitted } = historyViews(events);
    this.shown.set(clusterName, { session, events: shown });
    return { ...base, events: views, omitted, explanations, sources, problems };
  }

  /** Opens the log line or the audit record event `id` of the last answer came from. */
  async open(clusterName: string, id: number): Promise<void> {
    const last = this.shown.get(clusterName);
    const e = last?.events[id];
    if (!last || !e) {
      void vscode.window.showWarningMessage('That event is no longer shown: open the History again.');
      return;
    }
    try {
      if (e.ref.audit) {
        const ref = auditRef(e.ref.audit);
        if (!ref) throw new Error(`the audit reference ${e.ref.audit} names no line`);
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(ref.file));
        const line = Math.min(ref.line - 1, doc.lineCount - 1);
        await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(line, 0, line, 0) });
        return;
      }
      if (!e.ref.file) throw new Error('the event names no log');
      const host = last.session.env.remote(e.origin);
      let text: string;
      let selectLine = 0;
      if (isJournalSource(e.ref.file)) {
        const at = Math.floor(Date.parse(e.time) / 1000);
        const r = await host.exec(['journalctl', '--no-pager', '-o', 'short-iso-precise', '-u', journalUnit(e.ref.file), `--since=@${at - 60}`, `--until=@${at + 60}`], { timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error((r.stderr || r.stdout).trim() || `journalctl exited ${r.code}`);
        text = `# ${e.origin}: journal of ${journalUnit(e.ref.file)}, a minute either side of ${e.time}\n${r.stdout}`;
      } else {
        const line = e.ref.line ?? 1;
        const { first, last: end } = excerptRange(line);
        const r = await host.exec(['sed', '-n', `${first},${end}p`, e.ref.file], { timeoutMs: 30_000 });
        if (r.code !== 0) throw new Error((r.stderr || r.stdout).trim() || `sed exited ${r.code}`);
        text = `# ${e.origin}:${e.ref.file}, lines ${first}-${end} (the event is line ${line}; the file may have rotated since)\n${r.stdout}`;
        selectLine = 1 + line - first;
      }
      const uri = vscode.Uri.from({ scheme: LOG_EXCERPT_SCHEME, path: `/${clusterName}/${e.origin}/${e.ref.file.replace(/^.*\//, '')}`, query: String(++this.excerptSeq) });
      this.excerpts.set(uri, text);
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = Math.min(selectLine, doc.lineCount - 1);
      await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(line, 0, line, doc.lineAt(line).text.length) });
    } catch (err) {
      this.log.warn(`history: opening the source of an event failed: ${message(err)}`);
      void vscode.window.showErrorMessage(`Could not open where the event came from (${e.origin}): ${message(err)}`);
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.shown.clear();
  }
}
