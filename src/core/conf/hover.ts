/** Hover text for a position: parameter facts, placeholder meanings, failover detection time. */
import { pgpoolCatalog, pgpoolReleasesOf, resolvePgpoolName } from './catalog/pgpool';
import { findPgpoolRename } from './catalog/pgpoolHistory';
import { PG_DESCRIPTIONS, PGPOOL_DESCRIPTIONS, RECOVERY_DESCRIPTIONS } from './catalog/descriptions';
import { placeholdersFor } from './catalog/placeholders';
import { pgCatalog, pgGucHistory, PG_REMOVED } from './catalog/postgres';
import { RECOVERY_BY_NAME } from './catalog/recovery';
import type { ParamSpec } from './catalog/spec';
import { pgLabel } from './context';
import { estimateFailoverDetection } from './healthCheck';
import { analyseConf } from './lint';
import type { ConfEntry } from './parser';
import { PgpoolModel } from './pgpoolModel';
import type { LintOptions, Position, Range } from './types';

export interface HoverInfo {
  range: Range;
  /** Markdown. */
  contents: string;
}

const CONTEXT_TEXT = { restart: 'change requires restart', reload: 'reload is enough', session: 'reload, or per session with PGPOOL SET / SET' };

function inside(r: Range, p: Position): boolean {
  return p.line === r.start.line && p.character >= r.start.character && p.character <= r.end.character;
}

function describeSpec(spec: ParamSpec, shown: string): string[] {
  const lines: string[] = [];
  let type: string = spec.type;
  if (spec.type === 'enum' && spec.enumValues) type = `enum: ${spec.enumValues.filter((v) => v !== '').join(' | ')}`;
  if (spec.type === 'list') type = `list separated by '${spec.listSeparator ?? ','}'`;
  lines.push(`**${shown}** (${type}${spec.unit ? `, unit ${spec.unit}` : ''})`);
  const facts: string[] = [];
  facts.push(`default: \`${spec.secret ? "''" : spec.default === '' ? "''" : spec.default}\``);
  if (spec.min !== undefined || spec.max !== undefined) facts.push(`range: ${spec.min ?? '-inf'} .. ${spec.max ?? 'inf'}`);
  facts.push(CONTEXT_TEXT[spec.context]);
  if (spec.indexed !== 'no') facts.push(spec.indexed === 'both' ? `per node as ${spec.name}N (0..${spec.indexMax ?? 127}) or for all nodes` : `indexed ${spec.name}N, N = 0..${spec.indexMax ?? 127}`);
  lines.push(facts.join(' · '));
  return lines;
}

export function hoverAt(text: string, position: Position, options: LintOptions): HoverInfo | undefined {
  if (options.languageId === 'pg-hba-conf' || options.languageId === 'pcp-conf') return undefined;
  const { doc, pgpool, postgres } = analyseConf(text, options);
  const entry = doc.entries.find((e) => e.line === position.line);
  if (!entry) return undefined;
  if (options.languageId === 'pgpool-conf') return pgpoolHover(doc.entries, entry, position, pgpool, new PgpoolModel(doc, pgpool));
  const onName = inside(entry.nameRange, position);
  if (!onName && !inside(entry.valueRange, position)) return undefined;
  const lines: string[] = [];
  if (options.languageId === 'recovery-conf') {
    const p = RECOVERY_BY_NAME.get(entry.key);
    if (!p) return undefined;
    lines.push(...describeSpec(p, p.name));
    if (RECOVERY_DESCRIPTIONS[p.name]) lines.push(RECOVERY_DESCRIPTIONS[p.name] as string);
    lines.push(`recovery.conf since PostgreSQL ${pgLabel(p.since)}; from 12: ${p.replacement}.`);
  } else {
    const spec = pgCatalog(postgres).get(entry.key);
    const removed = PG_REMOVED.find((r) => r.name === entry.key);
    if (spec) {
      lines.push(...describeSpec(spec, spec.name));
      if (PG_DESCRIPTIONS[spec.name]) lines.push(PG_DESCRIPTIONS[spec.name] as string);
      const hist = pgGucHistory(spec.name);
      const since = Math.min(...hist.map((h) => h.since));
      if (since > 9.6) lines.push(`Since PostgreSQL ${pgLabel(since)}.`);
    } else if (removed) {
      lines.push(`**${entry.name}**: removed in PostgreSQL ${pgLabel(removed.removedIn)}${removed.replacement ? ` (use ${removed.replacement})` : ''}. ${removed.note}.`);
    } else return undefined;
  }
  addDuplicateNote(lines, doc.entries, entry);
  return { range: onName ? entry.nameRange : entry.valueRange, contents: lines.join('\n\n') };
}

function addDuplicateNote(lines: string[], entries: ConfEntry[], entry: ConfEntry): void {
  const same = entries.filter((e) => e.kind === 'setting' && e.key === entry.key);
  if (same.length < 2) return;
  const winner = same[same.length - 1] as ConfEntry;
  lines.push(`Set ${same.length} times; effective value: \`${winner.rawValue}\` (line ${winner.line + 1})${winner === entry ? '' : ' — this line has no effect'}.`);
}

function pgpoolHover(entries: ConfEntry[], entry: ConfEntry, position: Position, release: string, model: PgpoolModel): HoverInfo | undefined {
  const catalog = pgpoolCatalog(release);
  const resolved = resolvePgpoolName(catalog, entry.name);
  const onName = inside(entry.nameRange, position);
  if (!onName && inside(entry.valueRange, position)) {
    const list = placeholdersFor(entry.name);
    if (list) {
      const offset = position.character - entry.valueRange.start.character - (entry.quoted ? 1 : 0);
      const v = entry.value;
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== '%') continue;
        if (offset === i || offset === i + 1) {
          const p = list.find((x) => x.code === v.slice(i, i + 2));
          const start = entry.valueRange.start.character + (entry.quoted ? 1 : 0) + i;
          const r = { start: { line: entry.line, character: start }, end: { line: entry.line, character: start + 2 } };
          return { range: r, contents: p ? `\`${p.code}\`: ${p.meaning} (since pgpool-II ${p.since})` : `\`${v.slice(i, i + 2)}\` is not a placeholder: pgpool drops it.` };
        }
        i++;
      }
    }
  }
  if (!onName && !inside(entry.valueRange, position)) return undefined;
  const lines: string[] = [];
  if (resolved) {
    lines.push(...describeSpec(resolved.spec, entry.name));
    const d = PGPOOL_DESCRIPTIONS[resolved.base];
    if (d) lines.push(d);
    const rels = pgpoolReleasesOf(resolved.base);
    const notes: string[] = [];
    if (rels[0] && rels[0] !== '3.6') notes.push(`added in pgpool-II ${rels[0]}`);
    const rename = findPgpoolRename(entry.name);
    if (rename?.rename.replacement) notes.push(`renamed ${rename.rename.replacement} in ${rename.rename.since}`);
    if (resolved.spec.aliasOf) notes.push(`deprecated alias of ${resolved.spec.aliasOf}`);
    if (notes.length) lines.push(`Version notes: ${notes.join('; ')}.`);
    if (resolved.base.startsWith('health_check_') || resolved.base === 'connect_timeout') {
      lines.push(estimateFailoverDetection(model, resolved.index).summary + '.');
    }
  } else {
    const rename = findPgpoolRename(entry.name);
    if (!rename) return undefined;
    const r = rename.rename;
    lines.push(`**${entry.name}**: ${r.replacement ? `replaced by ${r.replacement}` : 'removed'} in pgpool-II ${r.since}.${r.note ? ` ${r.note}.` : ''}`);
  }
  addDuplicateNote(lines, entries, entry);
  return { range: onName ? entry.nameRange : entry.valueRange, contents: lines.join('\n\n') };
}
