/**
 * Plans and reports open as read-only virtual documents (`pgpool-cluster-plan:` URIs) in the `pgpool-plan`
 * language (headings, destructive steps and warnings highlighted by syntaxes/pgpool-plan.tmLanguage.json).
 * Their texts live in a PlanStore that forgets a document when it is closed.
 */
import * as vscode from 'vscode';
import { PlanStore } from './planStore';

export const PLAN_SCHEME = 'pgpool-cluster-plan';
export const PLAN_LANGUAGE = 'pgpool-plan';

const store = new PlanStore();
let registered = false;

export function registerPlanDocuments(context: vscode.ExtensionContext): void {
  if (registered) return;
  registered = true;
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, { provideTextDocumentContent: (uri) => store.get(uri.path) ?? '' }),
    vscode.workspace.onDidCloseTextDocument((doc) => { if (doc.uri.scheme === PLAN_SCHEME) store.delete(doc.uri.path); }),
    { dispose: () => { registered = false; } },
  );
}

/** A read-only document's URI for a text, without opening it (diff editors). */
export function planDocumentUri(context: vscode.ExtensionContext, name: string, text: string, extension?: string): vscode.Uri {
  registerPlanDocuments(context);
  return vscode.Uri.from({ scheme: PLAN_SCHEME, path: store.add(name, text, extension) });
}

/** Opens a read-only document; `language` defaults to the plan language (reports pass `markdown`). */
export async function showPlanDocument(context: vscode.ExtensionContext, name: string, text: string, language = PLAN_LANGUAGE): Promise<vscode.TextDocument> {
  registerPlanDocuments(context);
  const path = store.add(name, text);
  let doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: PLAN_SCHEME, path }));
  if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
