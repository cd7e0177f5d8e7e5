/** Outline: sections from the sample's banners, backends grouped by index, watchdog nodes, hba records. */
import { parseHba } from './hba';
import { parseConf, type ConfEntry } from './parser';
import { parsePcp } from './pcp';
import type { LintOptions, Range } from './types';

export interface DocSymbol {
  name: string;
  detail: string;
  kind: 'section' | 'backend' | 'watchdog' | 'parameter' | 'record' | 'user';
  range: Range;
  selectionRange: Range;
  children: DocSymbol[];
}

function span(startLine: number, endLine: number, endChar: number): Range {
  return { start: { line: startLine, character: 0 }, end: { line: endLine, character: endChar } };
}

function paramSymbol(e: ConfEntry): DocSymbol {
  return { name: e.name, detail: e.rawValue, kind: 'parameter', range: { start: e.nameRange.start, end: e.valueRange.end }, selectionRange: e.nameRange, children: [] };
}

export function documentSymbols(text: string, options: LintOptions): DocSymbol[] {
  if (options.languageId === 'pg-hba-conf') {
    return parseHba(text).records.map((r) => ({
      name: `${r.type.value} ${r.database.value} ${r.user.value}${r.address ? ` ${r.address.value}` : ''}`,
      detail: r.method.value, kind: 'record' as const,
      range: { start: r.type.range.start, end: (r.options[r.options.length - 1] ?? r.method).range.end },
      selectionRange: r.type.range, children: [],
    }));
  }
  if (options.languageId === 'pcp-conf') {
    return parsePcp(text).users.map((u) => ({ name: u.user, detail: 'pcp user', kind: 'user' as const, range: { start: u.userRange.start, end: u.hashRange.end }, selectionRange: u.userRange, children: [] }));
  }
  const doc = parseConf(text, options.languageId === 'pgpool-conf' ? 'pgpool' : 'postgresql');
  const groups = new Map<string, { kind: 'backend' | 'watchdog'; index: string; entries: ConfEntry[] }>();
  const plain: ConfEntry[] = [];
  for (const e of doc.entries) {
    const m = options.languageId === 'pgpool-conf' ? /^(backend_[a-z_]+|hostname|wd_port|pgpool_port|heartbeat_[a-z]+)(\d+)$/.exec(e.name) : null;
    if (m && m[1] && m[2] !== undefined) {
      const kind = m[1].startsWith('backend_') ? 'backend' : 'watchdog';
      const key = `${kind}${m[2]}`;
      let g = groups.get(key);
      if (!g) { g = { kind, index: m[2], entries: [] }; groups.set(key, g); }
      g.entries.push(e);
    } else plain.push(e);
  }
  const out: DocSymbol[] = [];
  const sections = doc.sections;
  if (sections.length === 0) out.push(...plain.map(paramSymbol));
  else {
    const before = plain.filter((e) => e.line < (sections[0]?.line ?? 0));
    out.push(...before.map(paramSymbol));
    sections.forEach((s, i) => {
      const next = sections[i + 1];
      const endLine = next ? next.line - 1 : doc.lines.length - 1;
      const children = plain.filter((e) => e.line >= s.line && e.line <= endLine).map(paramSymbol);
      const r = span(s.line, endLine, (doc.lines[endLine] ?? '').length);
      out.push({ name: s.title, detail: `${children.length} set`, kind: 'section', range: r, selectionRange: span(s.line, s.line, (doc.lines[s.line] ?? '').length), children });
    });
  }
  for (const g of [...groups.values()].sort((a, b) => a.kind.localeCompare(b.kind) || Number(a.index) - Number(b.index))) {
    const first = g.entries[0] as ConfEntry;
    const last = g.entries[g.entries.length - 1] as ConfEntry;
    const host = g.entries.find((e) => /^(backend_hostname|hostname)\d+$/.test(e.name))?.value;
    const port = g.entries.find((e) => /^(backend_port|pgpool_port)\d+$/.test(e.name))?.value;
    out.push({
      name: `${g.kind === 'backend' ? 'Backend' : 'Watchdog node'} ${g.index}`,
      detail: host !== undefined ? `${host || '(unix socket)'}${port ? `:${port}` : ''}` : '',
      kind: g.kind,
      range: { start: first.nameRange.start, end: last.valueRange.end },
      selectionRange: first.nameRange,
      children: g.entries.map(paramSymbol),
    });
  }
  return out;
}
