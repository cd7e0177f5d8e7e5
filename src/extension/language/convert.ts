/** Core (0-based plain objects) <-> vscode types. */
import * as vscode from 'vscode';
import type { ConfLanguageId, Diagnostic, Range } from '../../core/conf';
import { CONF_LANGUAGE_IDS } from '../../core/conf';
import { targetVersionsFor, type ClusterVersionSource, type TargetVersionChoice } from './clusterVersions';

export const DOCUMENT_SELECTOR: vscode.DocumentSelector = CONF_LANGUAGE_IDS.map((language) => ({ language }));

export function isConfDocument(doc: vscode.TextDocument): boolean {
  return (CONF_LANGUAGE_IDS as readonly string[]).includes(doc.languageId);
}

export function toVsRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

const SEVERITY: Record<Diagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function toVsDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const v = new vscode.Diagnostic(toVsRange(d.range), d.message, SEVERITY[d.severity]);
  v.code = d.code;
  v.source = 'pgpool-cluster';
  return v;
}

let clusterSources: () => readonly ClusterVersionSource[] = () => [];

/** Where the clusters come from (the ClusterModel); set once the tree is registered. */
export function useClusterVersions(source: () => readonly ClusterVersionSource[]): void {
  clusterSources = source;
}

/** The versions a document is checked against and where they came from (a comment in the file still wins inside the core). */
export function targetVersionsOf(doc: vscode.TextDocument): TargetVersionChoice {
  const cfg = vscode.workspace.getConfiguration('pgpoolCluster', doc.uri);
  const pgpoolVersion = cfg.get<string>('pgpoolVersion') ?? '';
  const postgresVersion = cfg.get<string>('postgresVersion') ?? '';
  return targetVersionsFor(doc.fileName, doc.getText(), clusterSources(), {
    ...(pgpoolVersion ? { pgpoolVersion } : {}), ...(postgresVersion ? { postgresVersion } : {}),
  });
}

export function lintOptionsFor(doc: vscode.TextDocument): { languageId: ConfLanguageId; pgpoolVersion?: string; postgresVersion?: string; fileName: string } {
  const t = targetVersionsOf(doc);
  return {
    languageId: doc.languageId as ConfLanguageId,
    fileName: doc.fileName,
    ...(t.pgpoolVersion ? { pgpoolVersion: t.pgpoolVersion } : {}),
    ...(t.postgresVersion ? { postgresVersion: t.postgresVersion } : {}),
  };
}
