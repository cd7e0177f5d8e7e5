/** Completion items at a position: parameter names with `= value` snippets, values, placeholders. */
import { pgpoolCatalog, resolvePgpoolName } from './catalog/pgpool';
import { PG_DESCRIPTIONS, PGPOOL_DESCRIPTIONS, RECOVERY_DESCRIPTIONS } from './catalog/descriptions';
import { placeholdersFor, placeholderAvailable } from './catalog/placeholders';
import { pgCatalog } from './catalog/postgres';
import { RECOVERY_PARAMS } from './catalog/recovery';
import type { ParamSpec } from './catalog/spec';
import { HBA_TYPES } from './hba';
import { detectVersions } from './version';
import { splitLines } from './text';
import type { LintOptions, Position } from './types';

export interface CompletionItem {
  label: string;
  kind: 'parameter' | 'value' | 'placeholder' | 'keyword';
  /** Snippet syntax (${1:x}) when `snippet` is true, plain text otherwise. */
  insertText: string;
  snippet: boolean;
  detail?: string;
  documentation?: string;
}

function valueSnippet(spec: ParamSpec): string {
  const def = spec.secret ? '' : spec.default.replace(/[$}\\]/g, (c) => `\\${c}`);
  if (spec.type === 'string' || spec.type === 'list') return `'\${1:${def}}'`;
  if (spec.type === 'enum' && spec.enumValues && spec.enumValues.length > 0) {
    const choices = spec.enumValues.filter((v) => v !== '').map((v) => v.replace(/[,|]/g, ''));
    const first = choices.indexOf(spec.default.toLowerCase());
    const ordered = first > 0 ? [choices[first] as string, ...choices.filter((_, i) => i !== first)] : choices;
    return `\${1|${ordered.join(',')}|}`;
  }
  if (spec.type === 'bool') return spec.default === 'on' ? '${1|on,off|}' : '${1|off,on|}';
  return `\${1:${def}}`;
}

function paramItems(specs: Iterable<ParamSpec>, descriptions: Record<string, string>): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const spec of specs) {
    if (spec.aliasOf) continue;
    const indexed = spec.indexed === 'yes';
    const name = indexed ? `${spec.name}\${2:0}` : spec.name;
    items.push({
      label: indexed ? `${spec.name}N` : spec.name, kind: 'parameter', snippet: true,
      insertText: `${name} = ${valueSnippet(spec).replace('${1', indexed ? '${1' : '${1')}`,
      detail: `${spec.type}${spec.unit ? ` (${spec.unit})` : ''}, default ${spec.default === '' ? "''" : spec.default}`,
      ...(descriptions[spec.name] ? { documentation: descriptions[spec.name] } : {}),
    });
  }
  return items;
}

function valueItems(spec: ParamSpec): CompletionItem[] {
  const values = spec.type === 'bool' ? ['on', 'off'] : spec.type === 'enum' ? (spec.enumValues ?? []).filter((v) => v !== '') : [];
  const quote = spec.type === 'enum';
  return values.map((v) => ({ label: v, kind: 'value', insertText: quote ? `'${v}'` : v, snippet: false, ...(v === spec.default ? { detail: 'default' } : {}) }));
}

export function completionsAt(text: string, position: Position, options: LintOptions): CompletionItem[] {
  const lines = splitLines(text);
  const lineText = (lines[position.line] ?? '').slice(0, position.character);
  if (options.languageId === 'pcp-conf') return [];
  if (options.languageId === 'pg-hba-conf') return hbaCompletions(lineText, /pool_hba\.conf$/.test(options.fileName ?? ''));
  if (/^\s*#/.test(lineText)) return [];
  const versions = detectVersions(text, options.pgpoolVersion, options.postgresVersion);
  let lookup: (name: string) => ParamSpec | undefined;
  let all: () => CompletionItem[];
  if (options.languageId === 'pgpool-conf') {
    const catalog = pgpoolCatalog(versions.pgpool);
    lookup = (n) => resolvePgpoolName(catalog, n)?.spec;
    all = () => paramItems(catalog.values(), PGPOOL_DESCRIPTIONS);
  } else if (options.languageId === 'recovery-conf') {
    lookup = (n) => RECOVERY_PARAMS.find((p) => p.name === n.toLowerCase());
    all = () => paramItems(RECOVERY_PARAMS.filter((p) => p.since <= Math.min(versions.postgres, 11)), RECOVERY_DESCRIPTIONS);
  } else {
    const catalog = pgCatalog(versions.postgres);
    lookup = (n) => catalog.get(n.toLowerCase());
    all = () => paramItems(catalog.values(), PG_DESCRIPTIONS);
  }
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)(\s*=?\s*)(.*)$/.exec(lineText);
  if (!m || !m[2]) return /^\s*[A-Za-z0-9_.]*$/.test(lineText) ? all() : [];
  const name = m[1] ?? '';
  const valueSoFar = m[3] ?? '';
  const list = placeholdersFor(name);
  if (list && valueSoFar.startsWith("'") && /%$/.test(valueSoFar)) {
    return list.filter((p) => placeholderAvailable(p, versions.pgpool)).map((p) => ({
      label: p.code, kind: 'placeholder', insertText: p.code.slice(1), snippet: false, detail: p.meaning,
    }));
  }
  if (valueSoFar.includes("'") && valueSoFar.indexOf("'") !== valueSoFar.length - 1) return [];
  const spec = lookup(name);
  return spec ? valueItems(spec) : [];
}

const PG_METHOD_DOCS: Record<string, string> = {
  'scram-sha-256': 'Challenge-response password authentication (recommended).',
  md5: 'MD5 password authentication (pgpool: needs pool_passwd).',
  trust: 'No authentication at all: only for local sockets you control.',
  reject: 'Refuse the connection.',
  peer: 'Operating-system user name must match (local only).',
  cert: 'Client certificate authentication.',
  password: 'Clear-text password (only over SSL).',
};

function hbaCompletions(lineText: string, pool: boolean): CompletionItem[] {
  const fields = lineText.trimStart().split(/\s+/);
  if (fields.length <= 1) {
    const types = pool ? ['local', 'host', 'hostssl', 'hostnossl'] : HBA_TYPES;
    return types.map((t) => ({ label: t, kind: 'keyword', insertText: t, snippet: false }));
  }
  const local = fields[0] === 'local';
  const methodColumn = local ? 4 : 5;
  if (fields.length >= methodColumn - 1 && fields.length <= methodColumn + 1) {
    const methods = pool ? ['scram-sha-256', 'md5', 'trust', 'reject', 'password', 'cert', 'pam', 'ldap'] : ['scram-sha-256', 'md5', 'peer', 'trust', 'reject', 'password', 'cert', 'ident', 'ldap', 'pam', 'gss'];
    return methods.map((mm) => ({ label: mm, kind: 'keyword', insertText: mm, snippet: false, ...(PG_METHOD_DOCS[mm] ? { documentation: PG_METHOD_DOCS[mm] } : {}) }));
  }
  if (fields.length === 2) return ['all', 'replication', 'sameuser'].map((d) => ({ label: d, kind: 'keyword', insertText: d, snippet: false }));
  return [];
}
