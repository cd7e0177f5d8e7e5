// Lab faults on the isolated lab, as data: each fault is a list of commands in the root namespace or on a
// host. Network faults poison the neighbour (ARP) entries of the addresses cut off, so packets go to a MAC
// nobody has and vanish silently, as on a real partition (this kernel has neither nft nor tc actions).
import type { LabHost, LabLayout } from './layout';
import { allHosts, HOST_PG_HOME } from './layout';
import { hostPgFsSize, isolationOf, netnsName, vethName, type Argv } from './isolation';

/** A MAC address no lab interface has (locally administered). */
export const DEAD_MAC = '02:00:00:00:de:ad';

export type FaultKind = 'partition' | 'isolate' | 'freeze' | 'crash' | 'slow' | 'disk-full';

export type Fault =
  | { readonly kind: 'partition'; readonly a: string; readonly b: string; readonly oneway: boolean }
  | { readonly kind: 'isolate' | 'freeze' | 'crash' | 'disk-full'; readonly host: string }
  | { readonly kind: 'slow'; readonly host: string; readonly rate: string };

/** A point on the lab network: a host, or the workstation (the root namespace on the bridge). */
export type Endpoint = { readonly kind: 'host'; readonly host: LabHost } | { readonly kind: 'workstation'; readonly address: string };

/** Where a command runs: `root` is the workstation; a host name runs it in that host's namespaces. */
export interface FaultCommand {
  readonly where: 'root' | { readonly netns: string } | { readonly host: string };
  readonly argv: Argv;
  readonly mayFail?: boolean;
}

export class FaultError extends Error {}

/** HOST as the cluster file and `status` name it (node0, pgpool), its address, or `workstation`. */
export function resolveEndpoint(layout: LabLayout, name: string): Endpoint {
  const iso = isolationOf(layout);
  if (name === 'workstation' || name === iso.workstation) return { kind: 'workstation', address: iso.workstation };
  const host = allHosts(layout).find((h) => h.name === name || h.address === name);
  if (!host) {
    const names = [...allHosts(layout).map((h) => `${h.name} (${h.address})`), `workstation (${iso.workstation})`];
    throw new FaultError(`No lab host ${JSON.stringify(name)}. Name one of: ${names.join(', ')}.`);
  }
  return { kind: 'host', host };
}

export function resolveHost(layout: LabLayout, name: string): LabHost {
  const e = resolveEndpoint(layout, name);
  if (e.kind !== 'host') throw new FaultError('This fault acts on a lab host, not on the workstation.');
  return e.host;
}

const address = (e: Endpoint): string => (e.kind === 'host' ? e.host.address : e.address);

/** `from` can no longer send to `to`: its neighbour entry for `to` points at a MAC nobody has. */
function cutCommand(layout: LabLayout, from: Endpoint, to: Endpoint): FaultCommand {
  const iso = isolationOf(layout);
  const entry = ['neigh', 'replace', address(to), 'lladdr', DEAD_MAC, 'nud', 'permanent'];
  return from.kind === 'host'
    ? { where: { netns: netnsName(iso, from.host) }, argv: ['ip', ...entry, 'dev', 'eth0'] }
    : { where: 'root', argv: ['ip', ...entry, 'dev', iso.bridge] };
}

/** tc tbf on both ends of the host's link: what it sends (eth0) and what it receives (its bridge port). */
export const slowCommands = (layout: LabLayout, host: LabHost, rate: string): FaultCommand[] => {
  const iso = isolationOf(layout);
  const tbf = ['root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms'];
  return [
    { where: { netns: netnsName(iso, host) }, argv: ['tc', 'qdisc', 'replace', 'dev', 'eth0', ...tbf] },
    { where: 'root', argv: ['tc', 'qdisc', 'replace', 'dev', vethName(iso, host), ...tbf] },
  ];
};

/** A rate tc understands: a number and a unit (kbit, mbit, gbit, bps...). */
export function checkRate(rate: string): string {
  if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i.test(rate)) {
    throw new FaultError(`RATE must be a number with a unit tc understands, e.g. 1mbit or 512kbit (got ${JSON.stringify(rate)}).`);
  }
  return rate;
}

/** The network part of a fault; process and disk faults are done by the runner (they need pids, df). */
export function networkFaultCommands(layout: LabLayout, fault: Fault): FaultCommand[] {
  const iso = isolationOf(layout);
  switch (fault.kind) {
    case 'partition': {
      const a = resolveEndpoint(layout, fault.a);
      const b = resolveEndpoint(layout, fault.b);
      if (address(a) === address(b)) throw new FaultError('A partition needs two different hosts.');
      // One way: A's packets no longer reach B (B still sends to A, but A's answers are lost).
      return fault.oneway ? [cutCommand(layout, a, b)] : [cutCommand(layout, a, b), cutCommand(layout, b, a)];
    }
    case 'isolate': {
      const h: Endpoint = { kind: 'host', host: resolveHost(layout, fault.host) };
      const others: Endpoint[] = [
        ...allHosts(layout).filter((x) => x.address !== address(h)).map((host): Endpoint => ({ kind: 'host', host })),
        { kind: 'workstation', address: iso.workstation },
      ];
      return others.flatMap((o) => [cutCommand(layout, h, o), cutCommand(layout, o, h)]);
    }
    case 'slow':
      return slowCommands(layout, resolveHost(layout, fault.host), checkRate(fault.rate));
    default:
      return [];
  }
}

/** Undo every network fault: permanent neighbour entries and tc qdiscs everywhere in the lab. */
export function healNetworkCommands(layout: LabLayout): FaultCommand[] {
  const iso = isolationOf(layout);
  return [
    { where: 'root', argv: ['ip', 'neigh', 'flush', 'dev', iso.bridge, 'nud', 'permanent'], mayFail: true },
    ...allHosts(layout).flatMap((h): FaultCommand[] => [
      { where: { netns: netnsName(iso, h) }, argv: ['ip', 'neigh', 'flush', 'dev', 'eth0', 'nud', 'permanent'], mayFail: true },
      { where: { netns: netnsName(iso, h) }, argv: ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], mayFail: true },
      { where: 'root', argv: ['tc', 'qdisc', 'del', 'dev', vethName(iso, h), 'root'], mayFail: true },
    ]),
  ];
}

/** Shrinks the host's /var/lib/postgresql (where pg_wal lives) to what it holds: the next write gets ENOSPC. */
export const diskFullArgv = (usedKiB: number): Argv => ['mount', '-o', `remount,size=${Math.max(usedKiB, 4)}k`, HOST_PG_HOME];
export const diskFreeArgv = (): Argv => ['mount', '-o', `remount,size=${hostPgFsSize()}`, HOST_PG_HOME];
export const diskUsageArgv = (): Argv => ['df', '--output=used', '-k', HOST_PG_HOME];

/** KiB used, from `df --output=used -k` output. */
export function parseDfUsed(out: string): number {
  const n = Number.parseInt(out.trim().split('\n').pop() ?? '', 10);
  if (!Number.isFinite(n)) throw new FaultError(`Cannot read the used space from df: ${JSON.stringify(out)}`);
  return n;
}

export function parseFault(kind: string, args: readonly string[], oneway = false): Fault {
  const need = (n: number, usage: string): void => {
    if (args.length !== n) throw new FaultError(`Usage: lab fault ${kind} ${usage}`);
  };
  switch (kind) {
    case 'partition': need(2, 'A B [--oneway]'); return { kind, a: args[0]!, b: args[1]!, oneway };
    case 'isolate': case 'freeze': case 'crash': case 'disk-full': need(1, 'HOST'); return { kind, host: args[0]! };
    case 'slow': need(2, 'HOST RATE'); return { kind, host: args[0]!, rate: checkRate(args[1]!) };
    default: throw new FaultError(`Unknown fault ${JSON.stringify(kind)}: partition, isolate, freeze, crash, slow, disk-full.`);
  }
}
