/**
 * Entries of .pgpass (host:port:database:user:password) and .pcppass (host:port:user:password) files and the
 * rules their readers use to pick one: the first line whose fields all match, `*` matching anything, `\`
 * escaping `:` and `\`. The password never leaves these functions except as the lookup's result.
 */

/** Splits one line into `count` fields (the last takes the rest); undefined for comments, blanks and short lines. */
export function passFileFields(raw: string, count: number): string[] | undefined {
  if (raw.trim() === '' || raw.startsWith('#')) return undefined;
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) { cur += raw[++i]!; continue; }
    if (ch === ':' && fields.length < count - 1) { fields.push(cur); cur = ''; continue; }
    cur += ch;
  }
  fields.push(cur);
  return fields.length === count ? fields : undefined;
}

/** What a connection will look up: libpq matches host, port, database and user; pcp host, port and user. */
export interface PassFileLookup {
  readonly host: string;
  readonly port: number;
  /** libpq only; `replication` for a physical replication connection (libpq's own rule). */
  readonly database?: string;
  readonly user: string;
}

const fieldMatches = (pattern: string, value: string): boolean => pattern === '*' || pattern === value;

/**
 * Index (0-based line among the file's entries) of the first entry that matches, or -1. libpq: a socket
 * connection (host starting with `/`, or empty) matches `localhost`. pcp (pcppass.c): the same wildcards.
 */
export function matchingEntry(text: string, kind: 'pgpass' | 'pcppass', want: PassFileLookup): { line: number; user: string } | undefined {
  const host = want.host === '' || want.host.startsWith('/') ? 'localhost' : want.host;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const f = passFileFields(lines[i]!, kind === 'pgpass' ? 5 : 4);
    if (!f) continue;
    const ok = kind === 'pgpass'
      ? fieldMatches(f[0]!, host) && fieldMatches(f[1]!, String(want.port)) && fieldMatches(f[2]!, want.database ?? '*') && fieldMatches(f[3]!, want.user)
      : fieldMatches(f[0]!, host) && fieldMatches(f[1]!, String(want.port)) && fieldMatches(f[2]!, want.user);
    if (ok) return { line: i + 1, user: want.user };
  }
  return undefined;
}

/** The entry as a check may show it: every field but the password. */
export function describeLookup(kind: 'pgpass' | 'pcppass', want: PassFileLookup): string {
  return kind === 'pgpass' ? `${want.host}:${want.port}:${want.database ?? '*'}:${want.user}` : `${want.host}:${want.port}:${want.user}`;
}
