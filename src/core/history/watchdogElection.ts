// What pgpool-II's watchdog did after it lost its leader, read from the surviving pgpool nodes' logs: when the loss
// was noticed, when each survivor stood for leader, who won and when, and the escalation (wd_escalation_command,
// then if_up_cmd). The watchdog bench uses it to split a VIP move into pgpool's own fixed timers and ours.
import { parsePgpoolLine } from './pgpoolLog';

/** pgpool 4.x waits this long for every node's reply to its "stand for leader" message (fixed in its code). */
export const STAND_COMMAND_TIMEOUT_SECONDS = 4;

export interface ElectionTimeline {
  /** First survivor to notice the lost leader (ms since the epoch, local time of the log). */
  readonly noticedAt?: number;
  /** Each survivor's first move to STANDING FOR LEADER, in time order. */
  readonly stood: readonly { readonly node: string; readonly at: number }[];
  /** The survivor that became LEADER, and when. */
  readonly leader?: { readonly node: string; readonly at: number; readonly stoodAt?: number };
  /**
   * True when the winner stood for leader and then waited out pgpool's command timeout: its "stand" message reached
   * the other survivor while that one was still INITIALIZING, a state that drops it without a reply.
   */
  readonly standTimedOut: boolean;
  /** The new leader's escalation: started (after quorum), wd_escalation_command done, if_up_cmd tried. */
  readonly escalationStartAt?: number;
  readonly escalationCommandDoneAt?: number;
}

/** A pgpool log stamp ('2026-11-30 02:55:41.675', local time) in ms since the epoch. */
export function stampMs(stamp: string): number {
  return new Date(stamp.replace(' ', 'T')).getTime();
}

interface Line { readonly at: number; readonly message: string }

function linesOf(text: string, from: number): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const p = parsePgpoolLine(raw);
    if (!p || p.level === 'SCRIPT') continue;
    const at = stampMs(p.stamp);
    if (Number.isFinite(at) && at >= from) out.push({ at, message: p.message });
  }
  return out;
}

const changed = (to: string): RegExp => new RegExp(String.raw`^watchdog node state changed from \[[A-Z ]+\] to \[${to}\]`);
const STOOD = changed('STANDING FOR LEADER');
const LEADER = changed('LEADER');

/**
 * The election that followed a leader loss at or after `from` (ms since the epoch), from each surviving node's log
 * text (name -> text). Lines before `from` are ignored, so whole log files can be passed.
 */
export function electionTimeline(survivors: ReadonlyMap<string, string>, from: number): ElectionTimeline {
  let noticedAt: number | undefined;
  const stood: { node: string; at: number }[] = [];
  let leader: { node: string; at: number; stoodAt?: number } | undefined;
  let escalationStartAt: number | undefined;
  let escalationCommandDoneAt: number | undefined;
  for (const [node, text] of survivors) {
    let myStand: number | undefined;
    for (const l of linesOf(text, from)) {
      if (/^We have lost the cluster leader node|^watchdog cluster has lost the coordinator node/.test(l.message)) {
        noticedAt = Math.min(noticedAt ?? l.at, l.at);
      } else if (STOOD.test(l.message)) {
        if (myStand === undefined) { myStand = l.at; stood.push({ node, at: l.at }); }
      } else if (LEADER.test(l.message) && !leader) {
        leader = { node, at: l.at, ...(myStand !== undefined ? { stoodAt: myStand } : {}) };
      } else if (leader?.node === node && /^escalation process started/.test(l.message) && escalationStartAt === undefined) {
        escalationStartAt = l.at;
      } else if (leader?.node === node && /^watchdog escalation (successful|command failed|command exit)/.test(l.message) && escalationCommandDoneAt === undefined) {
        escalationCommandDoneAt = l.at;
      }
    }
  }
  stood.sort((a, b) => a.at - b.at);
  // A stand answered by every node ends at once; one that is not ends on the timeout (checked once a second).
  const standTimedOut = leader?.stoodAt !== undefined && leader.at - leader.stoodAt >= (STAND_COMMAND_TIMEOUT_SECONDS - 0.5) * 1000;
  return {
    ...(noticedAt !== undefined ? { noticedAt } : {}),
    stood,
    ...(leader ? { leader } : {}),
    standTimedOut,
    ...(escalationStartAt !== undefined ? { escalationStartAt } : {}),
    ...(escalationCommandDoneAt !== undefined ? { escalationCommandDoneAt } : {}),
  };
}

/** Seconds from the first vote for a backend failover to the consensus, from the leader's log; undefined if not seen. */
export function consensusWaitSeconds(leaderLog: string, from: number): number | undefined {
  let firstVote: number | undefined;
  for (const l of linesOf(leaderLog, from)) {
    if (firstVote === undefined && /^failover requires the majority vote, waiting for consensus/.test(l.message)) firstVote = l.at;
    else if (/^we have got the consensus to perform the failover/.test(l.message)) return firstVote === undefined ? 0 : (l.at - firstVote) / 1000;
  }
  return undefined;
}
