/** A host's IPv4 addresses as `ip -o -4 addr show` prints them, and subnet arithmetic on them. */
export interface InterfaceAddress {
  readonly device: string;
  readonly address: string;
  readonly prefix: number;
}

/** `ip -o -4 addr show` lines: `2: eth0    inet 10.0.0.11/24 brd ... scope global eth0\ ...`. */
export function parseIpAddrLines(out: string): InterfaceAddress[] {
  const list: InterfaceAddress[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(line.trim());
    if (m) list.push({ device: m[1] ?? '', address: m[2] ?? '', prefix: m[3] === undefined ? 32 : Number(m[3]) });
  }
  return list;
}

function ipv4(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined;
  return p.reduce((acc, x) => acc * 256 + Number(x), 0);
}

/** The interface whose subnet holds `ip` (the VIP's own address and host routes left out), if any. */
export function subnetHolding(ip: string, addrs: readonly InterfaceAddress[]): InterfaceAddress | undefined {
  const target = ipv4(ip);
  if (target === undefined) return undefined;
  return addrs.find((a) => {
    const own = ipv4(a.address);
    if (own === undefined || a.address === ip || a.prefix >= 32 || a.device === 'lo') return false;
    const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
    return ((own & mask) >>> 0) === ((target & mask) >>> 0);
  });
}

/** Does the host have `ip` as one of its own addresses (the VIP held there)? */
export function holdsAddress(ip: string, addrs: readonly InterfaceAddress[]): boolean {
  return addrs.some((a) => a.address === ip);
}
