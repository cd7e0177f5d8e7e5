/** pcp.conf: one `username:md5hash` per line, where the hash is 32 lowercase hex digits (pg_md5 output). */
import { looksBinary, splitLines } from './text';
import { range, type Diagnostic, type Range } from './types';

export interface PcpUser {
  line: number;
  user: string;
  userRange: Range;
  hash: string;
  hashRange: Range;
}

export interface ParsedPcp {
  lines: string[];
  users: PcpUser[];
  problems: Diagnostic[];
}

export function parsePcp(text: string): ParsedPcp {
  const out: ParsedPcp = { lines: [], users: [], problems: [] };
  if (looksBinary(text)) {
    out.lines = [''];
    out.problems.push({ range: range(0, 0, 0), severity: 'error', code: 'conf/binary-file', message: 'This file contains binary data; it is not pcp.conf.' });
    return out;
  }
  out.lines = splitLines(text);
  const seen = new Map<string, number>();
  for (let ln = 0; ln < out.lines.length; ln++) {
    const s = out.lines[ln] as string;
    const trimmed = s.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const lead = s.length - s.trimStart().length;
    const colon = s.indexOf(':', lead);
    if (colon < 0) {
      out.problems.push({ range: range(ln, lead, s.trimEnd().length), severity: 'error', code: 'pcp/syntax-error',
        message: 'A pcp.conf line is username:md5hash (create the hash with pg_md5 PASSWORD).' });
      continue;
    }
    const user = s.slice(lead, colon);
    const hashText = s.slice(colon + 1);
    const hash = hashText.trimEnd();
    const u: PcpUser = { line: ln, user, userRange: range(ln, lead, colon), hash, hashRange: range(ln, colon + 1, colon + 1 + hash.length) };
    if (user === '' || /\s/.test(user)) {
      out.problems.push({ range: u.userRange.start.character === colon ? range(ln, lead, colon + 1) : u.userRange, severity: 'error', code: 'pcp/syntax-error',
        message: user === '' ? 'The user name before ":" is empty.' : 'A pcp user name cannot contain white space.' });
    }
    if (!/^[0-9a-f]{32}$/.test(hash)) {
      const plain = hash.length > 0 && !/^[0-9a-fA-F]+$/.test(hash);
      out.problems.push({ range: hash.length ? u.hashRange : range(ln, colon, colon + 1), severity: 'error', code: 'pcp/malformed-hash',
        message: plain
          ? `The password of ${user} is not an md5 hash (it looks like clear text): pcp.conf needs the 32-hex-digit output of pg_md5. Clear text here never matches and exposes the password.`
          : `The hash of ${user} must be 32 lowercase hex digits (pg_md5 output); found ${hash.length} characters.` });
    }
    const prev = seen.get(user);
    if (prev !== undefined) {
      out.problems.push({ range: u.userRange, severity: 'warning', code: 'pcp/duplicate-user',
        message: `${user} is already defined on line ${prev + 1}; keep one line per user.` });
    } else seen.set(user, ln);
    out.users.push(u);
  }
  return out;
}
