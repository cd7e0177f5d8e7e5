/**
 * Messages between the status panel (webview/) and the extension (src/extension/panel/). Imported by both
 * bundles, so it holds types and tiny guards only. Everything crossing the boundary is plain JSON and never
 * carries a secret: statuses, names, error messages.
 */
import type { ClusterStatusView } from './statusView';
import { HistoryRequestMsg, HistoryUpdateMsg, OpenEventSourceMsg, type HistoryRequest, type HistoryUpdate, type OpenEventSourceRequest } from './historyProtocol';

export type NodeOperation = 'promote' | 'switchover' | 'recover' | 'attach' | 'detach' | 'fence';
export const NODE_OPERATIONS: readonly NodeOperation[] = ['promote', 'switchover', 'recover', 'attach', 'detach', 'fence'];

/** The command each panel button runs; registered by the operations (absent until they exist). */
export const OPERATION_COMMANDS: Readonly<Record<NodeOperation, string>> = {
  promote: 'pgpoolCluster.promoteNode',
  switchover: 'pgpoolCluster.switchoverNode',
  recover: 'pgpoolCluster.recoverNode',
  attach: 'pgpoolCluster.attachNode',
  detach: 'pgpoolCluster.detachNode',
  fence: 'pgpoolCluster.fenceNode',
};

/** One point of a standby's lag history; `t` in epoch milliseconds. */
export interface LagSample {
  readonly t: number;
  readonly bytes?: number;
  readonly seconds?: number;
}

export interface ClusterView {
  readonly name: string;
  /** The cluster file it came from, for the panel's header. */
  readonly file: string;
  readonly status?: ClusterStatusView;
  /** Why the last refresh failed as a whole (node-level failures are in status.problems). */
  readonly error?: string;
  /** Lag history per node name, oldest first. */
  readonly lagHistory: Readonly<Record<string, readonly LagSample[]>>;
}

// Extension -> webview.

export interface StatusUpdate {
  readonly type: 'status';
  readonly clusters: readonly ClusterView[];
  /** Cluster file problems, `file:line:col: message`. */
  readonly fileErrors: readonly string[];
  readonly refreshing: boolean;
  /** Which operations have a registered command; the others' buttons are disabled. */
  readonly available: Readonly<Record<NodeOperation, boolean>>;
}

/** How an operation ended: `refused` before anything ran (the plan could not be made, or did not apply). */
export type OperationOutcomeKind = 'done' | 'failed' | 'refused' | 'cancelled';
export const OPERATION_OUTCOMES: readonly OperationOutcomeKind[] = ['done', 'failed', 'refused', 'cancelled'];

/** What an operation command returns to its caller (the status panel, tests). */
export interface OperationOutcome {
  readonly outcome: OperationOutcomeKind;
  readonly message: string;
}

export interface OperationResult extends OperationOutcome {
  readonly type: 'operationResult';
  readonly requestId: string;
}

export type ToWebview = StatusUpdate | OperationResult | HistoryUpdate;

// Webview -> extension.

export interface ReadyMessage { readonly type: 'ready' }
export interface RefreshRequest { readonly type: 'refresh' }
export interface NodeOperationRequest {
  readonly type: 'nodeOperation';
  readonly requestId: string;
  readonly operation: NodeOperation;
  readonly cluster: string;
  readonly node: string;
}

export type FromWebview = ReadyMessage | RefreshRequest | NodeOperationRequest | HistoryRequest | OpenEventSourceRequest;

type Obj = Record<string, unknown>;
const isObj = (m: unknown): m is Obj => typeof m === 'object' && m !== null && !Array.isArray(m);
const isStr = (v: unknown): v is string => typeof v === 'string';

export function isNodeOperation(v: unknown): v is NodeOperation {
  return isStr(v) && (NODE_OPERATIONS as readonly string[]).includes(v);
}

/** Guards per message type, GitLens style: `StatusUpdateMessage.is(m)`. */
export const ReadyMsg = { is: (m: unknown): m is ReadyMessage => isObj(m) && m.type === 'ready' };
export const RefreshMsg = { is: (m: unknown): m is RefreshRequest => isObj(m) && m.type === 'refresh' };
export const NodeOperationMsg = {
  is: (m: unknown): m is NodeOperationRequest => isObj(m) && m.type === 'nodeOperation' && isStr(m.requestId)
    && isNodeOperation(m.operation) && isStr(m.cluster) && isStr(m.node),
};
export const StatusUpdateMsg = {
  is: (m: unknown): m is StatusUpdate => isObj(m) && m.type === 'status' && Array.isArray(m.clusters)
    && Array.isArray(m.fileErrors) && typeof m.refreshing === 'boolean' && isObj(m.available),
};
export function isOperationOutcome(m: unknown): m is OperationOutcome {
  return isObj(m) && isStr(m.message) && (OPERATION_OUTCOMES as readonly unknown[]).includes(m.outcome);
}
export const OperationResultMsg = {
  is: (m: unknown): m is OperationResult => isObj(m) && m.type === 'operationResult' && isStr(m.requestId) && isOperationOutcome(m),
};

/** The webview is untrusted input: the extension only acts on messages that pass this. */
export function isFromWebview(m: unknown): m is FromWebview {
  return ReadyMsg.is(m) || RefreshMsg.is(m) || NodeOperationMsg.is(m) || HistoryRequestMsg.is(m) || OpenEventSourceMsg.is(m);
}

export function isToWebview(m: unknown): m is ToWebview {
  return StatusUpdateMsg.is(m) || OperationResultMsg.is(m) || HistoryUpdateMsg.is(m);
}
