// The watchdog lab's own pieces: how its pgpool hosts bring the VIP up (a capability, not root), who holds the
// VIP (read on each host, not believed from pgpool), and the wait for a leader that serves through the VIP.
import { Client } from 'pg';
import { shellCommand } from '../remote/shellQuote';
import type { VipCommands, WatchdogSpec } from '../ops/setup/pgpoolConfig';
import type { LabLayout, LabPgpoolHost } from './layout';
import { LAB_PGPOOL_PORT } from './layout';
import { isolationOf, netnsName, type Argv } from './isolation';
import { LabError, runProgram, waitFor } from './proc';
import type { LabPasswords } from './postgres';

/** Folder of the pgpool hosts' VIP tools: a tmpfs mounted over /usr/local/sbin inside each host only. */
export const VIP_TOOLS_DIR = '/usr/local/sbin';
/** A copy of setpriv carrying CAP_NET_ADMIN + CAP_NET_RAW, runnable by the postgres group only. */
const NETCAPS = `${VIP_TOOLS_DIR}/netcaps-setpriv`;
/** Runs its arguments with CAP_NET_ADMIN and CAP_NET_RAW as ambient capabilities (ip keeps them then). */
export const AS_NETADMIN = `${VIP_TOOLS_DIR}/as-netadmin`;
/** Sends gratuitous ARP for an address, so the workstation's neighbour entry follows the VIP at once. */
export const GARP = `${VIP_TOOLS_DIR}/garp`;

const AS_NETADMIN_SCRIPT = `#!/bin/sh
# Lab only: runs "$@" with CAP_NET_ADMIN and CAP_NET_RAW (what pgpool's if_up_cmd needs) instead of a sudo rule.
exec ${NETCAPS} --inh-caps +net_admin,+net_raw --ambient-caps +net_admin,+net_raw -- "$@"
`;

// A gratuitous ARP request (sender = target = the VIP) from DEVICE, three times: arping -U, in Perl (always on Debian).
const GARP_SCRIPT = `#!/usr/bin/perl
# garp IP DEVICE: announce IP on DEVICE with gratuitous ARP (lab stand-in for arping -U). Needs CAP_NET_RAW.
use strict; use warnings; use Socket qw(inet_aton);
my ($ip, $dev) = @ARGV;
die "usage: garp IP DEVICE\\n" unless defined $dev && $dev =~ /^[\\w.:-]+$/;
my $addr = inet_aton($ip) or die "garp: not an IPv4 address: $ip\\n";
sub slurp { open(my $f, '<', $_[0]) or die "garp: $_[0]: $!\\n"; my $v = <$f>; chomp $v; return $v }
my $mac = pack('H12', join('', split(/:/, slurp("/sys/class/net/$dev/address"))));
my $ifindex = slurp("/sys/class/net/$dev/ifindex");
my $bcast = "\\xff" x 6;
socket(my $s, 17, 3, 0) or die "garp: packet socket: $!\\n"; # AF_PACKET, SOCK_RAW
my $frame = $bcast . $mac . pack('n', 0x0806) . pack('nnCCn', 1, 0x0800, 6, 4, 1) . $mac . $addr . ("\\0" x 6) . $addr;
$frame .= "\\0" x (60 - length($frame));
my $to = pack('S n i S C C a8', 17, 0x0806, $ifindex, 1, 0, 6, $bcast); # struct sockaddr_ll
for my $i (1 .. 3) { send($s, $frame, 0, $to) or die "garp: send: $!\\n"; select(undef, undef, undef, 0.05) }
`;

/** What pgpool runs on a lab pgpool host to move the VIP: ip and garp through the capability wrapper. */
export function labVipCommands(prefix: number): VipCommands {
  return {
    ifCmdPath: VIP_TOOLS_DIR,
    ifUpCmd: `${AS_NETADMIN} /usr/sbin/ip addr add $_IP_$/${prefix} dev eth0 label eth0:0`,
    ifDownCmd: `${AS_NETADMIN} /usr/sbin/ip addr del $_IP_$/${prefix} dev eth0`,
    arpingPath: VIP_TOOLS_DIR,
    arpingCmd: `${AS_NETADMIN} ${GARP} $_IP_$ eth0`,
  };
}

/** The lab's watchdog spec for pgpool host `self` (every host lists all three identically). */
export function labWatchdogSpec(layout: LabLayout, self: number, authkey: string): WatchdogSpec {
  const wd = layout.watchdog;
  if (!wd) throw new LabError('This lab has no watchdog (lab up --watchdog).');
  const prefix = Number(isolationOf(layout).subnet.split('/')[1] ?? '24');
  return {
    nodes: layout.pgpools.map((p) => ({ host: p.address, pgpoolPort: LAB_PGPOOL_PORT, wdPort: wd.wdPort, heartbeatPort: wd.heartbeatPort, heartbeatDevice: '' })),
    self, vip: wd.vip, vipPrefix: prefix, device: 'eth0', commands: labVipCommands(prefix), authkey,
  };
}

/**
 * Shell lines run as root inside a pgpool host (its own mount namespace) that install the VIP tools: the
 * machine's /usr/local/sbin is covered by a tmpfs, so nothing outside the host changes.
 */
export function vipToolsScript(gid: number): string {
  return [
    'set -e',
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=755,size=8m', 'tmpfs', VIP_TOOLS_DIR]),
    shellCommand(['cp', '/usr/bin/setpriv', NETCAPS]),
    shellCommand(['chown', `0:${gid}`, NETCAPS]),
    shellCommand(['chmod', '0750', NETCAPS]),
    shellCommand(['setcap', 'cap_net_admin,cap_net_raw+ep', NETCAPS]),
    `cat > ${AS_NETADMIN} <<'EOF'\n${AS_NETADMIN_SCRIPT}EOF`,
    `cat > ${GARP} <<'EOF'\n${GARP_SCRIPT}EOF`,
    shellCommand(['chmod', '0755', AS_NETADMIN, GARP]),
  ].join('\n');
}

/** argv that lists the IPv4 addresses of a host's eth0 from the root namespace (no process enters the host). */
export const hostAddrArgv = (layout: LabLayout, host: LabPgpoolHost): Argv =>
  ['ip', '-n', netnsName(isolationOf(layout), host), '-o', '-4', 'addr', 'show', 'dev', 'eth0'];

/** True when `ip -o addr` output holds the address (exactly, any prefix length). */
export function addrListHolds(out: string, address: string): boolean {
  return out.split('\n').some((l) => l.split(/\s+/).some((w) => w.startsWith(`${address}/`)));
}

/** The pgpool hosts whose eth0 holds the VIP now, checked in each host's network namespace. */
export async function vipHolders(layout: LabLayout): Promise<string[]> {
  const wd = layout.watchdog;
  if (!wd) return [];
  const outs = await Promise.all(layout.pgpools.map(async (p) => {
    const argv = hostAddrArgv(layout, p);
    const r = await runProgram(argv[0]!, argv.slice(1), { what: `addresses of ${p.name}` });
    return r.code === 0 && addrListHolds(r.stdout, wd.vip) ? p.name : undefined;
  }));
  return outs.filter((x): x is string => x !== undefined);
}

/** Waits until exactly one pgpool host holds the VIP and pgpool answers through it. */
export async function waitForVip(layout: LabLayout, pw: LabPasswords, timeoutMs = 60_000): Promise<string> {
  const wd = layout.watchdog;
  if (!wd) throw new LabError('This lab has no watchdog.');
  let holders: string[] = [];
  try {
    await waitFor('a watchdog leader holding the VIP and serving through it', async () => {
      holders = await vipHolders(layout);
      if (holders.length !== 1) return false;
      const c = new Client({ host: wd.vip, port: LAB_PGPOOL_PORT, user: 'postgres', password: pw.postgres, database: 'postgres', connectionTimeoutMillis: 2000 });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
    }, timeoutMs, 250);
  } catch (err) {
    throw new LabError(`${(err as Error).message} VIP ${wd.vip} held by: ${holders.join(', ') || 'nobody'}.`);
  }
  return holders[0]!;
}
