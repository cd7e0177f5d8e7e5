/**
 * `pcp_watchdog_info --verbose`: a cluster block ("Key : value" lines) then one block per watchdog node, the
 * queried pgpool itself first. Keys moved between releases (3.5-4.1 say Master, 4.2+ Leader; 4.3 adds
 * membership and "Nodes required for quorum"), so lines are read by key, never by position.
 */

export type WatchdogQuorum = 'exist' | 'edge' | 'absent' | 'no-leader' | 'unknown';

/** Upper-case state names as pgpool prints them; MASTER (before 4.2) reads as LEADER. */
export type WatchdogRole = 'LEADER' | 'STANDBY' | 'SHUTDOWN' | 'LOST' | 'DEAD' | 'JOINING' | 'INITIALIZING' | 'LOADING'
  | 'PARTICIPATING IN ELECTION' | 'STANDING FOR LEADER' | 'IN NETWORK TROUBLE' | 'NETWORK ISOLATION' | 'ADD MESSAGE SENT' | 'NO-CONTACT' | string;

export interface WatchdogNodeInfo {
  /** pgpool's own name for the node, e.g. `pgpool1:9999 Linux pgpool1`. */
  readonly name: string;
  readonly host: string;
  readonly delegateIp?: string;
  readonly pgpoolPort?: number;
  readonly wdPort?: number;
  readonly priority?: number;
  readonly state?: number;
  readonly role: WatchdogRole;
  /** 4.3+: MEMBER, NOT-MEMBER, REVOKED-SHUTDOWN, REVOKED-LOST ... */
  readonly membership?: string;
}

export interface WatchdogInfo {
  readonly totalNodes?: number;
  readonly remoteNodes?: number;
  readonly aliveRemoteNodes?: number;
  readonly nodesRequiredForQuorum?: number;
  readonly quorum: WatchdogQuorum;
  /** The queried node believes it holds the VIP ("Local node escalation" / "VIP up on local node"). */
  readonly localEscalation?: boolean;
  readonly leaderName?: string;
  readonly leaderHost?: string;
  /** The queried node first. */
  readonly nodes: readonly WatchdogNodeInfo[];
}

export class WatchdogInfoError extends Error {}

const QUORUM: Record<string, WatchdogQuorum> = {
  'QUORUM EXIST': 'exist', 'QUORUM IS ON THE EDGE': 'edge', 'QUORUM ABSENT': 'absent', 'NO LEADER NODE': 'no-leader', 'NO MASTER NODE': 'no-leader',
};

/** MASTER -> LEADER and STANDING FOR MASTER -> STANDING FOR LEADER (pre-4.2 names). */
export function normaliseWatchdogRole(name: string): WatchdogRole {
  const n = name.trim().toUpperCase();
  return n.replace(/\bMASTER\b/, 'LEADER');
}

const notSet = (v: string | undefined): string | undefined => (v === undefined || v === '' || v === 'Not_Set' ? undefined : v);
const num = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
};

/** Parses the verbose output; throws WatchdogInfoError when it is not that (e.g. the non-verbose form or an error text). */
export function parseWatchdogInfo(out: string): WatchdogInfo {
  const blocks: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  for (const raw of out.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const i = line.indexOf(':');
    if (line.trim() === '' || i < 0) { current = undefined; continue; }
    const key = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    // Every node block starts with "Node Name"; the cluster block with "Total Nodes".
    if (!current || key === 'node name' || key === 'total nodes' || current.has(key)) {
      current = new Map();
      blocks.push(current);
    }
    current.set(key, value);
  }
  const cluster = blocks.find((b) => b.has('total nodes'));
  if (!cluster) throw new WatchdogInfoError(`pcp_watchdog_info printed no "Total Nodes" line: ${out.trim().split('\n')[0] ?? '(nothing)'}`);
  const nodes: WatchdogNodeInfo[] = blocks.filter((b) => b.has('node name')).map((b) => {
    const delegateIp = notSet(b.get('delegate ip'));
    const pgpoolPort = num(b.get('pgpool port'));
    const wdPort = num(b.get('watchdog port'));
    const priority = num(b.get('node priority'));
    const state = num(b.get('status'));
    const membership = notSet(b.get('membership status'));
    return {
      name: b.get('node name') ?? '', host: b.get('host name') ?? '', role: normaliseWatchdogRole(b.get('status name') ?? 'UNKNOWN'),
      ...(delegateIp ? { delegateIp } : {}), ...(pgpoolPort !== undefined ? { pgpoolPort } : {}), ...(wdPort !== undefined ? { wdPort } : {}),
      ...(priority !== undefined ? { priority } : {}), ...(state !== undefined ? { state } : {}), ...(membership ? { membership } : {}),
    };
  });
  const get = (...keys: string[]): string | undefined => keys.map((k) => cluster.get(k)).find((v) => v !== undefined);
  const escalation = get('local node escalation', 'vip up on local node');
  const leaderName = notSet(get('leader node name', 'master node name'));
  const leaderHost = notSet(get('leader host name', 'master host name'));
  const totalNodes = num(get('total nodes'));
  const remoteNodes = num(get('remote nodes'));
  const aliveRemoteNodes = num(get('alive remote nodes'));
  const nodesRequiredForQuorum = num(get('nodes required for quorum'));
  return {
    quorum: QUORUM[(get('quorum state') ?? '').toUpperCase()] ?? 'unknown',
    ...(totalNodes !== undefined ? { totalNodes } : {}), ...(remoteNodes !== undefined ? { remoteNodes } : {}),
    ...(aliveRemoteNodes !== undefined ? { aliveRemoteNodes } : {}), ...(nodesRequiredForQuorum !== undefined ? { nodesRequiredForQuorum } : {}),
    ...(escalation !== undefined ? { localEscalation: escalation.toUpperCase() === 'YES' } : {}),
    ...(leaderName ? { leaderName } : {}), ...(leaderHost ? { leaderHost } : {}),
    nodes,
  };
}
