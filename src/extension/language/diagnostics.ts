/** Keeps a DiagnosticCollection in step with open conf documents (debounced), including cross-file findings. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { crossCheck, lintDocument, type ConfLanguageId, type Diagnostic } from '../../core/conf';
import { isConfDocument, lintOptionsFor, toVsDiagnostic } from './convert';

const DEBOUNCE_MS = 250;

/** Core diagnostics per document URI, kept so code actions can offer their fixes. */
export const lastDiagnostics = new Map<string, Diagnostic[]>();

export function registerDiagnostics(context: vscode.ExtensionContext): void {
  const collection = vscode.languages.createDiagnosticCollection('pgpool-cluster');
  const timers = new Map<string, NodeJS.Timeout>();
  context.subscriptions.push(collection, { dispose: () => { for (const t of timers.values()) clearTimeout(t); } });

  const lint = (doc: vscode.TextDocument): void => {
    if (!isConfDocument(doc)) return;
    const opts = lintOptionsFor(doc);
    const own = lintDocument(doc.getText(), opts);
    // Cross-file: other open conf documents in the same folder form the cluster's file set.
    const dir = path.dirname(doc.fileName);
    const siblings = vscode.workspace.textDocuments.filter((d) => isConfDocument(d) && path.dirname(d.fileName) === dir && d.uri.scheme === doc.uri.scheme);
    const cross = siblings.length > 1
      ? crossCheck(siblings.map((d) => ({ fileName: d.fileName, languageId: d.languageId as ConfLanguageId, text: d.getText() })), opts).get(doc.fileName) ?? []
      : [];
    const all = [...own, ...cross];
    lastDiagnostics.set(doc.uri.toString(), all);
    collection.set(doc.uri, all.map(toVsDiagnostic));
  };
  const schedule = (doc: vscode.TextDocument): void => {
    if (!isConfDocument(doc)) return;
    const key = doc.uri.toString();
    const t = timers.get(key);
    if (t) clearTimeout(t);
    timers.set(key, setTimeout(() => { timers.delete(key); lint(doc); }, DEBOUNCE_MS));
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(lint),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      collection.delete(doc.uri);
      lastDiagnostics.delete(doc.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pgpoolCluster')) vscode.workspace.textDocuments.forEach(lint);
    }),
  );
  vscode.workspace.textDocuments.forEach(lint);
}
