/** Facts measured from the real servers (postgresGucs.generated.ts) as ParamSpecs, for the majors measured. */
import { PG_GENERATED_GUCS, PG_GENERATED_VERSIONS } from './postgresGucs.generated';
import type { ParamContext, ParamSpec, ParamType, ParamUnit } from './spec';

const cache = new Map<number, Map<string, ParamSpec>>();

export function hasMeasuredCatalog(version: number): boolean {
  return PG_GENERATED_VERSIONS.includes(version);
}

/** Every GUC of a measured major (lower-case names); empty for majors that were not measured. */
export function measuredPgCatalog(version: number): Map<string, ParamSpec> {
  const cached = cache.get(version);
  if (cached) return cached;
  const map = new Map<string, ParamSpec>();
  for (const [name, spans] of Object.entries(PG_GENERATED_GUCS)) {
    const span = spans.find(([versions]) => versions.includes(version));
    if (!span) continue;
    const [type, context, min, max, unit, enumValues, hidden] = span[1];
    const spec: ParamSpec = { name, type: type as ParamType, default: '', context: (context === 'internal' ? 'restart' : context) as ParamContext, indexed: 'no' };
    if (min !== null) spec.min = min;
    if (max !== null) spec.max = max;
    if (unit) spec.unit = unit as ParamUnit;
    if (enumValues.length > 0) {
      spec.enumValues = enumValues;
      // Spellings the server accepts without listing them (measured: on/off's parse_bool words, wal_level's archive).
      if (hidden && hidden.length > 0) spec.hiddenEnum = hidden;
    }
    map.set(name, spec);
  }
  cache.set(version, map);
  return map;
}

/** Names that some measured major has (hidden developer and read-only GUCs included). */
export function measuredInAnyVersion(name: string): boolean {
  return PG_GENERATED_GUCS[name] !== undefined;
}

function internalIn(name: string, version: number): boolean | undefined {
  const span = (PG_GENERATED_GUCS[name] ?? []).find(([versions]) => versions.includes(version));
  return span ? span[1][1] === 'internal' : undefined;
}

/**
 * A GUC the server refuses in a configuration file whatever the value ("parameter cannot be changed": lc_collate,
 * server_version, block_size ...). Measured for 11, 15, 17; another major counts when the measured majors on both
 * sides of it (or 11 alone, below 11) agree.
 */
export function isReadOnlyGuc(name: string, version: number): boolean {
  if (hasMeasuredCatalog(version)) return internalIn(name, version) === true;
  const below = [...PG_GENERATED_VERSIONS].filter((m) => m < version).pop();
  const above = PG_GENERATED_VERSIONS.find((m) => m > version);
  if (below === undefined) return above !== undefined && internalIn(name, above) === true;
  return above !== undefined && internalIn(name, below) === true && internalIn(name, above) === true;
}
