import * as vscode from 'vscode';

/** Everything the registration functions share; built once in activate(). */
export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  /** The "pgpool-II" output channel: operation logs and errors (never secrets). */
  readonly log: vscode.LogOutputChannel;
}
