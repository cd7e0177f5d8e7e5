/**
 * pgpool-II watchdog settings and the escalation script, per version: the 4.2+ layout lists every pgpool node
 * identically in each file (hostnameN / wd_portN / pgpool_portN, heartbeat_hostnameN / heartbeat_portN) and each
 * host says which one it is in its pgpool_node_id file; 3.x-4.1 describe the host itself (wd_hostname, wd_port,
 * wd_heartbeat_port) and the others (other_pgpool_*N, heartbeat_destination*N).
 */
import { shellCommand, shellQuote as q } from '../../../remote/shellQuote';
import { confLine } from './confValues';
import type { WatchdogTimings } from './profiles';
import { atLeast } from './version';

/** One pgpool node of the watchdog cluster, as every node's pgpool.conf lists it. */
export interface WatchdogNode {
  readonly host: string;
  readonly pgpoolPort: number;
  readonly wdPort: number;
  readonly heartbeatPort: number;
  /** Interface the heartbeat is bound to ('' = any). */
  readonly heartbeatDevice?: string;
}

/** How the leader brings the virtual IP up and down and announces it; pgpool replaces $_IP_$ with the VIP. */
export interface VipCommands {
  /** Folder pgpool prefixes to a relative command (if_cmd_path / arping_path); 4.1+ also runs absolute ones as given. */
  readonly ifCmdPath: string;
  readonly ifUpCmd: string;
  readonly ifDownCmd: string;
  readonly arpingPath: string;
  readonly arpingCmd: string;
}

export interface WatchdogSpec {
  /** Every pgpool node, in pgpool_node_id order. */
  readonly nodes: readonly WatchdogNode[];
  /** The node this file is for (its pgpool_node_id); the 3.x-4.1 layout and wd_priority depend on it. */
  readonly self: number;
  /** Higher wins the leader election; default: the first node highest. */
  readonly priority?: number;
  /** The virtual IP the leader holds; none: no VIP settings (clients know every pgpool). */
  readonly vip?: string;
  /** Prefix length of the VIP on the device (default 24). */
  readonly vipPrefix?: number;
  /** Device the VIP is added to (default eth0). */
  readonly device?: string;
  /** Overrides the documented sudo + ip / arping commands (e.g. a capability wrapper). */
  readonly commands?: VipCommands;
  /** wd_authkey, from the secret store; never logged, never on a command line. */
  readonly authkey?: string;
  readonly trustedServers?: string;
}

/** pgpool's own example commands (sudo rule for the pgpool user on ip and arping), for the VIP on `device`. */
export function defaultVipCommands(pgpoolVersion: string, device: string, prefix: number): VipCommands {
  // Up to 4.0 pgpool prefixes if_cmd_path / arping_path; from 4.1 an absolute command is run as given.
  const abs = atLeast(pgpoolVersion, '4.1');
  const dev = q(device);
  return {
    ifCmdPath: '/sbin',
    ifUpCmd: `${abs ? '/usr/bin/sudo /sbin/' : ''}ip addr add $_IP_$/${prefix} dev ${dev} label ${q(`${device}:0`)}`,
    ifDownCmd: `${abs ? '/usr/bin/sudo /sbin/' : ''}ip addr del $_IP_$/${prefix} dev ${dev}`,
    arpingPath: '/usr/sbin',
    arpingCmd: `${abs ? '/usr/bin/sudo /usr/sbin/' : ''}arping -U $_IP_$ -w 1 -I ${dev}`,
  };
}

/** The name of the VIP parameter: delegate_IP up to 4.3, delegate_ip from 4.4 (which keeps the old one as an alias). */
export const delegateIpName = (pgpoolVersion: string): string => (atLeast(pgpoolVersion, '4.4') ? 'delegate_ip' : 'delegate_IP');

/** True when the release reads pgpool_node_id (4.2+ layout). */
export const usesNodeIdFile = (pgpoolVersion: string): boolean => atLeast(pgpoolVersion, '4.2');

/**
 * Worst case from a leader's death to the standbys declaring it lost: the last heartbeat arrives just before
 * the death, the dead time runs out, and the lifecheck that notices comes up to one wd_interval later.
 */
export function worstCaseLeaderLossSeconds(t: WatchdogTimings): number {
  return t.heartbeatDeadtime + t.interval;
}

/**
 * pgpool's own election, fixed in its code (4.x), each timer checked by a loop that wakes once a second: a standby
 * that lost the leader waits 1 s in INITIALIZING before it stands (up to 2 s). Both survivors notice together and
 * stand within a few ms of each other; when the higher-priority one stands first, its message reaches the other while
 * that one is still INITIALIZING, a state that drops it unanswered, so the winner waits out its 4 s command timeout
 * (up to 5 s; about half the crashes measured on the lab, no setting avoids it). The loser then waits the
 * INITIALIZING timer again before it joins, and the new leader escalates only with that quorum (up to 2 s).
 */
export const ELECTION_WORST_SECONDS = 9;
/** The escalation script's ssh puts this key exchange ahead of its defaults (when the client understands '^'). */
const FAST_KEX = 'KexAlgorithms=^curve25519-sha256';
/** ssh's ConnectTimeout in the escalation script, seconds. */
export const ESCALATION_CONNECT_TIMEOUT = 2;
/** The escalation script: one ssh login per other host at once (ConnectTimeout), then if_up_cmd and arping. */
export const ESCALATION_WORST_SECONDS = ESCALATION_CONNECT_TIMEOUT + 1;

/**
 * Worst case from the leader's host going silent to the VIP up on the new leader: the heartbeat dead time, the
 * election and the escalation. A leader whose processes die while its host answers (the kernel closes their
 * connections) is noticed at once: then `leaderLost` = 0.
 */
export function worstCaseVipMoveSeconds(t: WatchdogTimings, leaderLost = worstCaseLeaderLossSeconds(t)): number {
  return leaderLost + ELECTION_WORST_SECONDS + ESCALATION_WORST_SECONDS;
}

/** The watchdog part of pgpool.conf for node `spec.self`. `escalationCommand` is the installed escalation script's command line. */
export function watchdogLines(pgpoolVersion: string, spec: WatchdogSpec, timings: WatchdogTimings, escalationCommand: string | undefined): string[] {
  const v = pgpoolVersion;
  const self = spec.nodes[spec.self];
  if (!self) throw new Error(`Watchdog: pgpool node ${spec.self} is not in the list of ${spec.nodes.length} pgpool node(s).`);
  if (spec.nodes.length < 2) throw new Error('Watchdog needs at least two pgpool nodes (three for a quorum that survives one loss).');
  if (!atLeast(v, '3.5')) throw new Error(`pgpool-II ${v}: the watchdog settings this generator writes need 3.5 or later (quorum and heartbeat layout).`);
  const out: string[] = [confLine('use_watchdog', true)];
  if (usesNodeIdFile(v)) {
    spec.nodes.forEach((n, i) => out.push(confLine(`hostname${i}`, n.host), confLine(`wd_port${i}`, n.wdPort), confLine(`pgpool_port${i}`, n.pgpoolPort)));
  } else {
    out.push(confLine('wd_hostname', self.host), confLine('wd_port', self.wdPort));
    spec.nodes.filter((_n, i) => i !== spec.self).forEach((n, i) => out.push(
      confLine(`other_pgpool_hostname${i}`, n.host), confLine(`other_pgpool_port${i}`, n.pgpoolPort), confLine(`other_wd_port${i}`, n.wdPort),
    ));
  }
  out.push(confLine('wd_priority', spec.priority ?? spec.nodes.length - spec.self));
  out.push(
    confLine('wd_lifecheck_method', 'heartbeat'),
    confLine('wd_interval', timings.interval),
    confLine('wd_heartbeat_keepalive', timings.heartbeatKeepalive),
    confLine('wd_heartbeat_deadtime', timings.heartbeatDeadtime),
  );
  if (usesNodeIdFile(v)) {
    spec.nodes.forEach((n, i) => out.push(
      confLine(`heartbeat_hostname${i}`, n.host), confLine(`heartbeat_port${i}`, n.heartbeatPort), confLine(`heartbeat_device${i}`, n.heartbeatDevice ?? ''),
    ));
  } else {
    out.push(confLine('wd_heartbeat_port', self.heartbeatPort));
    spec.nodes.filter((_n, i) => i !== spec.self).forEach((n, i) => out.push(
      confLine(`heartbeat_destination${i}`, n.host), confLine(`heartbeat_destination_port${i}`, n.heartbeatPort), confLine(`heartbeat_device${i}`, n.heartbeatDevice ?? ''),
    ));
  }
  if (spec.vip !== undefined) {
    const device = spec.device ?? 'eth0';
    const c = spec.commands ?? defaultVipCommands(v, device, spec.vipPrefix ?? 24);
    out.push(
      confLine(delegateIpName(v), spec.vip),
      confLine('if_cmd_path', c.ifCmdPath),
      confLine('if_up_cmd', c.ifUpCmd),
      confLine('if_down_cmd', c.ifDownCmd),
      confLine('arping_path', c.arpingPath),
      confLine('arping_cmd', c.arpingCmd),
    );
  } else {
    out.push(confLine(delegateIpName(v), ''));
  }
  if (escalationCommand !== undefined) out.push(confLine('wd_escalation_command', escalationCommand));
  if (spec.trustedServers !== undefined) out.push(confLine('trusted_servers', spec.trustedServers));
  if (atLeast(v, '3.7')) {
    out.push(
      confLine('failover_when_quorum_exists', true),
      confLine('failover_require_consensus', true),
      confLine('allow_multiple_failover_requests_from_node', false),
    );
  }
  // With an even count, exactly half the nodes is a quorum only with this on: two of four keep failing over.
  if (atLeast(v, '4.1')) out.push(confLine('enable_consensus_with_half_votes', spec.nodes.length % 2 === 0));
  if (spec.authkey !== undefined) out.push(confLine('wd_authkey', spec.authkey));
  return out;
}

/** Parameters whose value is a secret: a diff or a plan shows them masked. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(['wd_authkey']);

/** A pgpool.conf text (or a diff of one) with every secret parameter's value masked. */
export function maskSecretParams(text: string): string {
  return text.replace(/^([+\- ]?\s*)(wd_authkey)(\s*=\s*)(.*)$/gim, (_m, lead: string, name: string, eq: string) => `${lead}${name}${eq}'********' # secret, not shown`);
}

/** The pgpool_node_id file of node `self` (4.2+): just the number. */
export const nodeIdFile = (self: number): string => `${self}\n`;

/**
 * The escalation script: before the new leader brings the VIP up, remove it from every other pgpool host
 * (a leader killed with -9 never ran if_down_cmd), one ssh login per host, all hosts at once. Hosts and commands
 * are embedded with the one quoting helper; the script adds no run-time words to a remote command.
 */
export function escalationScript(spec: WatchdogSpec, ssh: { user: string; port: number; identityFile?: string; knownHostsFile?: string }, pgpoolVersion: string): string {
  if (spec.vip === undefined) throw new Error('The escalation script needs a VIP (delegate_ip).');
  const device = spec.device ?? 'eth0';
  const c = spec.commands ?? defaultVipCommands(pgpoolVersion, device, spec.vipPrefix ?? 24);
  // if_down_cmd as pgpool runs it: relative commands are under if_cmd_path.
  const down = c.ifDownCmd.replace(/\$_IP_\$/g, spec.vip);
  const downCmd = down.startsWith('/') ? down : `${c.ifCmdPath.replace(/\/+$/, '')}/${down}`;
  // ConnectTimeout covers the TCP connect and the key exchange: 1 s was too short on a loaded host (the VIP was
  // then left there and brought up here too). A silent host costs these seconds; one that refuses costs nothing.
  const sshOpts = ['-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `ConnectTimeout=${ESCALATION_CONNECT_TIMEOUT}`, '-p', String(ssh.port)];
  if (ssh.identityFile) sshOpts.push('-i', ssh.identityFile);
  if (ssh.knownHostsFile) sshOpts.push('-o', `UserKnownHostsFile=${ssh.knownHostsFile}`);
  const others = spec.nodes.filter((_n, i) => i !== spec.self).map((n) => q(n.host));
  // One login per host: the host checks its own addresses and removes the VIP only if it holds it.
  const clearRemote = `if ${shellCommand(['ip', '-o', 'addr', 'show', 'dev', device])} | ${shellCommand(['grep', '-qF', ` ${spec.vip}/`])}; then ${downCmd} && echo removed || echo failed; else echo absent; fi`;
  return `#!/bin/bash
# escalation.sh: run by pgpool (wd_escalation_command) on the pgpool node becoming leader, before it brings the
# VIP up: the VIP is removed from every other pgpool host that still holds it. Generated by pgpool-cluster.
set -o nounset -o pipefail
VIP=${q(spec.vip)}
SSH_USER=${q(ssh.user)}
SSH_OPTS=(${sshOpts.map(q).join(' ')})
# The classic key exchange first: OpenSSH 9's default (sntrup761x25519) costs about 0.1 s more CPU per login, paid
# while no host holds the VIP. '^' keeps the defaults behind it (a server without curve25519 still agrees); ssh -G
# only parses, so a client too old for '^' (before 8.0) keeps its plain defaults.
if ssh -G ${q(`-o${FAST_KEX}`)} localhost >/dev/null 2>&1; then SSH_OPTS+=(-o ${q(FAST_KEX)}); fi
OTHERS=(${others.join(' ')})
# Run on each other host in one login: removes the VIP there if that host holds it (if_down_cmd), says what it did.
CLEAR_CMD=${q(clearRemote)}

log() { printf '%s %s: %s\\n' "$(date '+%F %T')" "$(basename "$0")" "$*" >&2; }

clear_on() {
  local host=$1 said
  # An unreachable host is reported, not waited for (ConnectTimeout).
  said=$(ssh "\${SSH_OPTS[@]}" "$SSH_USER@$host" "$CLEAR_CMD" 2>/dev/null)
  case $said in
    removed) log "$host held $VIP: removed it" ;;
    absent) ;;
    failed) log "could not remove $VIP from $host" ;;
    *) log "$host did not answer: it cannot be checked for $VIP" ;;
  esac
}

# All hosts at once: the VIP is down everywhere until this script ends.
for host in "\${OTHERS[@]}"; do clear_on "$host" & done
wait
exit 0
`;
}
