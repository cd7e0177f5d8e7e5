// Architecture invariant (ARCHITECTURE.md): package.json `contributes` is the single list of commands and menus.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedExtension, contributes } from './extension';

const PREFIX = 'pgpoolCluster.';

suite('contributed commands and menus', () => {
  test('the extension activates and contributes at least one command', async () => {
    const ext = await activatedExtension();
    assert.ok((contributes(ext).commands ?? []).length > 0, 'contributes.commands is empty');
  });

  test('every contributed command is registered', async () => {
    const ext = await activatedExtension();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = (contributes(ext).commands ?? []).map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test(`every registered ${PREFIX}* command is contributed`, async () => {
    const ext = await activatedExtension();
    const c = contributes(ext);
    const contributed = new Set((c.commands ?? []).map((x) => x.command));
    // VS Code itself registers `<viewId>.focus`, `.open`, `.toggleVisibility`... for each contributed view.
    const viewIds = Object.values(c.views ?? {}).flat().map((v) => `${v.id}.`);
    const ours = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith(PREFIX));
    const extra = ours.filter((id) => !contributed.has(id) && !viewIds.some((v) => id.startsWith(v)));
    assert.deepEqual(extra, [], `registered but not in contributes.commands: ${extra.join(', ')}`);
  });

  test('every menu item names a contributed command or submenu', async () => {
    const ext = await activatedExtension();
    const c = contributes(ext);
    const commands = new Set((c.commands ?? []).map((x) => x.command));
    const submenus = new Set((c.submenus ?? []).map((x) => x.id));
    const dangling: string[] = [];
    for (const [menu, items] of Object.entries(c.menus ?? {})) {
      for (const item of items) {
        if (item.command !== undefined && !commands.has(item.command)) dangling.push(`${menu}: ${item.command}`);
        else if (item.submenu !== undefined && !submenus.has(item.submenu)) dangling.push(`${menu}: submenu ${item.submenu}`);
        else if (item.command === undefined && item.submenu === undefined) dangling.push(`${menu}: item names nothing`);
      }
    }
    assert.deepEqual(dangling, []);
  });

  test('every contributed command has a title and the "pgpool-II" category', async () => {
    const ext = await activatedExtension();
    const bad = (contributes(ext).commands ?? []).filter((x) => !x.title || x.category !== 'pgpool-II').map((x) => x.command);
    assert.deepEqual(bad, [], 'commands without a title or outside the pgpool-II category');
  });
});
