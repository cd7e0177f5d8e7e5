// Answers the extension's modal dialogs and pickers from inside the extension host, as a user would click.
// The tests module shares the extension's `vscode` API object (both live under the same extension folder),
// so replacing `vscode.window.show*` here is what the commands call; restore() puts the originals back.
import * as vscode from 'vscode';

export interface Prompt { kind: 'warning' | 'information' | 'error' | 'quickPick' | 'inputBox'; message: string; modal: boolean; items: string[]; password?: boolean }

/** A promise answers later (the dialog stays open until it settles), e.g. once the plan document is shown. */
type Answer = (prompt: Prompt) => string | undefined | Promise<string | undefined>;
/** What is typed into an input box (undefined: Escape); it gets the box's options, validateInput included. */
type Typed = (options: vscode.InputBoxOptions) => string | undefined | Promise<string | undefined>;

interface Stubbed { restore(): void; prompts: Prompt[] }

const itemTitle = (i: unknown): string => (typeof i === 'string' ? i : (i as { title?: string; label?: string }).title ?? (i as { label?: string }).label ?? '');

/** Splits `show*Message(message, options?, ...items)` into its parts. */
function messageArgs(args: unknown[]): { modal: boolean; items: unknown[] } {
  const [first, ...rest] = args;
  const isOptions = first !== undefined && typeof first === 'object' && !('title' in (first as object));
  return isOptions ? { modal: (first as vscode.MessageOptions).modal === true, items: rest } : { modal: false, items: args };
}

/** With `typed`, input boxes are answered too (and recorded); without it they are left to the real UI. */
export function answerDialogs(answer: Answer, typed?: Typed): Stubbed {
  const w = vscode.window as unknown as Record<string, unknown>;
  const names = ['showWarningMessage', 'showInformationMessage', 'showErrorMessage', 'showQuickPick', ...(typed ? ['showInputBox'] as const : [])] as const;
  const originals = new Map(names.map((n) => [n, w[n]]));
  const prompts: Prompt[] = [];
  const message = (kind: Prompt['kind']) => (text: string, ...args: unknown[]): Promise<unknown> => {
    const { modal, items } = messageArgs(args);
    const prompt: Prompt = { kind, message: text, modal, items: items.map(itemTitle) };
    prompts.push(prompt);
    return Promise.resolve(answer(prompt)).then((chosen) => items.find((i) => itemTitle(i) === chosen));
  };
  w.showWarningMessage = message('warning');
  w.showInformationMessage = message('information');
  w.showErrorMessage = message('error');
  w.showQuickPick = async (items: unknown, options?: vscode.QuickPickOptions): Promise<unknown> => {
    const list = (await items) as unknown[];
    const prompt: Prompt = { kind: 'quickPick', message: options?.placeHolder ?? '', modal: false, items: list.map(itemTitle) };
    prompts.push(prompt);
    const chosen = await answer(prompt);
    return list.find((i) => itemTitle(i) === chosen);
  };
  if (typed) {
    w.showInputBox = async (options: vscode.InputBoxOptions = {}): Promise<string | undefined> => {
      prompts.push({ kind: 'inputBox', message: options.title ?? options.prompt ?? '', modal: false, items: [], password: options.password === true });
      return typed(options);
    };
  }
  for (const n of names) {
    if (w[n] === originals.get(n)) throw new Error(`vscode.window.${n} cannot be replaced in this extension host`);
  }
  return {
    prompts,
    restore: () => { for (const [n, f] of originals) w[n] = f; },
  };
}
