/** failover/failback/follow_primary commands: placeholders pgpool would drop, and the script path. */
import { FAILOVER_COMMANDS, placeholderAvailable, placeholdersFor, type Placeholder } from '../catalog/placeholders';
import type { RuleContext } from '../context';
import type { PgpoolModel } from '../pgpoolModel';
import { range } from '../types';

const COMMANDS = new Set([...FAILOVER_COMMANDS, 'trusted_server_command']);
const PATH_CHECKED = new Set([...FAILOVER_COMMANDS, 'recovery_1st_stage_command', 'recovery_2nd_stage_command']);

/** A `%` pgpool drops: where in the value, what was written, and the placeholder when it only lacks the release. */
interface DroppedPlaceholder { at: number; code: string; known?: Placeholder }

function droppedPlaceholders(name: string, text: string, release: string): DroppedPlaceholder[] {
  const list = placeholdersFor(name) ?? [];
  const out: DroppedPlaceholder[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '%') continue;
    const code = text.slice(i, i + 2);
    const p = list.find((x) => x.code === code);
    if (!p || !placeholderAvailable(p, release)) out.push(p ? { at: i, code, known: p } : { at: i, code });
    i++;
  }
  return out;
}

export function checkPgpoolCommands(ctx: RuleContext, model: PgpoolModel): void {
  // Appending tools repeat the same command line thousands of times: read each distinct one once.
  const seen = new Map<string, DroppedPlaceholder[]>();
  for (const s of model.settings) {
    const e = s.entry;
    if (!COMMANDS.has(e.name)) continue;
    const text = e.value;
    const key = `${e.name}\n${text}`;
    let dropped = seen.get(key);
    if (dropped === undefined) {
      dropped = droppedPlaceholders(e.name, text, ctx.pgpool);
      seen.set(key, dropped);
    }
    if (dropped.length === 0) continue;
    const list = placeholdersFor(e.name) ?? [];
    // Offsets map into the raw text: quoted values start one character later.
    const base = e.valueRange.start.character + (e.quoted ? 1 : 0);
    for (const { at: i, code, known: p } of dropped) {
      const at = range(e.line, base + i, base + Math.min(i + 2, text.length));
      if (!p) {
        ctx.report({ range: at, severity: 'warning', code: 'pgpool/unknown-placeholder',
          message: i + 1 >= text.length
            ? 'A lone % at the end is dropped by pgpool; write %% for a literal percent sign.'
            : `${code} is not a placeholder of ${e.name}; pgpool silently drops it. Known: ${list.map((x) => x.code).join(' ')}.` });
      } else {
        ctx.report({ range: at, severity: 'warning', code: 'pgpool/placeholder-unavailable',
          message: `${code} (${p.meaning}) exists since pgpool-II ${p.since}; ${ctx.pgpool} drops it, so the script receives fewer arguments.` });
      }
    }
  }
  for (const s of model.settings) {
    const e = s.entry;
    if (!PATH_CHECKED.has(e.name)) continue;
    const trimmed = e.value.trim();
    if (e.value === '') continue;
    const valueAt = e.valueRange;
    if (trimmed === '') {
      ctx.report({ range: valueAt, severity: 'warning', code: 'pgpool/command-path',
        message: `${e.name} holds only white space; write '' to disable it or give the script path.` });
      continue;
    }
    const first = trimmed.split(/\s+/)[0] ?? '';
    if (e.name.startsWith('recovery_')) {
      if (first.includes('/')) {
        ctx.report({ range: valueAt, severity: 'warning', code: 'pgpool/command-path',
          message: `${e.name} names a script inside the primary's data directory (pgpool runs $PGDATA/${first}); a path with "/" is unusual here and must still resolve under $PGDATA.` });
      }
      continue;
    }
    if (first.startsWith('%')) {
      ctx.report({ range: valueAt, severity: 'warning', code: 'pgpool/command-path',
        message: `${e.name} starts with a placeholder instead of a program: the shell would try to run the expanded value.` });
    } else if (!first.startsWith('/')) {
      ctx.report({ range: valueAt, severity: 'warning', code: 'pgpool/command-path',
        message: `${e.name} runs "${first}" by a relative path; pgpool starts it through /bin/sh from its own working directory and PATH. Use an absolute path such as /etc/pgpool-II/${first.replace(/^\.\//, '')}.` });
    }
  }
}
