/** Hover, completion, symbols, code actions and CodeLens: thin adapters over src/core/conf. */
import * as vscode from 'vscode';
import {
  analyseConf, completionsAt, documentSymbols, estimateFailoverDetection, hoverAt, migrateRecoveryConf,
  type CompletionItem, type DocSymbol,
} from '../../core/conf';
import { PgpoolModel } from '../../core/conf/pgpoolModel';
import { DOCUMENT_SELECTOR, lintOptionsFor, toVsRange } from './convert';
import { lastDiagnostics } from './diagnostics';

const COMPLETION_KIND: Record<CompletionItem['kind'], vscode.CompletionItemKind> = {
  parameter: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  placeholder: vscode.CompletionItemKind.Variable,
  keyword: vscode.CompletionItemKind.Keyword,
};

const SYMBOL_KIND: Record<DocSymbol['kind'], vscode.SymbolKind> = {
  section: vscode.SymbolKind.Namespace,
  backend: vscode.SymbolKind.Object,
  watchdog: vscode.SymbolKind.Object,
  parameter: vscode.SymbolKind.Property,
  record: vscode.SymbolKind.Field,
  user: vscode.SymbolKind.Key,
};

function toVsSymbol(s: DocSymbol): vscode.DocumentSymbol {
  const v = new vscode.DocumentSymbol(s.name || '(unnamed)', s.detail, SYMBOL_KIND[s.kind], toVsRange(s.range), toVsRange(s.selectionRange));
  v.children = s.children.map(toVsSymbol);
  return v;
}

const hoverProvider: vscode.HoverProvider = {
  provideHover(doc, position) {
    const h = hoverAt(doc.getText(), { line: position.line, character: position.character }, lintOptionsFor(doc));
    return h ? new vscode.Hover(new vscode.MarkdownString(h.contents), toVsRange(h.range)) : undefined;
  },
};

const completionProvider: vscode.CompletionItemProvider = {
  provideCompletionItems(doc, position) {
    return completionsAt(doc.getText(), { line: position.line, character: position.character }, lintOptionsFor(doc)).map((c) => {
      const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
      item.insertText = c.snippet ? new vscode.SnippetString(c.insertText) : c.insertText;
      if (c.detail) item.detail = c.detail;
      if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
      return item;
    });
  },
};

const symbolProvider: vscode.DocumentSymbolProvider = {
  provideDocumentSymbols(doc) {
    return documentSymbols(doc.getText(), lintOptionsFor(doc)).map(toVsSymbol);
  },
};

const codeActionProvider: vscode.CodeActionProvider = {
  async provideCodeActions(doc, range) {
    const actions: vscode.CodeAction[] = [];
    for (const d of lastDiagnostics.get(doc.uri.toString()) ?? []) {
      if (!toVsRange(d.range).intersection(range)) continue;
      for (const fix of d.fixes ?? []) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) action.edit.replace(doc.uri, toVsRange(e.range), e.newText);
        action.isPreferred = d.fixes?.length === 1;
        actions.push(action);
      }
    }
    if (doc.languageId === 'recovery-conf' && doc.uri.scheme === 'file') actions.push(await migrationAction(doc));
    return actions;
  },
};

/** recovery.conf -> standby.signal + postgresql.auto.conf, with recovery.conf renamed aside (reversible). */
async function migrationAction(doc: vscode.TextDocument): Promise<vscode.CodeAction> {
  const opts = lintOptionsFor(doc);
  const { postgres } = analyseConf(doc.getText(), opts);
  const m = migrateRecoveryConf(doc.getText(), Math.max(postgres, 12));
  const dir = vscode.Uri.joinPath(doc.uri, '..');
  const auto = vscode.Uri.joinPath(dir, 'postgresql.auto.conf');
  const action = new vscode.CodeAction(`Migrate recovery.conf to ${m.signalFile} + postgresql.auto.conf`, vscode.CodeActionKind.RefactorRewrite);
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(vscode.Uri.joinPath(dir, m.signalFile), { ignoreIfExists: true });
  let existing = '';
  try {
    existing = new TextDecoder().decode(await vscode.workspace.fs.readFile(auto));
  } catch {
    edit.createFile(auto, { ignoreIfExists: true });
  }
  const lines = existing.split('\n');
  const end = new vscode.Position(Math.max(0, lines.length - 1), (lines[lines.length - 1] ?? '').length);
  const prefix = existing === '' || existing.endsWith('\n') ? '' : '\n';
  edit.insert(auto, end, `${prefix}${m.autoConf}${m.notes.map((n) => `# ${n}`).join('\n')}\n`);
  edit.renameFile(doc.uri, vscode.Uri.joinPath(dir, 'recovery.conf.migrated'), { ignoreIfExists: true });
  action.edit = edit;
  return action;
}

/** A lens over the health-check block: how long a dead backend can go unnoticed. */
const codeLensProvider: vscode.CodeLensProvider = {
  provideCodeLenses(doc) {
    if (doc.languageId !== 'pgpool-conf') return [];
    const opts = lintOptionsFor(doc);
    const { doc: parsed, pgpool } = analyseConf(doc.getText(), opts);
    const anchor = parsed.entries.find((e) => e.name === 'health_check_period') ?? parsed.entries.find((e) => e.name.startsWith('health_check_'));
    if (!anchor) return [];
    const estimate = estimateFailoverDetection(new PgpoolModel(parsed, pgpool));
    return [new vscode.CodeLens(toVsRange(anchor.nameRange), { title: estimate.summary, command: '' })];
  },
};

export function registerProviders(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(DOCUMENT_SELECTOR, hoverProvider),
    vscode.languages.registerCompletionItemProvider(DOCUMENT_SELECTOR, completionProvider, '=', ' ', '%', "'"),
    vscode.languages.registerDocumentSymbolProvider(DOCUMENT_SELECTOR, symbolProvider),
    vscode.languages.registerCodeActionsProvider(DOCUMENT_SELECTOR, codeActionProvider, {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite],
    }),
    vscode.languages.registerCodeLensProvider({ language: 'pgpool-conf' }, codeLensProvider),
  );
}
