/**
 * The editor's side of SSH: secrets from SecretStorage (asked once with a password box) and unknown host
 * keys confirmed by the user from their SHA256 fingerprint. Secrets never reach settings or logs.
 */
import * as vscode from 'vscode';
import type { HostKeyDecision, HostKeyPolicy, SecretProvider, SecretRequest, UnknownHostKey } from '../../core/remote/types';

const SECRET_TITLES: Record<SecretRequest['kind'], string> = {
  'ssh-passphrase': 'SSH key passphrase', 'ssh-password': 'SSH password',
  'pcp-password': 'pcp password (pgpool)', 'replication-password': 'Replication role password',
};
const storageKey = (r: SecretRequest): string => `pgpoolCluster.${r.kind}:${r.key}`;

export class SecretStorageProvider implements SecretProvider {
  /** One prompt per secret even when several connections ask at once. */
  private readonly pending = new Map<string, Promise<string | undefined>>();

  constructor(private readonly secrets: vscode.SecretStorage) {}

  getSecret(request: SecretRequest): Promise<string | undefined> {
    const key = storageKey(request);
    let p = this.pending.get(key);
    if (!p) {
      p = this.lookUp(request, key).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  async forgetSecret(request: SecretRequest): Promise<void> {
    await this.secrets.delete(storageKey(request));
  }

  private async lookUp(request: SecretRequest, key: string): Promise<string | undefined> {
    const stored = await this.secrets.get(key);
    if (stored !== undefined) return stored;
    const value = await vscode.window.showInputBox({
      title: SECRET_TITLES[request.kind],
      prompt: request.prompt,
      password: true,
      ignoreFocusOut: true,
    });
    if (value !== undefined) await this.secrets.store(key, value);
    return value;
  }
}

/** Asks once per host and key; the answer "Trust and Remember" lets the core add it to known_hosts. */
export function askingHostKeyPolicy(): HostKeyPolicy {
  const asked = new Map<string, Promise<HostKeyDecision>>();
  return {
    mode: 'ask',
    ask(key: UnknownHostKey): Promise<HostKeyDecision> {
      const id = `${key.hostPattern} ${key.fingerprint}`;
      let p = asked.get(id);
      if (!p) {
        p = askUser(key);
        asked.set(id, p);
        // Only "accept once" is worth asking again next time; a remembered key is now in known_hosts.
        void p.then((d) => { if (d !== 'accept-and-remember') asked.delete(id); });
      }
      return p;
    },
  };
}

async function askUser(key: UnknownHostKey): Promise<HostKeyDecision> {
  const remember = 'Trust and Remember';
  const once = 'Trust Once';
  const choice = await vscode.window.showWarningMessage(
    `The SSH host ${key.hostPattern} is not known.`,
    {
      modal: true,
      detail: `Its ${key.keyType} key fingerprint is\n${key.fingerprint}\n\nCompare it with \`ssh-keygen -lf\` on the host before trusting it.`,
    },
    remember,
    once,
  );
  return choice === remember ? 'accept-and-remember' : choice === once ? 'accept-once' : 'reject';
}
