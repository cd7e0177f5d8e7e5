/** The same parameter set twice: the later line wins, the earlier one is dead. */
import { wholeLine, type RuleContext } from '../context';
import type { ConfEntry } from '../parser';

export function checkDuplicates(ctx: RuleContext): void {
  const lastByKey = new Map<string, ConfEntry>();
  for (const e of ctx.doc.entries) if (e.kind === 'setting') lastByKey.set(e.key, e);
  for (const e of ctx.doc.entries) {
    if (e.kind !== 'setting') continue;
    const winner = lastByKey.get(e.key);
    if (!winner || winner === e) continue;
    ctx.report({
      range: e.nameRange, severity: 'warning', code: `${ctx.prefix}/duplicate-parameter`,
      message: `${e.name} is set again on line ${winner.line + 1}, which wins; this line (value ${e.rawValue}) has no effect.`,
      fixes: [{ title: `Remove the dead ${e.name} line`, edits: [{ range: wholeLine(ctx.doc, e.line), newText: '' }] }],
    });
  }
}
