/** The same parameter set twice: the later line wins, the earlier one is dead. */
import { wholeLine, type RuleContext } from '../context';
import type { ConfEntry, ParsedConf } from '../parser';
import type { Fix, TextEdit } from '../types';

/**
 * "Remove the dead line" for one entry. A big file has thousands of these and code actions ask for a few,
 * so the title and the edit are built on first read (prototype getters: no closure per diagnostic).
 */
class RemoveDeadLineFix implements Fix {
  constructor(private readonly doc: ParsedConf, private readonly entry: ConfEntry) {}

  get title(): string {
    return `Remove the dead ${this.entry.name} line`;
  }

  get edits(): TextEdit[] {
    return [{ range: wholeLine(this.doc, this.entry.line), newText: '' }];
  }

  /** Serialises like a plain Fix. */
  toJSON(): Fix {
    return { title: this.title, edits: this.edits };
  }
}

export function checkDuplicates(ctx: RuleContext): void {
  const code = `${ctx.prefix}/duplicate-parameter`;
  const lastByKey = new Map<string, ConfEntry>();
  for (const e of ctx.doc.entries) if (e.kind === 'setting') lastByKey.set(e.key, e);
  // A big file repeats a few names thousands of times: each winner's part of the message is built once.
  const againOn = new Map<ConfEntry, string>();
  for (const e of ctx.doc.entries) {
    if (e.kind !== 'setting') continue;
    const winner = lastByKey.get(e.key);
    if (!winner || winner === e) continue;
    let again = againOn.get(winner);
    if (again === undefined) {
      again = ` is set again on line ${winner.line + 1}, which wins; this line (value `;
      againOn.set(winner, again);
    }
    ctx.report({
      range: e.nameRange, severity: 'warning', code,
      message: `${e.name}${again}${e.rawValue}) has no effect.`,
      fixes: [new RemoveDeadLineFix(ctx.doc, e)],
    });
  }
}
