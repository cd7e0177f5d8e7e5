/**
 * Deterministic mutations of a configuration file: one line is set (or uncommented) with a wrong type, an
 * out-of-range value, a bad unit, a renamed/removed/misspelt name, a broken quote, or a valid value (control).
 */
import type { Random } from './random';

export interface ParamFact {
  name: string;
  type: 'bool' | 'int' | 'long' | 'double' | 'string' | 'list' | 'enum';
  min?: number;
  max?: number;
  unit?: string;
  enumValues?: readonly string[];
  /** Indexed pgpool parameter: the name needs a node number. */
  indexed?: boolean;
}

export type MutationKind = 'wrong-type' | 'out-of-range' | 'bad-unit' | 'renamed-name' | 'misspelt-name' | 'broken-quote' | 'valid-value';
export const MUTATION_KINDS: readonly MutationKind[] = ['wrong-type', 'out-of-range', 'bad-unit', 'renamed-name', 'misspelt-name', 'broken-quote', 'valid-value'];

export interface Mutation { kind: MutationKind; text: string; line: string }

const WORDS = ['abc', 'maybe', 'onn', 'tru', '12abc', '0x1G', '1.5', '-1', "'on off'", 'NULL', 'yes please', '1e3', '+7', '0777', 'o'];
const UNITS = ['kB', 'KB', 'kb', 'MB', 'mb', 'GB', 'TB', 'B', 'ms', 's', 'min', 'h', 'd', 'us', 'sec', 'm', 'ns', 'xx'];

function quoteIfNeeded(v: string): string {
  return /^[A-Za-z0-9_.:/+-]+$/.test(v) ? v : `'${v.replace(/'/g, '')}'`;
}

function validValue(rng: Random, f: ParamFact): string {
  switch (f.type) {
    case 'bool': return rng.pick(['on', 'off', 'true', 'false', 'yes', 'no', '1', '0', 'ON', 't', 'of']);
    case 'enum': return quoteIfNeeded(rng.pick(f.enumValues && f.enumValues.length > 0 ? f.enumValues : ['x']));
    case 'int': case 'long': case 'double': {
      const lo = Math.max(f.min ?? 0, -1000);
      const hi = Math.min(f.max ?? 1000, lo + 1000);
      const v = lo + rng.int(Math.max(1, hi - lo + 1));
      return f.unit && f.unit !== '8kB' && rng.int(3) === 0 ? `'${v}${f.unit}'` : String(v);
    }
    default: return `'${rng.pick(['x', 'localhost', '/tmp', 'a,b', ''])}'`;
  }
}

function wrongType(rng: Random, f: ParamFact): string {
  if (f.type === 'string' || f.type === 'list') return rng.pick(['12abc', 'a b', "'x'", '1.5', 'on']);
  return rng.pick(WORDS);
}

function outOfRange(rng: Random, f: ParamFact): string {
  if (f.type === 'int' || f.type === 'long' || f.type === 'double') {
    const options: string[] = [];
    if (f.min !== undefined && f.min > -2147483648) options.push(String(f.min - 1), String(f.min - 100));
    if (f.max !== undefined && f.max < 2147483647) options.push(String(f.max + 1), String(f.max * 2 + 1));
    options.push('99999999999', '-99999999999', '2147483648');
    return rng.pick(options);
  }
  if (f.type === 'enum') return quoteIfNeeded(`${rng.pick(f.enumValues ?? ['x'])}${rng.pick(['_x', 's', '2'])}`);
  return rng.pick(['-1', '99999999999']);
}

function badUnit(rng: Random, _f: ParamFact): string {
  const n = String(1 + rng.int(500));
  const u = rng.pick(UNITS);
  return rng.int(4) === 0 ? `'${n} ${u}'` : rng.int(2) === 0 ? `'${n}${u}'` : `${n}${u}`;
}

function misspelt(rng: Random, name: string): string {
  const i = 1 + rng.int(Math.max(1, name.length - 2));
  switch (rng.int(4)) {
    case 0: return name.slice(0, i) + name.slice(i + 1);
    case 1: return name.slice(0, i) + (name[i + 1] ?? '') + (name[i] ?? '') + name.slice(i + 2);
    case 2: return `${name}s`;
    default: return name.replace(/_/, '');
  }
}

function brokenQuote(rng: Random, value: string): string {
  const inner = value.replace(/^'|'$/g, '') || 'x';
  return rng.pick([`'${inner}`, `${inner}'`, `'${inner}'x'`, `'it''s'`, `'a\\'b'`, `'${inner}' '${inner}'`, `${inner} ${inner}`, `'${inner};`, `"${inner}"`]);
}

const SETTING = /^\s*#?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s#]*)/;

/**
 * Mutates one line of `base`: a setting or a commented-out setting of a known parameter. `renames` are
 * old/new names of the program family; `facts` resolves a written name to its facts.
 */
export function mutate(rng: Random, base: string, kind: MutationKind, facts: (name: string) => ParamFact | undefined, renames: readonly string[]): Mutation | undefined {
  const lines = base.split('\n');
  const candidates: number[] = [];
  lines.forEach((l, i) => { const m = SETTING.exec(l); if (m && m[1] && facts(m[1])) candidates.push(i); });
  if (candidates.length === 0) return undefined;
  const at = rng.pick(candidates);
  const m = SETTING.exec(lines[at] ?? '');
  if (!m || !m[1]) return undefined;
  const name = m[1];
  const fact = facts(name);
  if (!fact) return undefined;
  const value = m[2] ?? '';
  let line: string;
  switch (kind) {
    case 'wrong-type': line = `${name} = ${wrongType(rng, fact)}`; break;
    case 'out-of-range': line = `${name} = ${outOfRange(rng, fact)}`; break;
    case 'bad-unit': line = `${name} = ${badUnit(rng, fact)}`; break;
    case 'renamed-name': line = `${rng.pick(renames)} = ${value || validValue(rng, fact)}`; break;
    case 'misspelt-name': line = `${misspelt(rng, name)} = ${value || validValue(rng, fact)}`; break;
    case 'broken-quote': line = `${name} = ${brokenQuote(rng, value)}`; break;
    case 'valid-value': line = `${name} = ${validValue(rng, fact)}`; break;
  }
  lines[at] = line;
  return { kind, text: lines.join('\n'), line: `line ${at + 1}: ${line}` };
}
