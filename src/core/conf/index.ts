/** Public API of the config-language core (pure: no 'vscode'). */
export type { Diagnostic, Fix, TextEdit, Range, Position, Severity, ConfLanguageId, LintOptions } from './types';
export { CONF_LANGUAGE_IDS } from './types';
export { lintDocument, analyseConf } from './lint';
import './postgresRules';
export { languageIdForFile } from './languages';
export { parseConf, type ParsedConf, type ConfEntry, type ConfSection } from './parser';
export { parseHba, type ParsedHba, type HbaRecord } from './hba';
export { parsePcp, type ParsedPcp } from './pcp';
export { detectVersions, type TargetVersions } from './version';
export { hoverAt, type HoverInfo } from './hover';
export { completionsAt, type CompletionItem } from './completion';
export { documentSymbols, type DocSymbol } from './symbols';
export { estimateFailoverDetection, type FailoverEstimate } from './healthCheck';
export { migrateRecoveryConf, type RecoveryMigration } from './migrate';
export { crossCheck, type ConfFile } from './crossFile';
export { PGPOOL_RELEASE_LIST, NEWEST_PGPOOL } from './catalog/pgpool';
export { PG_VERSIONS, NEWEST_PG } from './catalog/postgresVersions';
