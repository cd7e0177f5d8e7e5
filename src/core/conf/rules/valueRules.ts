/** Type, enum, range and unit checks shared by pgpool.conf, postgresql.conf and recovery.conf. */
import type { ParamSpec } from '../catalog/spec';
import type { RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import { suggest } from '../suggest';
import { replaceValueEdit } from '../parser';
import type { Diagnostic } from '../types';
import { parseBool, parseNumber, unitChoices } from '../values';
import { compareRelease } from '../catalog/pgpool';

export function checkValue(ctx: RuleContext, entry: ConfEntry, spec: ParamSpec): void {
  const v = entry.value;
  const shown = spec.secret ? '(hidden)' : `"${v}"`;
  const report = (code: string, message: string, severity: Diagnostic['severity'] = 'error', fixes?: Diagnostic['fixes']): void => {
    ctx.report({ range: entry.valueRange, severity, code: `${ctx.prefix}/${code}`, message, ...(fixes ? { fixes } : {}) });
  };
  switch (spec.type) {
    case 'bool': {
      if (parseBool(v) !== undefined) return;
      if (ctx.prefix === 'pgpool') {
        report('invalid-boolean', `${shown} is not a boolean (on/off, true/false, yes/no, 1/0). pgpool-II does not reject it: it stores an invalid boolean as ON for ${entry.name}.`, 'warning',
          [{ title: 'Set to on', edits: [replaceValueEdit(entry, 'on')] }, { title: 'Set to off', edits: [replaceValueEdit(entry, 'off')] }]);
      } else {
        report('invalid-boolean', `${shown} is not a boolean for ${entry.name}: use on/off, true/false, yes/no or 1/0.`);
      }
      return;
    }
    case 'int':
    case 'long':
    case 'double': {
      const integer = spec.type !== 'double';
      const p = parseNumber(v, spec.unit, integer);
      if (!p.ok) {
        if (p.reason === 'syntax') report('invalid-number', `${shown} is not ${integer ? 'an integer' : 'a number'}; ${entry.name} expects ${integer ? 'an integer' : 'a number'}${spec.unit ? ` (unit ${spec.unit} unless given)` : ''}.`);
        else if (p.reason === 'unit-not-allowed') report('invalid-unit', `${entry.name} takes no unit, but "${p.unitText ?? ''}" was given.`);
        else report('invalid-unit', `"${p.unitText ?? ''}" is not a valid unit for ${entry.name} (units are case-sensitive: ${unitChoices(spec.unit ?? 's')}).`);
        return;
      }
      if (ctx.prefix === 'postgresql' && ctx.postgres < 12 && p.unitText === 'us') {
        report('invalid-unit', `"us" is a unit of PostgreSQL 12 and later; ${ctx.postgres} refuses it for ${entry.name} (valid: ms, s, min, h, d).`);
        return;
      }
      // Checked on pgpool-II 4.3.5: the un-indexed default of a per-node setting (health_check_period = 5s)
      // is refused with a unit ("invalid value"), while health_check_period0 = 5s is read fine. Newer releases unverified.
      if (ctx.prefix === 'pgpool' && compareRelease(ctx.pgpool, '4.3') <= 0 && spec.indexed === 'both' && !/\d$/.test(entry.name) && /[A-Za-z]\s*$/.test(v.replace(/^0[xX][0-9a-fA-F]+$/, ''))) {
        report('invalid-unit', `pgpool-II refuses a unit in ${entry.name} without a node number ("invalid value for parameter"); write the plain number of ${spec.unit ?? 'units'}${spec.unit ? '' : ''}, or set it per node (${entry.name}0 = ${v}).`);
        return;
      }
      if (integer && ctx.prefix === 'postgresql' && ctx.postgres < 12 && /^\s*[+-]?(\d*\.\d|\d+[eE])/.test(v)) {
        report('invalid-number', `${shown} is not an integer; PostgreSQL ${ctx.postgres} does not round fractions for ${entry.name} (12 and later do).`);
        return;
      }
      const lo = spec.min;
      const hi = spec.max;
      if ((lo !== undefined && p.value < lo) || (hi !== undefined && p.value > hi)) {
        report('value-out-of-range', `${v} is outside the valid range of ${entry.name}: ${lo ?? '-inf'} .. ${hi ?? 'inf'}${spec.unit ? ` ${spec.unit}` : ''}.`);
      }
      return;
    }
    case 'enum': {
      const allowed = spec.enumValues ?? [];
      const lower = v.toLowerCase();
      if (allowed.includes(lower) || (spec.hiddenEnum ?? []).includes(lower)) return;
      const close = suggest(v, allowed, 1);
      const fixes = close.map((c) => ({ title: `Change to '${c}'`, edits: [replaceValueEdit(entry, c)] }));
      report('invalid-enum-value', `${shown} is not a valid value for ${entry.name}. Valid values: ${allowed.filter((a) => a !== '').join(', ')}.${close[0] ? ` Did you mean '${close[0]}'?` : ''}`,
        'error', fixes.length > 0 ? fixes : undefined);
      return;
    }
    default:
      return;
  }
}
