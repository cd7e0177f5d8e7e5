// Status panel entry (bundled to dist/webview.js). Restores from webview state when shown again, asks the
// extension for fresh status, re-renders on every update, and turns button clicks into typed requests.
import { HistoryUpdateMsg, type HistoryUpdate } from '../src/shared/historyProtocol';
import { OperationResultMsg, StatusUpdateMsg, type FromWebview, type NodeOperation, type OperationOutcomeKind, type StatusUpdate } from '../src/shared/protocol';
import { render } from './render';
import { registerToolkit } from './toolkit';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  last?: StatusUpdate;
  /** Last outcome per `cluster/node`; `running` while the extension has not answered. */
  results: Record<string, { outcome: OperationOutcomeKind | 'running'; message: string }>;
  /** requestId -> `cluster/node`, for requests still running. */
  pending: Record<string, string>;
  /** The History shown per cluster. */
  history: Record<string, HistoryUpdate>;
}

const vscode = acquireVsCodeApi();
const restored = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = { results: restored?.results ?? {}, pending: restored?.pending ?? {}, history: restored?.history ?? {}, ...(restored?.last ? { last: restored.last } : {}) };

function save(): void {
  vscode.setState(state);
}

function draw(): void {
  if (state.last) render(state.last, { onOperation, results: state.results, history: state.history, onShowHistory, onOpenEvent, onCloseHistory });
}

function onOperation(cluster: string, node: string, operation: NodeOperation): void {
  const requestId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  state.pending[requestId] = `${cluster}/${node}`;
  state.results[`${cluster}/${node}`] = { outcome: 'running', message: `${operation} requested…` };
  save();
  draw();
  vscode.postMessage({ type: 'nodeOperation', requestId, operation, cluster, node });
}

function onShowHistory(cluster: string, node?: string): void {
  vscode.postMessage({ type: 'showHistory', cluster, ...(node ? { node } : {}) });
}

function onOpenEvent(cluster: string, id: number): void {
  vscode.postMessage({ type: 'openEventSource', cluster, id });
}

function onCloseHistory(cluster: string): void {
  delete state.history[cluster];
  save();
  draw();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (StatusUpdateMsg.is(m)) {
    state.last = m;
  } else if (HistoryUpdateMsg.is(m)) {
    const before = state.history[m.cluster];
    // While reading, the events already shown for the same view stay on screen.
    state.history[m.cluster] = m.reading && before && before.node === m.node ? { ...before, reading: true } : m;
  } else if (OperationResultMsg.is(m)) {
    const key = state.pending[m.requestId];
    if (key === undefined) return;
    delete state.pending[m.requestId];
    state.results[key] = { outcome: m.outcome, message: m.message };
  } else {
    return;
  }
  save();
  draw();
});

registerToolkit();
document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
draw();
vscode.postMessage({ type: 'ready' });
