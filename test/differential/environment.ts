/**
 * The environment the oracles run in, stated and fixed so that a verdict does not depend on the machine or on
 * the caller's shell: no inherited PG* (or any other) variable, LC_ALL=LANG=C (the one locale every host has),
 * TZ=UTC. initdb runs in it too, with --locale=C -E UTF8, so the mutation bases do not depend on the machine; the
 * lines initdb still chooses by probing the host (max_connections, shared_buffers, dynamic_shared_memory_type)
 * are set to fixed values, and the report records each base's digest.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseConf } from '../../src/core/conf/parser';
import { isHostDependentZone } from '../../src/core/conf/rules/postgresTime';
import type { ServiceUser } from '../../src/core/lab/serviceUser';

export const ORACLE_ENV = { LC_ALL: 'C', LANG: 'C', TZ: 'UTC' } as const;

/** The complete environment of every oracle process (nothing is inherited). */
export function oracleEnv(user: ServiceUser): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: user.home, USER: user.name, LOGNAME: user.name, ...ORACLE_ENV };
}

/** initdb's arguments besides -D: fixed locale and encoding, no sync, trust (the scratch cluster never listens). */
export const INITDB_ARGS = ['-N', '-A', 'trust', '--locale=C', '-E', 'UTF8'] as const;

/** What initdb writes in the fixed environment; a machine that makes it write otherwise is overridden. */
const FIXED_BASE_LINES: Record<string, string> = {
  max_connections: '100', shared_buffers: '128MB', dynamic_shared_memory_type: 'posix',
};

export interface BaseFact { origin: string; sha256: string; normalized: string[] }

/** Sets the host-probed lines of an initdb postgresql.conf to fixed values; returns the text and what changed. */
export function normalizeBase(text: string): { text: string; normalized: string[] } {
  const normalized: string[] = [];
  const out = text.split('\n').map((line) => {
    const m = /^(\w+)(\s*=\s*)(\S+)(.*)$/.exec(line);
    const want = m?.[1] !== undefined ? FIXED_BASE_LINES[m[1]] : undefined;
    if (!m || want === undefined || m[3] === want) return line;
    normalized.push(`${m[1]} ${m[3]} -> ${want}`);
    return `${m[1]}${m[2] ?? ' = '}${want}${m[4] ?? ''}`;
  });
  return { text: out.join('\n'), normalized };
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const LOCALE_PARAMS = new Set(['lc_messages', 'lc_monetary', 'lc_numeric', 'lc_time']);

/**
 * Why a postgresql.conf's verdict depends on the host the server runs on, or undefined when it does not: a locale
 * name other than C/POSIX (whether en_US.UTF-8 or even C.UTF-8 is installed varies), or a zone file that some tz
 * databases have and others lack (localtime, posixrules, posix/...). The validator does not call these fatal; the
 * harness counts them apart instead of as agreement or disagreement.
 */
export function environmentDependence(text: string): string | undefined {
  for (const e of parseConf(text, 'postgresql').entries) {
    if (e.kind !== 'setting') continue;
    if (LOCALE_PARAMS.has(e.key) && /^(C\.[A-Za-z0-9_-]+|[a-z]{2,3}_[A-Z]{2}(\.[A-Za-z0-9_-]+)?(@[a-z0-9]+)?)$/.test(e.value)) {
      return `${e.name} = '${e.value}': whether that locale exists depends on the host (locale -a)`;
    }
    if ((e.key === 'timezone' || e.key === 'log_timezone') && isHostDependentZone(e.value)) {
      return `${e.name} = '${e.value}': whether that zone file exists depends on the server's tz database`;
    }
  }
  return undefined;
}

/**
 * Zone names the validator knows (PG_ZONE_NAMES) that this host's tz database lacks: a PostgreSQL built with the
 * system tzdata (Debian's) refuses those here. Reported, never used for a verdict; undefined without the directory.
 */
export function zonesMissingOnHost(known: Iterable<string>, dir = '/usr/share/zoneinfo'): string[] | undefined {
  if (!existsSync(dir)) return undefined;
  const present = new Set<string>();
  const walk = (rel: string): void => {
    for (const d of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(name);
      else present.add(name.toLowerCase());
    }
  };
  walk('');
  return [...known].filter((z) => !present.has(z) && !isHostDependentZone(z)).sort();
}
