/**
 * .pgpass lookup done here rather than by `pg`: pg's built-in support is deprecated, ignores a per-cluster
 * passfile, and would match the tunnel's 127.0.0.1:<random> instead of the node's real host and port.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PgpassEntry { readonly host: string; readonly port: string; readonly database: string; readonly user: string; readonly password: string }

export function parsePgpass(text: string): PgpassEntry[] {
  const out: PgpassEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch === '\\' && i + 1 < raw.length) { cur += raw[++i]!; continue; }
      if (ch === ':' && fields.length < 4) { fields.push(cur); cur = ''; continue; }
      cur += ch;
    }
    fields.push(cur);
    if (fields.length !== 5) continue;
    const [host, port, database, user, password] = fields as [string, string, string, string, string];
    out.push({ host, port, database, user, password });
  }
  return out;
}

export function findPgpassPassword(entries: readonly PgpassEntry[], want: { host: string; port: number; database: string; user: string }): string | undefined {
  const host = want.host.startsWith('/') ? 'localhost' : want.host;
  const ok = (pat: string, v: string): boolean => pat === '*' || pat === v;
  return entries.find((e) => ok(e.host, host) && ok(e.port, String(want.port)) && ok(e.database, want.database) && ok(e.user, want.user))?.password;
}

/** The passfile in effect: explicit, then PGPASSFILE, then ~/.pgpass. */
export function pgpassPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.PGPASSFILE ?? path.join(os.homedir(), '.pgpass');
}

/** Reads the passfile like libpq: silently absent; ignored (with a warning) when group/world readable. */
export async function readPgpass(file: string, warn?: (message: string) => void): Promise<PgpassEntry[]> {
  try {
    const st = await fs.stat(file);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      warn?.(`Password file ${file} has group or world access; it is ignored, as libpq does. Run: chmod 0600 ${file}`);
      return [];
    }
    return parsePgpass(await fs.readFile(file, 'utf8'));
  } catch {
    return [];
  }
}
