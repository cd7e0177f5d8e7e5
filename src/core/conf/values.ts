/** Value parsing the way PostgreSQL's parse_bool/parse_int/parse_real (copied into pgpool-II) do it. */
import type { ParamUnit } from './catalog/spec';

export function parseBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (v.length === 0) return undefined;
  if (v === '1') return true;
  if (v === '0') return false;
  if ('true'.startsWith(v) || 'yes'.startsWith(v)) return true;
  if ('false'.startsWith(v) || 'no'.startsWith(v)) return false;
  if (v === 'on') return true;
  if (v === 'of' || v === 'off') return false;
  return undefined;
}

const MEMORY_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60000, h: 3600000, d: 86400000 };
const BASE_FACTOR: Record<ParamUnit, number> = { B: 1, kB: 1024, MB: 1024 ** 2, '8kB': 8192, ms: 1, s: 1000, min: 60000 };

export function isMemoryUnit(u: ParamUnit): boolean {
  return u === 'B' || u === 'kB' || u === 'MB' || u === '8kB';
}

export type NumberParse =
  | { ok: true; value: number; unitText?: string }
  | { ok: false; reason: 'syntax' | 'unit-not-allowed' | 'bad-unit'; unitText?: string };

const NUMBER_RE = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))\s*([A-Za-z]+)?\s*$/;

/** Parses a number with an optional unit and converts it to the parameter's base unit. */
export function parseNumber(raw: string, unit: ParamUnit | undefined, integer: boolean): NumberParse {
  const m = NUMBER_RE.exec(raw);
  if (!m || m[1] === undefined) return { ok: false, reason: 'syntax' };
  const numText = m[1];
  let n: number;
  if (/^[+-]?0[xX]/.test(numText)) n = (numText.startsWith('-') ? -1 : 1) * parseInt(numText.replace(/^[+-]/, ''), 16);
  else if (integer && numText.length > 1 && (numText[0] === '0' || numText[1] === '0') && /^[+-]?0[0-7]+$/.test(numText)) n = (numText.startsWith('-') ? -1 : 1) * parseInt(numText.replace(/^[+-]/, ''), 8);
  else n = Number(numText);
  if (!Number.isFinite(n)) return { ok: false, reason: 'syntax' };
  const unitText = m[2];
  if (unitText === undefined) return { ok: true, value: integer ? Math.round(n) : n };
  if (!unit) return { ok: false, reason: 'unit-not-allowed', unitText };
  const table = isMemoryUnit(unit) ? MEMORY_UNITS : TIME_UNITS;
  const factor = table[unitText];
  if (factor === undefined) return { ok: false, reason: 'bad-unit', unitText };
  const converted = (n * factor) / BASE_FACTOR[unit];
  return { ok: true, value: integer ? Math.round(converted) : converted, unitText };
}

export function unitChoices(unit: ParamUnit): string {
  return isMemoryUnit(unit) ? 'B, kB, MB, GB, TB' : 'us, ms, s, min, h, d';
}

/** A duration in milliseconds, written for people. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'unbounded';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const min = s / 60;
  return `${Number.isInteger(min) ? min : min.toFixed(1)} min`;
}
