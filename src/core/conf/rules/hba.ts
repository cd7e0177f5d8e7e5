/** pg_hba.conf / pool_hba.conf records: types, methods, addresses, and trust from the network. */
import type { HbaField, HbaRecord, ParsedHba } from '../hba';
import { HBA_TYPES } from '../hba';
import { suggest } from '../suggest';
import type { Diagnostic } from '../types';

const PG_METHODS = ['trust', 'reject', 'scram-sha-256', 'md5', 'password', 'gss', 'sspi', 'ident', 'peer', 'ldap', 'radius', 'cert', 'pam', 'bsd'];
const POOL_METHODS = ['trust', 'reject', 'scram-sha-256', 'md5', 'password', 'cert', 'pam', 'ldap', 'gss'];
const POOL_TYPES = ['local', 'host', 'hostssl', 'hostnossl'];

export function isLoopback(addr: string): boolean {
  const a = addr.toLowerCase();
  return a === 'localhost' || a === 'samehost' || /^127\./.test(a) || a === '::1/128' || a === '::1';
}

function checkIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function checkAddress(rec: HbaRecord, report: (d: Diagnostic) => void): void {
  const a = rec.address;
  if (!a) return;
  const v = a.value;
  if (['all', 'samehost', 'samenet'].includes(v.toLowerCase())) return;
  const slash = v.indexOf('/');
  if (slash >= 0) {
    const ip = v.slice(0, slash);
    const bits = v.slice(slash + 1);
    const v6 = ip.includes(':');
    const ok = (v6 ? /^[0-9a-fA-F:.]+$/.test(ip) : checkIpv4(ip)) && /^\d+$/.test(bits) && Number(bits) <= (v6 ? 128 : 32);
    if (!ok) report({ range: a.range, severity: 'error', code: 'hba/invalid-address', message: `"${v}" is not a valid CIDR address (e.g. 192.168.1.0/24 or ::1/128).` });
    return;
  }
  if (/^[0-9.]+$/.test(v)) {
    if (!checkIpv4(v)) report({ range: a.range, severity: 'error', code: 'hba/invalid-address', message: `"${v}" is not a valid IPv4 address.` });
    else if (!rec.mask) report({ range: a.range, severity: 'error', code: 'hba/invalid-address', message: `The address ${v} needs a CIDR length (${v}/32) or a separate netmask column.` });
    else if (!checkIpv4(rec.mask.value)) report({ range: rec.mask.range, severity: 'error', code: 'hba/invalid-address', message: `"${rec.mask.value}" is not a valid netmask.` });
  }
}

/** True when the record admits addresses beyond this host. */
export function isNetworkWide(rec: HbaRecord): boolean {
  if (rec.type.value === 'local' || !rec.address) return false;
  return !isLoopback(rec.address.value);
}

export function checkHba(doc: ParsedHba, pool: boolean, report: (d: Diagnostic) => void): void {
  const types = pool ? POOL_TYPES : HBA_TYPES;
  const methods = pool ? POOL_METHODS : PG_METHODS;
  for (const rec of doc.records) {
    const t = rec.type.value;
    if (!types.includes(t)) {
      const close = suggest(t, types, 1);
      report({ range: rec.type.range, severity: 'error', code: 'hba/invalid-type',
        message: `"${t}" is not a connection type${pool ? ' in pool_hba.conf' : ''}; use ${types.join(', ')}.`,
        ...(close[0] ? { fixes: [{ title: `Change to ${close[0]}`, edits: [{ range: rec.type.range, newText: close[0] }] }] } : {}) });
      continue;
    }
    checkAddress(rec, report);
    const m = rec.method.value;
    if (!methods.includes(m)) {
      const close = suggest(m, methods, 1);
      report({ range: rec.method.range, severity: 'error', code: 'hba/invalid-method',
        message: `"${m}" is not an authentication method${pool ? ' of pool_hba.conf' : ''}; use one of ${methods.join(', ')}.`,
        ...(close[0] ? { fixes: [{ title: `Change to ${close[0]}`, edits: [{ range: rec.method.range, newText: close[0] }] }] } : {}) });
      continue;
    }
    if (pool && rec.database.value.split(',').includes('samegroup')) {
      report({ range: rec.database.range, severity: 'error', code: 'hba/invalid-database', message: 'pool_hba.conf does not support samegroup (pgpool does not know group membership).' });
    }
    if (m === 'trust' && isNetworkWide(rec)) {
      report({ range: rec.method.range, severity: 'warning', code: 'hba/trust-non-local',
        message: `trust for ${(rec.address as HbaField).value}: anyone who can reach this ${pool ? 'pgpool' : 'server'} from there logs in as any user (${rec.user.value}) without a password. Use scram-sha-256.`,
        fixes: [{ title: 'Change to scram-sha-256', edits: [{ range: rec.method.range, newText: 'scram-sha-256' }] }] });
    }
    if (m === 'password' && isNetworkWide(rec) && rec.type.value !== 'hostssl') {
      report({ range: rec.method.range, severity: 'information', code: 'hba/cleartext-password-method',
        message: 'password sends the password in clear text; use it only with hostssl, or use scram-sha-256.' });
    }
  }
}
