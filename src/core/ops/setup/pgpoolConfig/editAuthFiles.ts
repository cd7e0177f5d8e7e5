/**
 * Edits pool_hba.conf and pcp.conf in place: rules and users the tool does not own stay as they are; it adds
 * only what it needs (the rule that lets its own connections in, its pcp user's line).
 */
import { createHash } from 'node:crypto';

/** The connection the tool makes to pgpool: from this address, to this database, as this user. */
export interface HbaClient {
  readonly address: string;
  readonly database: string;
  readonly user: string;
}

export interface HbaEdit {
  readonly text: string;
  /** `satisfied`: the first matching rule already lets the client in (the file is unchanged). */
  readonly outcome: 'satisfied' | 'added';
  /** The rule that decides today (satisfied), or the reject rule the new one was put before. */
  readonly decidingRule?: string;
  readonly addedRule?: string;
}

export const HBA_MARKER = '# pgpool-cluster: lets the pgpool-cluster workstation reach pgpool';

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function inCidr(address: string, net: string, mask?: string): boolean {
  const a = ipv4(address);
  if (a === undefined) return false;
  let base: number | undefined;
  let bits: number;
  if (mask !== undefined) {
    base = ipv4(net);
    const m = ipv4(mask);
    if (base === undefined || m === undefined) return false;
    return (a & m) >>> 0 === (base & m) >>> 0;
  }
  const slash = net.indexOf('/');
  if (slash < 0) { base = ipv4(net); bits = 32; } else { base = ipv4(net.slice(0, slash)); bits = Number(net.slice(slash + 1)); }
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & m) >>> 0 === (base & m) >>> 0;
}

const listMatches = (column: string, value: string, extra: (item: string) => boolean = () => false): boolean =>
  column.split(',').some((item) => item === 'all' || item === value || extra(item));

interface HbaRule { readonly line: number; readonly method: string; readonly text: string }

/** The rule pgpool uses for the client (the first that matches), when one does; unknown forms never match. */
function firstMatch(lines: readonly string[], client: HbaClient): HbaRule | undefined {
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const cols = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (!/^host(ssl|nossl)?$/.test(cols[0] ?? '') || cols.length < 5) continue;
    const [, db = '', user = '', addr = ''] = cols;
    const maskForm = ipv4(addr) !== undefined && !addr.includes('/') && ipv4(cols[4] ?? '') !== undefined;
    const method = (maskForm ? cols[5] : cols[4]) ?? '';
    if (!listMatches(db, client.database, (d) => d === 'sameuser' && client.database === client.user)) continue;
    if (!listMatches(user, client.user)) continue;
    if (!(addr === 'all' || inCidr(client.address, addr, maskForm ? cols[4] : undefined))) continue;
    return { line: i, method, text: raw.trim() };
  }
  return undefined;
}

/** Lets the client in: nothing when its first matching rule does already, else a rule before the rejecting one. */
export function editPoolHba(current: string, client: HbaClient, method = 'scram-sha-256'): HbaEdit {
  const lines = current.split('\n');
  const match = firstMatch(lines, client);
  if (match && match.method !== 'reject') return { text: current, outcome: 'satisfied', decidingRule: match.text };
  const rule = `host    ${client.database}  ${client.user}  ${client.address}/32  ${method}`;
  if (match) {
    lines.splice(match.line, 0, HBA_MARKER, rule);
    return { text: lines.join('\n'), outcome: 'added', decidingRule: match.text, addedRule: rule };
  }
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  lines.push(HBA_MARKER, rule, '');
  return { text: lines.join('\n'), outcome: 'added', addedRule: rule };
}

/** pcp.conf with the user's `user:md5` line written (replaced where it is, or appended); other lines kept. */
export function editPcpConf(current: string, user: string, password: string): string {
  if (/[:\s]/.test(user)) throw new Error(`The pcp user name ${JSON.stringify(user)} cannot contain ':' or white space.`);
  const line = `${user}:${createHash('md5').update(password).digest('hex')}`;
  const lines = current.split('\n');
  let found = false;
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').trim();
    if (l.startsWith('#') || l.slice(0, l.indexOf(':')) !== user) continue;
    // pcp reads the first entry for a user: write there, comment out the others.
    lines[i] = found ? `#${lines[i] ?? ''}` : line;
    found = true;
  }
  if (found) return lines.join('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return `${[...lines, line].join('\n')}\n`;
}
