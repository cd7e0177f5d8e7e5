/** pgpool-II parameter catalogue per release line (3.6 .. 4.7), read from the generated table. */
import { PGPOOL_PARAM_TABLE, PGPOOL_RELEASES } from './pgpoolParams.generated';
import type { RawPgpoolSpan, RawPgpoolSpec } from './pgpoolTypes';
import type { ParamContext, ParamSpec, ParamType, ParamUnit } from './spec';

export type PgpoolRelease = (typeof PGPOOL_RELEASES)[number];
export const PGPOOL_RELEASE_LIST: readonly string[] = PGPOOL_RELEASES;
export const NEWEST_PGPOOL: string = PGPOOL_RELEASES[PGPOOL_RELEASES.length - 1] as string;

const TYPE_MAP: Record<string, ParamType> = {
  bool: 'bool', int: 'int', long: 'long', double: 'double', string: 'string', string_list: 'list', enum: 'enum',
};

// Indexed reads, not array destructuring: this runs for every parameter in a process that has just started, where
// destructuring's iterator protocol is interpreted step by step.
function toSpec(name: string, raw: RawPgpoolSpec): ParamSpec {
  const type = raw[0], def = raw[1], min = raw[2], max = raw[3], enumValues = raw[4], context = raw[5], indexed = raw[6];
  const indexMax = raw[7], unit = raw[8], group = raw[9], flags = raw[10], sep = raw[11], alias = raw[12];
  const spec: ParamSpec = {
    name,
    type: TYPE_MAP[type] ?? 'string',
    default: def,
    context: context as ParamContext,
    indexed: indexed as ParamSpec['indexed'],
    group,
  };
  if (min !== null) spec.min = min;
  if (max !== null) spec.max = max;
  if (enumValues.length > 0) {
    spec.enumValues = enumValues.filter((v) => !v.startsWith('~')).map((v) => v.toLowerCase());
    spec.hiddenEnum = enumValues.filter((v) => v.startsWith('~')).map((v) => v.slice(1).toLowerCase());
  }
  if (indexMax !== null) spec.indexMax = indexMax;
  if (unit) spec.unit = unit as ParamUnit;
  if (flags.includes('VAR_HIDDEN_VALUE')) spec.secret = true;
  if (sep) spec.listSeparator = sep;
  if (alias) spec.aliasOf = alias;
  return spec;
}

const cache = new Map<string, Map<string, ParamSpec>>();

/** Maps any version text (`4.3`, `4.3.5`, `V4_3_2`) to a release line of the catalogue, or undefined. */
export function pgpoolReleaseOf(version: string): string | undefined {
  const m = /(\d+)[._](\d+)/.exec(version);
  if (!m) return undefined;
  const key = `${m[1]}.${m[2]}`;
  if (PGPOOL_RELEASE_LIST.includes(key)) return key;
  const asNum = Number(m[1]) * 100 + Number(m[2]);
  if (asNum > 407) return NEWEST_PGPOOL;
  if (asNum < 306) return PGPOOL_RELEASE_LIST[0];
  return undefined;
}

export function compareRelease(a: string, b: string): number {
  return PGPOOL_RELEASE_LIST.indexOf(a) - PGPOOL_RELEASE_LIST.indexOf(b);
}

/** Every parameter known to the given release line, keyed by base name. */
export function pgpoolCatalog(release: string): Map<string, ParamSpec> {
  const cached = cache.get(release);
  if (cached) return cached;
  const idx = PGPOOL_RELEASE_LIST.indexOf(release);
  const map = new Map<string, ParamSpec>();
  for (const name in PGPOOL_PARAM_TABLE) {
    const spans = PGPOOL_PARAM_TABLE[name] as RawPgpoolSpan[];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as RawPgpoolSpan;
      if (idx >= span[0] && idx <= span[1]) { map.set(name, toSpec(name, span[2])); break; }
    }
  }
  cache.set(release, map);
  return map;
}

/** Releases in which a name exists, for "added in"/"removed in" notes. */
export function pgpoolReleasesOf(name: string): string[] {
  const spans = PGPOOL_PARAM_TABLE[name];
  if (!spans) return [];
  const out: string[] = [];
  for (const [from, to] of spans) for (let i = from; i <= to; i++) out.push(PGPOOL_RELEASE_LIST[i] as string);
  return out;
}

export interface ResolvedName {
  spec: ParamSpec;
  base: string;
  /** The numeric suffix of an indexed name, if any. */
  index?: number;
  indexText?: string;
}

/**
 * Resolves a written name like pgpool's find_option(): exact name first, then an indexed base name
 * followed by digits only.
 */
export function resolvePgpoolName(catalog: Map<string, ParamSpec>, name: string): ResolvedName | undefined {
  const exact = catalog.get(name);
  if (exact) return { spec: exact, base: name };
  const m = /^(.*?)(\d+)$/.exec(name);
  if (!m || !m[1]) return undefined;
  const spec = catalog.get(m[1]);
  if (!spec || spec.indexed === 'no') return undefined;
  return { spec, base: m[1], index: Number(m[2]), indexText: m[2] };
}
