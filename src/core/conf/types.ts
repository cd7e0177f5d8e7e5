/** Positions are 0-based, characters count UTF-16 code units (the editor's convention). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Diagnostic {
  range: Range;
  severity: Severity;
  /** Stable identifier, e.g. `pgpool/unknown-parameter`. */
  code: string;
  message: string;
  fixes?: Fix[];
}

export type ConfLanguageId = 'pgpool-conf' | 'postgresql-conf' | 'recovery-conf' | 'pg-hba-conf' | 'pcp-conf';

export const CONF_LANGUAGE_IDS: readonly ConfLanguageId[] = [
  'pgpool-conf', 'postgresql-conf', 'recovery-conf', 'pg-hba-conf', 'pcp-conf',
];

export interface LintOptions {
  languageId: ConfLanguageId;
  /** e.g. `4.3` or `4.3.5`; overridden by a `# pgpool-cluster: pgpool=X` comment in the file. */
  pgpoolVersion?: string;
  /** e.g. `15` or `9.6`; overridden by a `# pgpool-cluster: postgresql=Y` comment in the file. */
  postgresVersion?: string;
  fileName?: string;
}

export function range(line: number, start: number, end: number, endLine = line): Range {
  return { start: { line, character: start }, end: { line: endLine, character: end } };
}
