/**
 * Keeps a DiagnosticCollection in step with open conf documents (debounced), including cross-file findings.
 * The cross-file set is every conf file in the document's folder, open or not (an open editor's text wins over
 * the disk); when one of them opens, changes or is saved, the open siblings are checked again.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { crossCheck, languageIdForFile, lintDocument, type ConfLanguageId, type Diagnostic } from '../../core/conf';
import { isConfDocument, lintOptionsFor, toVsDiagnostic } from './convert';

const DEBOUNCE_MS = 250;
/** Larger files in the folder are left out of the cross-file set rather than read whole. */
const MAX_SIBLING_BYTES = 4 * 1024 * 1024;

/** Core diagnostics per document URI, kept so code actions can offer their fixes. */
export const lastDiagnostics = new Map<string, Diagnostic[]>();

interface ConfFileText { fileName: string; languageId: ConfLanguageId; text: string }

/** The conf files of a folder: open documents as edited, the others as on disk. */
async function folderConfFiles(dir: string, scheme: string): Promise<ConfFileText[]> {
  const open = new Map(vscode.workspace.textDocuments
    .filter((d) => isConfDocument(d) && d.uri.scheme === scheme && path.dirname(d.fileName) === dir)
    .map((d) => [d.fileName, { fileName: d.fileName, languageId: d.languageId as ConfLanguageId, text: d.getText() }] as const));
  if (scheme !== 'file') return [...open.values()];
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const fromDisk = await Promise.all(names.map(async (name): Promise<ConfFileText | undefined> => {
    const fileName = path.join(dir, name);
    const languageId = languageIdForFile(name);
    if (!languageId || open.has(fileName)) return undefined;
    const st = await fs.stat(fileName).catch(() => undefined);
    if (!st?.isFile() || st.size > MAX_SIBLING_BYTES) return undefined;
    const text = await fs.readFile(fileName, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : { fileName, languageId, text };
  }));
  return [...open.values(), ...fromDisk.filter((f): f is ConfFileText => f !== undefined)];
}

export interface DiagnosticsHandle {
  /** Checks every open conf document again (versions changed: settings, cluster file, a refresh). */
  relintAll(): void;
}

export function registerDiagnostics(context: vscode.ExtensionContext): DiagnosticsHandle {
  const collection = vscode.languages.createDiagnosticCollection('pgpool-cluster');
  const timers = new Map<string, NodeJS.Timeout>();
  const generation = new Map<string, number>();
  context.subscriptions.push(collection, { dispose: () => { for (const t of timers.values()) clearTimeout(t); } });

  const lint = async (doc: vscode.TextDocument): Promise<void> => {
    if (!isConfDocument(doc) || doc.isClosed) return;
    const key = doc.uri.toString();
    const gen = (generation.get(key) ?? 0) + 1;
    generation.set(key, gen);
    const opts = lintOptionsFor(doc);
    const own = lintDocument(doc.getText(), opts);
    const files = await folderConfFiles(path.dirname(doc.fileName), doc.uri.scheme);
    const cross = files.length > 1 ? crossCheck(files, opts).get(doc.fileName) ?? [] : [];
    // A newer check of the same document started meanwhile, or it was closed: drop this result.
    if (generation.get(key) !== gen || doc.isClosed) return;
    const all = [...own, ...cross];
    lastDiagnostics.set(key, all);
    collection.set(doc.uri, all.map(toVsDiagnostic));
  };
  const schedule = (doc: vscode.TextDocument): void => {
    if (!isConfDocument(doc)) return;
    const key = doc.uri.toString();
    const t = timers.get(key);
    if (t) clearTimeout(t);
    timers.set(key, setTimeout(() => { timers.delete(key); void lint(doc); }, DEBOUNCE_MS));
  };
  /** The open conf documents of this folder other than `except`. */
  const siblingsOf = (fileName: string, except?: vscode.TextDocument): vscode.TextDocument[] =>
    vscode.workspace.textDocuments.filter((d) => d !== except && isConfDocument(d) && path.dirname(d.fileName) === path.dirname(fileName));
  const withSiblings = (doc: vscode.TextDocument): void => {
    if (!isConfDocument(doc)) return;
    schedule(doc);
    for (const s of siblingsOf(doc.fileName, doc)) schedule(s);
  };
  const relintAll = (): void => vscode.workspace.textDocuments.forEach(schedule);

  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{conf,done}');
  const onDisk = (uri: vscode.Uri): void => { if (languageIdForFile(uri.fsPath)) for (const s of siblingsOf(uri.fsPath)) schedule(s); };
  context.subscriptions.push(
    watcher, watcher.onDidCreate(onDisk), watcher.onDidChange(onDisk), watcher.onDidDelete(onDisk),
    vscode.workspace.onDidOpenTextDocument(withSiblings),
    vscode.workspace.onDidChangeTextDocument((e) => withSiblings(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      collection.delete(doc.uri);
      lastDiagnostics.delete(doc.uri.toString());
      generation.delete(doc.uri.toString());
      // What the siblings see of it is now the file on disk.
      if (isConfDocument(doc)) for (const s of siblingsOf(doc.fileName, doc)) schedule(s);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pgpoolCluster')) relintAll();
    }),
  );
  for (const d of vscode.workspace.textDocuments) void lint(d);
  return { relintAll };
}
