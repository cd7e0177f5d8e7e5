// Workspace trust and saved secrets, through the real vscode API: the manifest's Restricted Mode support, and a
// secret saved only once it worked, forgotten when refused, and not asked for again until the user acts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ClusterEntry } from '../../../src/extension/tree/clusterModel';
import { CONNECT_BUTTON, ConnectionGate } from '../../../src/extension/tree/connectionGate';
import { SecretStorageProvider, secretStorageKey } from '../../../src/extension/tree/connectionPrompts';
import { answerDialogs } from './dialogs';
import { activatedExtension } from './extension';

class MemorySecrets implements vscode.SecretStorage {
  readonly values = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  readonly onDidChange = this.emitter.event;
  get(key: string): Thenable<string | undefined> { return Promise.resolve(this.values.get(key)); }
  store(key: string, value: string): Thenable<void> { this.values.set(key, value); return Promise.resolve(); }
  delete(key: string): Thenable<void> { this.values.delete(key); return Promise.resolve(); }
  keys(): Thenable<string[]> { return Promise.resolve([...this.values.keys()]); }
}

class MemoryState implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] { return [...this.values.keys()]; }
  get<T>(key: string, fallback?: T): T | undefined { return (this.values.has(key) ? this.values.get(key) : fallback) as T | undefined; }
  update(key: string, value: unknown): Thenable<void> { this.values.set(key, value); return Promise.resolve(); }
}

suite('workspace trust and secrets', () => {
  test('the manifest supports untrusted workspaces in limited mode and restricts the cluster-file setting', async () => {
    const pkg = (await activatedExtension()).packageJSON as { capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } } };
    assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations?.includes('pgpoolCluster.clusterFiles'));
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('pgpoolCluster.forgetCredentials'));
  });

  test('a typed password is saved only after it worked, under kind + user@host:port, and a refused one is not asked for again', async () => {
    const storage = new MemorySecrets();
    const provider = new SecretStorageProvider(storage, new MemoryState());
    const w = vscode.window as unknown as Record<string, unknown>;
    const original = w.showInputBox;
    let asked = 0;
    w.showInputBox = (): Promise<string> => { asked++; return Promise.resolve(`pw${asked}`); };
    try {
      const request = { kind: 'ssh-password', key: 'postgres@127.0.0.11:22', prompt: 'SSH password' } as const;
      assert.equal(await provider.getSecret(request), 'pw1');
      assert.equal(storage.values.size, 0, 'not saved before it worked');
      assert.equal(await provider.getSecret(request), 'pw1', 'kept in memory meanwhile, not asked twice');
      await provider.secretWorked(request);
      assert.equal(storage.values.get('pgpoolCluster.ssh-password:postgres@127.0.0.11:22'), 'pw1');
      assert.equal(secretStorageKey(request), 'pgpoolCluster.ssh-password:postgres@127.0.0.11:22');
      assert.deepEqual(provider.savedKeys(), [secretStorageKey(request)]);

      await provider.forgetSecret(request);
      assert.equal(storage.values.size, 0, 'a refused secret is deleted');
      assert.deepEqual(provider.savedKeys(), []);
      assert.equal(await provider.getSecret(request), undefined, 'the auto-refresh does not ask again');
      assert.equal(asked, 1);
      provider.allowPromptsAgain();
      assert.equal(await provider.getSecret(request), 'pw2', 'asked again once the user acts');
      assert.equal(asked, 2);
    } finally {
      w.showInputBox = original;
    }
  });

  test('a cluster file\'s hosts are shown and confirmed once; a "no" holds until the user refreshes', async () => {
    const config = vscode.workspace.getConfiguration('pgpoolCluster');
    const before = config.inspect<boolean>('confirmClusterHosts')?.globalValue;
    await config.update('confirmClusterHosts', true, vscode.ConfigurationTarget.Global);
    const entry = {
      file: '/w/pgpool-cluster.yaml',
      definition: {
        name: 'prod', ssh: { user: 'postgres' }, database: {}, replication: {},
        pgpool: [{ name: 'pgpool', host: '10.9.9.10', port: 9999, pcpPort: 9898, ssh: {} }],
        nodes: [{ name: 'node0', id: 0, host: '10.9.9.11', port: 5432, ssh: {} }],
      },
    } as ClusterEntry;
    const gate = new ConnectionGate(new MemoryState());
    let answer: string | undefined;
    const dialogs = answerDialogs(() => answer);
    try {
      assert.match((await gate.check(entry)) ?? '', /were not allowed/, 'declined');
      assert.equal(dialogs.prompts.length, 1);
      assert.ok(dialogs.prompts[0]?.modal);
      assert.match(dialogs.prompts[0]?.message ?? '', /prod/);
      assert.match((await gate.check(entry)) ?? '', /were not allowed/);
      assert.equal(dialogs.prompts.length, 1, 'a "no" is not asked again by the auto-refresh');
      gate.reset();
      answer = CONNECT_BUTTON;
      assert.equal(await gate.check(entry), undefined, 'allowed after the user refreshed and agreed');
      assert.equal(dialogs.prompts.length, 2);
      assert.equal(await gate.check(entry), undefined);
      assert.equal(dialogs.prompts.length, 2, 'remembered for this file and host list');
      const moved = { ...entry, definition: { ...entry.definition, nodes: [{ ...entry.definition.nodes[0]!, host: '10.9.9.99' }] } } as ClusterEntry;
      answer = undefined;
      assert.match((await gate.check(moved)) ?? '', /were not allowed/);
      assert.equal(dialogs.prompts.length, 3, 'asked again when a host changes');
    } finally {
      dialogs.restore();
      await config.update('confirmClusterHosts', before, vscode.ConfigurationTarget.Global);
    }
  });
});
