/** One entry point: text + language -> diagnostics, shared by the editor and the CLI. */
import { pgLabel, type RuleContext } from './context';
import { parseHba } from './hba';
import { parseConf, type ParsedConf } from './parser';
import { parsePcp } from './pcp';
import { PgpoolModel } from './pgpoolModel';
import { reconcilePgpoolSyntax } from './pgpoolSyntax';
import { checkDuplicates } from './rules/duplicates';
import { checkHba } from './rules/hba';
import { checkPgpoolBackends } from './rules/pgpoolBackends';
import { checkPgpoolCluster } from './rules/pgpoolCluster';
import { checkPgpoolCommands } from './rules/pgpoolCommands';
import { checkPgpoolNames } from './rules/pgpoolNames';
import { checkPgpoolSecurity } from './rules/pgpoolSecurity';
import { checkPgpoolWatchdog } from './rules/pgpoolWatchdog';
import { detectVersions } from './version';
import type { ConfLanguageId, Diagnostic, LintOptions } from './types';

/**
 * The PostgreSQL-only rules and their catalogues (GUCs, time zones: most of the conf code) live in
 * postgresRules.ts, which registers them here when it is imported (the conf barrel index.ts does): a pgpool.conf
 * lint in the CLI never reads them.
 */
export interface PostgresRules {
  readonly checkPostgresql: (ctx: RuleContext) => void;
  readonly checkRecoveryConf: (ctx: RuleContext) => void;
}
let postgresRules: PostgresRules | undefined;

export function usePostgresRules(rules: PostgresRules): void {
  postgresRules = rules;
}

function requirePostgresRules(): PostgresRules {
  if (!postgresRules) throw new Error('The PostgreSQL rules are not loaded: import core/conf (or core/conf/postgresRules) before linting a postgresql.conf or recovery.conf.');
  return postgresRules;
}

const PREFIX: Record<string, string> = { 'pgpool-conf': 'pgpool', 'postgresql-conf': 'postgresql', 'recovery-conf': 'recovery' };

function isPoolHba(fileName?: string): boolean {
  return !!fileName && /pool_hba\.conf$/.test(fileName.replace(/\\/g, '/'));
}

export function lintDocument(text: string, options: LintOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (d: Diagnostic): void => { out.push(d); };
  const lang = options.languageId;
  const versions = detectVersions(text, options.pgpoolVersion, options.postgresVersion);
  out.push(...versions.problems);
  if (lang === 'pg-hba-conf') {
    const doc = parseHba(text);
    out.push(...doc.problems);
    if (!doc.binary) checkHba(doc, isPoolHba(options.fileName), report);
    return sortDiagnostics(out);
  }
  if (lang === 'pcp-conf') {
    out.push(...parsePcp(text).problems);
    return sortDiagnostics(out);
  }
  const doc = parseConf(text, lang === 'pgpool-conf' ? 'pgpool' : 'postgresql');
  if (lang === 'pgpool-conf' && !doc.binary) reconcilePgpoolSyntax(doc, text);
  out.push(...doc.problems);
  if (doc.binary) return out;
  const ctx: RuleContext = {
    doc, languageId: lang, pgpool: versions.pgpool, postgres: versions.postgres, prefix: PREFIX[lang] ?? 'conf', report,
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
  };
  runConfRules(ctx, lang);
  return sortDiagnostics(out);
}

function runConfRules(ctx: RuleContext, lang: ConfLanguageId): void {
  if (lang === 'pgpool-conf') {
    const model = new PgpoolModel(ctx.doc, ctx.pgpool);
    checkPgpoolNames(ctx, model);
    checkDuplicates(ctx);
    checkPgpoolBackends(ctx, model);
    checkPgpoolCommands(ctx, model);
    checkPgpoolCluster(ctx, model);
    checkPgpoolSecurity(ctx, model);
    checkPgpoolWatchdog(ctx, model);
  } else if (lang === 'postgresql-conf') {
    requirePostgresRules().checkPostgresql(ctx);
    checkDuplicates(ctx);
  } else if (lang === 'recovery-conf') {
    requirePostgresRules().checkRecoveryConf(ctx);
    checkDuplicates(ctx);
  }
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Parsed view of a name=value document plus its versions, for hover/completion/symbols. */
export function analyseConf(text: string, options: LintOptions): { doc: ParsedConf; pgpool: string; postgres: number; postgresLabel: string } {
  const v = detectVersions(text, options.pgpoolVersion, options.postgresVersion);
  const doc = parseConf(text, options.languageId === 'pgpool-conf' ? 'pgpool' : 'postgresql');
  return { doc, pgpool: v.pgpool, postgres: v.postgres, postgresLabel: pgLabel(v.postgres) };
}
