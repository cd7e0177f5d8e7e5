// What of an isolated lab is still on this machine, found from the machine itself (namespaces, links, mounts,
// processes) rather than from the lab's state files: a killed `lab up` or an interrupted `lab down` leaves
// anchors.json or lab.json missing or partial, and `lab down` must still remove everything the lab made.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { processAlive } from './proc';

/** One process as /proc shows it: argv and the ids of its namespaces (`net:[4026532001]`...). */
export interface ProcessView {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly net?: string;
  readonly mnt?: string;
  readonly pidNs?: string;
}

export interface MachineView {
  /** Named network namespaces (/run/netns) with the id of each. */
  readonly netns: ReadonlyArray<{ readonly name: string; readonly id?: string }>;
  /** Network interfaces of the root namespace. */
  readonly links: readonly string[];
  /** Mount points of the root mount namespace. */
  readonly mounts: readonly string[];
  readonly processes: readonly ProcessView[];
  /** The machine's own namespaces (this process's): never the lab's, whatever else matches. */
  readonly self: { readonly net?: string; readonly mnt?: string; readonly pidNs?: string };
}

export interface Leftovers {
  readonly netns: string[];
  readonly links: string[];
  /** Deepest first, so each can be unmounted in order. */
  readonly mounts: string[];
  readonly pids: number[];
}

/** A namespace or link name the lab with this prefix made: the bridge (`p213x31`) or `p213x31-<host>`. */
export const namedByLab = (prefix: string, name: string): boolean => name === prefix || name.startsWith(`${prefix}-`);

/** Programs an anchor runs as (ip netns exec, then unshare, then the host's PID 1 shell). */
const ANCHOR_PROGRAMS = new Set(['ip', 'unshare', 'sh']);

/**
 * The lab's leftovers: namespaces and links named with its prefix; mounts of its namespaces and under its folder;
 * its anchors (a host's PID 1 and its parents, whose script names `<dir>/hosts/`), and every process in a network,
 * mount or PID namespace of the lab, even one whose name is gone (an interrupted down).
 */
export function findLeftovers(prefix: string, dir: string, view: MachineView): Leftovers {
  const root = dir.replace(/\/+$/, '');
  const hostsDir = `${root}/hosts/`;
  const netns = view.netns.filter((n) => namedByLab(prefix, n.name));
  const anchors = view.processes.filter((p) =>
    ANCHOR_PROGRAMS.has((p.argv[0] ?? '').split('/').pop() ?? '') && p.argv.some((a) => a.includes(hostsDir)));
  const machine = new Set([view.self.net, view.self.mnt, view.self.pidNs].filter((x): x is string => x !== undefined));
  const labNs = new Set<string>();
  for (const id of [...netns.map((n) => n.id), ...anchors.flatMap((a) => [a.net, a.mnt, a.pidNs])]) {
    if (id !== undefined && !machine.has(id)) labNs.add(id);
  }
  const inLab = (p: ProcessView): boolean => [p.net, p.mnt, p.pidNs].some((id) => id !== undefined && labNs.has(id));
  const pids = view.processes.filter((p) => anchors.includes(p) || inLab(p)).map((p) => p.pid).sort((a, b) => a - b);
  const mounts = view.mounts
    .filter((m) => netns.some((n) => m === `/run/netns/${n.name}`) || m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
  return {
    netns: netns.map((n) => n.name),
    links: view.links.filter((l) => namedByLab(prefix, l)),
    mounts: [...new Set(mounts)],
    pids,
  };
}

/** True when nothing of the lab is left. */
export const nothingLeft = (l: Leftovers): boolean => l.netns.length + l.links.length + l.mounts.length + l.pids.length === 0;

/** Leftovers in words, for `lab down`'s report. */
export function describeLeftovers(l: Leftovers): string {
  const parts = [
    l.pids.length > 0 ? `processes ${l.pids.join(', ')}` : '',
    l.netns.length > 0 ? `network namespaces ${l.netns.join(', ')}` : '',
    l.links.length > 0 ? `links ${l.links.join(', ')}` : '',
    l.mounts.length > 0 ? `mounts ${l.mounts.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'nothing';
}

const link = (path: string): string | undefined => { try { return readlinkSync(path); } catch { return undefined; } };
const list = (dir: string): string[] => { try { return readdirSync(dir); } catch { return []; } };

/** Unescapes a mountinfo field (\040 for a space...). */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** The machine as /run/netns, /sys/class/net, /proc/self/mountinfo and /proc show it now. */
export function readMachineView(): MachineView {
  const netns = list('/run/netns').map((name) => {
    try { return { name, id: `net:[${statSync(`/run/netns/${name}`).ino}]` }; } catch { return { name }; }
  });
  let mounts: string[] = [];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m).map(unescapeMount);
  } catch { /* no /proc: nothing mounted that we can see */ }
  const processes: ProcessView[] = [];
  for (const name of list('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let argv: string[];
    try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1); } catch { continue; }
    if (!processAlive(pid)) continue;
    processes.push({ pid, argv, net: link(`/proc/${pid}/ns/net`), mnt: link(`/proc/${pid}/ns/mnt`), pidNs: link(`/proc/${pid}/ns/pid`) });
  }
  return {
    netns, links: list('/sys/class/net'), mounts, processes,
    self: { net: link('/proc/self/ns/net'), mnt: link('/proc/self/ns/mnt'), pidNs: link('/proc/self/ns/pid') },
  };
}
