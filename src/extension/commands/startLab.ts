/** "Start the Lab Cluster": runs `pgpool-cluster lab up` from the bundled CLI in a terminal. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { shellCommand } from '../../core/remote/shellQuote';
import type { ExtensionServices } from '../context';

export function startLab(services: ExtensionServices): void {
  const cli = path.join(services.context.extensionPath, 'dist', 'cli.js');
  const terminal = vscode.window.createTerminal({ name: 'pgpool-II lab' });
  terminal.show();
  // `node` on PATH: in desktop VS Code the extension host's own executable is Electron, not Node.
  terminal.sendText(shellCommand(['node', cli, 'lab', 'up']));
}
