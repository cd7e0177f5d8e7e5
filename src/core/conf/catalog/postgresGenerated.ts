/** Facts measured from the real servers (postgresGucs.generated.ts) as ParamSpecs, for the majors measured. */
import { PG_GENERATED_GUCS, PG_GENERATED_VERSIONS } from './postgresGucs.generated';
import type { ParamContext, ParamSpec, ParamType, ParamUnit } from './spec';

const BOOL_WORDS = ['on', 'off', 'true', 'false', 'yes', 'no', '1', '0'];
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
    const [type, context, min, max, unit, enumValues] = span[1];
    const spec: ParamSpec = { name, type: type as ParamType, default: '', context: (context === 'internal' ? 'restart' : context) as ParamContext, indexed: 'no' };
    if (min !== null) spec.min = min;
    if (max !== null) spec.max = max;
    if (unit) spec.unit = unit as ParamUnit;
    if (enumValues.length > 0) {
      spec.enumValues = enumValues;
      // PostgreSQL hides the other spellings of on/off in enums that list them (parse_bool words).
      if (enumValues.includes('on') || enumValues.includes('off')) spec.hiddenEnum = BOOL_WORDS;
    }
    map.set(name, spec);
  }
  cache.set(version, map);
  return map;
}

/** Names that some measured major lists; hidden developer GUCs (not in --describe-config) are absent from all. */
export function measuredInAnyVersion(name: string): boolean {
  return PG_GENERATED_GUCS[name] !== undefined;
}
