/**
 * The pgpool.conf files of one watchdog cluster must describe the same nodes: on 4.2+ every file lists every
 * node and heartbeat target identically; before 4.2 each file lists the others, so the whole set
 * (itself + the others) must agree.
 */
import { parseConf } from './parser';
import { PgpoolModel } from './pgpoolModel';
import { range, type ConfLanguageId, type Diagnostic } from './types';
import { detectVersions } from './version';
import { watchdogConf, type WatchdogConf, type WatchdogMember } from './watchdogModel';

interface WatchdogFile {
  readonly fileName: string;
  readonly wd: WatchdogConf;
}

const show = (list: readonly string[]): string => (list.length ? list.join(', ') : '(none)');

function lists(f: WatchdogFile): { members: string[]; heartbeats: string[] } {
  const hosts = (m: readonly WatchdogMember[]): string[] => m.map((x) => x.host);
  if (f.wd.layout === 'indexed') return { members: hosts(f.wd.members), heartbeats: hosts(f.wd.heartbeats) };
  // Legacy files list themselves apart; compare the sets. Heartbeat targets are the others: compare their count.
  return { members: [...hosts(f.wd.members)].sort(), heartbeats: hosts(f.wd.heartbeats).map(() => '*') };
}

/** Cross-file watchdog findings, reported to `add` by file name. */
export function checkWatchdogFiles(files: readonly { fileName: string; languageId: ConfLanguageId; text: string }[],
  options: { pgpoolVersion?: string; postgresVersion?: string }, add: (file: string, d: Diagnostic) => void): void {
  // One pgpool.conf has nothing to agree with: do not parse it again.
  if (files.filter((f) => f.languageId === 'pgpool-conf').length < 2) return;
  const wdFiles: WatchdogFile[] = [];
  for (const f of files) {
    if (f.languageId !== 'pgpool-conf') continue;
    const v = detectVersions(f.text, options.pgpoolVersion, options.postgresVersion);
    const wd = watchdogConf(new PgpoolModel(parseConf(f.text, 'pgpool'), v.pgpool));
    if (wd) wdFiles.push({ fileName: f.fileName, wd });
  }
  if (wdFiles.length < 2) return;
  for (const kind of ['members', 'heartbeats'] as const) {
    const keyed = wdFiles.map((f) => ({ f, list: lists(f)[kind] }));
    const counts = new Map<string, number>();
    for (const k of keyed) counts.set(JSON.stringify(k.list), (counts.get(JSON.stringify(k.list)) ?? 0) + 1);
    // The list most files share is taken as the intended one; on a tie, the first file's.
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    const reference = keyed.find((k) => JSON.stringify(k.list) === best);
    if (!reference) continue;
    for (const k of keyed) {
      if (JSON.stringify(k.list) === best) continue;
      const first = (kind === 'members' ? k.f.wd.members : k.f.wd.heartbeats)[0]?.entry;
      const where = first ? first.nameRange : range(0, 0, 0);
      if (kind === 'members') {
        add(k.f.fileName, { range: where, severity: 'error', code: 'cross/watchdog-nodes-differ',
          message: `The watchdog nodes here (${show(k.list)}) differ from ${reference.f.fileName} (${show(reference.list)}): every pgpool node must list the same nodes${k.f.wd.layout === 'indexed' ? ' in the same order (hostnameN, wd_portN, pgpool_portN)' : ' (wd_hostname plus other_pgpool_hostnameN)'}, or they never agree on the cluster and its quorum.` });
      } else if (k.f.wd.layout === 'indexed') {
        add(k.f.fileName, { range: where, severity: 'error', code: 'cross/watchdog-heartbeat-differs',
          message: `The heartbeat hosts here (${show(k.list)}) differ from ${reference.f.fileName} (${show(reference.list)}): every pgpool node must list the same heartbeat_hostnameN in the same order, or a node counts a live peer as dead and the VIP moves for nothing.` });
      } else {
        add(k.f.fileName, { range: where, severity: 'error', code: 'cross/watchdog-heartbeat-differs',
          message: `This file sends heartbeats to ${k.list.length} host(s), ${reference.f.fileName} to ${reference.list.length}: each pgpool node must list every other node in heartbeat_destinationN, or a live peer counts as dead.` });
      }
    }
  }
}
