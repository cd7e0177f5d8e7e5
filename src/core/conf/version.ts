/** Target versions: a `# pgpool-cluster: pgpool=4.3 postgresql=15` comment, else the options, else the newest. */
import { NEWEST_PGPOOL, pgpoolReleaseOf } from './catalog/pgpool';
import { NEWEST_PG, pgMajorOf } from './catalog/postgresVersions';
import { range, type Diagnostic } from './types';

export interface TargetVersions {
  pgpool: string;
  postgres: number;
  pgpoolSource: 'file' | 'option' | 'default';
  postgresSource: 'file' | 'option' | 'default';
  problems: Diagnostic[];
}

const DIRECTIVE = /#\s*pgpool-cluster:([^\r\n]*)/;

export function detectVersions(text: string, pgpoolOption?: string, postgresOption?: string): TargetVersions {
  const out: TargetVersions = {
    pgpool: NEWEST_PGPOOL, postgres: NEWEST_PG, pgpoolSource: 'default', postgresSource: 'default', problems: [],
  };
  if (pgpoolOption) {
    const rel = pgpoolReleaseOf(pgpoolOption);
    if (rel) { out.pgpool = rel; out.pgpoolSource = 'option'; }
  }
  if (postgresOption) {
    const major = pgMajorOf(postgresOption);
    if (major !== undefined) { out.postgres = major; out.postgresSource = 'option'; }
  }
  // Only the head of a big file is searched: the directive belongs near the top.
  const m = DIRECTIVE.exec(text.length > 65536 ? text.slice(0, 65536) : text);
  if (!m || m[1] === undefined) return out;
  const before = text.slice(0, m.index);
  let line = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  const col = m.index - (before.lastIndexOf('\n') + 1);
  const lineEnd = col + m[0].length;
  for (const part of m[1].trim().split(/[\s,]+/)) {
    const kv = /^(pgpool|postgresql|postgres|pg)=(.+)$/i.exec(part);
    if (!kv || !kv[1] || !kv[2]) {
      if (part) out.problems.push({ range: range(line, col, lineEnd), severity: 'warning', code: 'conf/bad-version-directive',
        message: `Unrecognised item "${part}" in the pgpool-cluster directive; write e.g. "# pgpool-cluster: pgpool=4.3 postgresql=15".` });
      continue;
    }
    if (kv[1].toLowerCase() === 'pgpool') {
      const rel = pgpoolReleaseOf(kv[2]);
      if (rel) { out.pgpool = rel; out.pgpoolSource = 'file'; } else out.problems.push(badVersion(line, col, lineEnd, 'pgpool-II', kv[2]));
    } else {
      const major = pgMajorOf(kv[2]);
      if (major !== undefined) { out.postgres = major; out.postgresSource = 'file'; } else out.problems.push(badVersion(line, col, lineEnd, 'PostgreSQL', kv[2]));
    }
  }
  return out;
}

function badVersion(line: number, col: number, end: number, what: string, v: string): Diagnostic {
  return { range: range(line, col, end), severity: 'warning', code: 'conf/bad-version-directive',
    message: `"${v}" is not a ${what} version this extension knows; the newest known is used.` };
}
