/**
 * The status panel's History (the cluster's timeline, or one node's): messages between webview/history.ts and
 * src/extension/panel/historyFeed.ts. Plain JSON, no secret: event texts are log lines and operation outcomes.
 * The webview names an event by its `id` only; the extension keeps what it points to (a host's log file and
 * line, the audit log), so the webview cannot ask to read anything else.
 */

export type HistorySeverity = 'detail' | 'info' | 'warning' | 'error';

export interface HistoryEventView {
  /** Index in the extension's last answer for this cluster, for "open where it came from". */
  readonly id: number;
  /** Workstation time, ISO. */
  readonly time: string;
  readonly approximateTime?: boolean;
  readonly origin: string;
  readonly node?: string;
  readonly kind: string;
  readonly severity: HistorySeverity;
  readonly message: string;
  readonly group?: string;
  /** Where it came from, as text: `pgpool:/var/log/pgpool/pgpool.log:812`, `operation (audit #14)`. */
  readonly where: string;
}

/** Extension -> webview: the timeline of one cluster, or of one node in it. */
export interface HistoryUpdate {
  readonly type: 'history';
  readonly cluster: string;
  readonly node?: string;
  readonly reading: boolean;
  readonly events: readonly HistoryEventView[];
  /** How many older events were left out of `events`. */
  readonly omitted: number;
  /** One-sentence answers (why a node is down, why failover did not run, quorum lost). */
  readonly explanations: readonly string[];
  /** The logs read, `pgpool: /var/log/pgpool/pgpool.log`. */
  readonly sources: readonly string[];
  /** What could not be read, one sentence each. */
  readonly problems: readonly string[];
  readonly error?: string;
}

/** Webview -> extension: read the logs and show the timeline (of one node when `node` is given). */
export interface HistoryRequest {
  readonly type: 'showHistory';
  readonly cluster: string;
  readonly node?: string;
}

/** Webview -> extension: open the log line or the operation an event came from. */
export interface OpenEventSourceRequest {
  readonly type: 'openEventSource';
  readonly cluster: string;
  readonly id: number;
}

type Obj = Record<string, unknown>;
const isObj = (m: unknown): m is Obj => typeof m === 'object' && m !== null && !Array.isArray(m);
const isStr = (v: unknown): v is string => typeof v === 'string';

export const HistoryRequestMsg = {
  is: (m: unknown): m is HistoryRequest => isObj(m) && m.type === 'showHistory' && isStr(m.cluster) && (m.node === undefined || isStr(m.node)),
};
export const OpenEventSourceMsg = {
  is: (m: unknown): m is OpenEventSourceRequest => isObj(m) && m.type === 'openEventSource' && isStr(m.cluster)
    && typeof m.id === 'number' && Number.isInteger(m.id) && m.id >= 0,
};
export const HistoryUpdateMsg = {
  is: (m: unknown): m is HistoryUpdate => isObj(m) && m.type === 'history' && isStr(m.cluster) && Array.isArray(m.events)
    && Array.isArray(m.explanations) && typeof m.reading === 'boolean',
};
