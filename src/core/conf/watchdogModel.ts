/**
 * The watchdog part of a pgpool.conf, read for both layouts: 4.2+ lists every pgpool node identically
 * (`hostnameN`, `heartbeat_hostnameN`), 3.x-4.1 lists this node (`wd_hostname`) and the others
 * (`other_pgpool_hostnameN`, `heartbeat_destinationN`).
 */
import { compareRelease } from './catalog/pgpool';
import type { ConfEntry } from './parser';
import type { PgpoolModel } from './pgpoolModel';

export interface WatchdogMember {
  readonly index: number;
  readonly host: string;
  readonly entry: ConfEntry;
}

export interface WatchdogConf {
  readonly layout: 'indexed' | 'legacy';
  /** Every pgpool node of the watchdog cluster, this one included. */
  readonly members: readonly WatchdogMember[];
  /** Heartbeat targets in index order (4.2+: every node; legacy: the other nodes). */
  readonly heartbeats: readonly WatchdogMember[];
  /** The virtual IP (`delegate_ip`, `delegate_IP` up to 4.3) and the entry that sets it. */
  readonly delegateIp?: { readonly value: string; readonly entry: ConfEntry };
}

const unquote = (v: string): string => v.trim();

function indexed(model: PgpoolModel, base: string): WatchdogMember[] {
  const byIndex = new Map<number, WatchdogMember>();
  for (const s of model.settings) {
    const r = s.resolved;
    if (!r || r.base !== base || r.index === undefined) continue;
    const host = unquote(s.entry.value);
    if (host === '') byIndex.delete(r.index);
    else byIndex.set(r.index, { index: r.index, host, entry: s.entry });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** The watchdog settings of the file, or undefined when use_watchdog is off. */
export function watchdogConf(model: PgpoolModel): WatchdogConf | undefined {
  if (!model.bool('use_watchdog')) return undefined;
  const vipEntry = model.last.get('delegate_ip') ?? model.last.get('delegate_IP');
  const vip = vipEntry ? unquote(vipEntry.value) : '';
  const delegateIp = vipEntry && vip !== '' ? { delegateIp: { value: vip, entry: vipEntry } } : {};
  if (compareRelease(model.release, '4.2') >= 0) {
    return { layout: 'indexed', members: indexed(model, 'hostname'), heartbeats: indexed(model, 'heartbeat_hostname'), ...delegateIp };
  }
  const self = model.last.get('wd_hostname');
  const others = indexed(model, 'other_pgpool_hostname').map((m) => ({ ...m, index: m.index + 1 }));
  const members = self && unquote(self.value) !== '' ? [{ index: 0, host: unquote(self.value), entry: self }, ...others] : others;
  return { layout: 'legacy', members, heartbeats: indexed(model, 'heartbeat_destination'), ...delegateIp };
}

/** pgpool's quorum rule: more than half alive, or exactly half with enable_consensus_with_half_votes. */
export function hasQuorum(alive: number, total: number, halfVotes: boolean): boolean {
  if (total <= 0) return false;
  return alive * 2 > total || (halfVotes && total % 2 === 0 && alive * 2 === total);
}
