/**
 * The editor's side of SSH: secrets from SecretStorage (asked once with a password box) and unknown host
 * keys confirmed by the user from their SHA256 fingerprint. Secrets never reach settings or logs.
 */
import * as vscode from 'vscode';
import type { HostKeyDecision, HostKeyPolicy, SecretProvider, SecretRequest, UnknownHostKey } from '../../core/remote/types';

const SECRET_TITLES: Record<SecretRequest['kind'], string> = {
  'ssh-passphrase': 'SSH key passphrase', 'ssh-password': 'SSH password',
  'pcp-password': 'pcp password (pgpool)', 'replication-password': 'Replication role password',
  'wd-authkey': 'Watchdog key (wd_authkey)',
};

/**
 * SecretStorage key: the kind and the request's key, which names what the secret opens (`user@host:port` for
 * SSH, pcp and replication passwords; the key file for a passphrase), never a cluster name: another
 * workspace's cluster of the same name must not get this one's password.
 */
export const secretStorageKey = (r: Pick<SecretRequest, 'kind' | 'key'>): string => `pgpoolCluster.${r.kind}:${r.key}`;
const INDEX = 'pgpoolCluster.savedSecretKeys';

/**
 * Secrets for the cluster sessions. A typed secret is kept in memory until the core reports it worked
 * (`secretWorked`), and only then saved; a rejected one is forgotten (`forgetSecret`) and not asked for again
 * until the user acts on purpose (`allowPromptsAgain`: Refresh, an operation), so the auto-refresh never
 * retries a wrong password every few seconds.
 */
export class SecretStorageProvider implements SecretProvider {
  /** One prompt per secret even when several connections ask at once. */
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private readonly unconfirmed = new Map<string, string>();
  private readonly quiet = new Set<string>();

  constructor(private readonly secrets: vscode.SecretStorage, private readonly index: vscode.Memento) {}

  getSecret(request: SecretRequest): Promise<string | undefined> {
    const key = secretStorageKey(request);
    let p = this.pending.get(key);
    if (!p) {
      p = this.lookUp(request, key).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  async secretWorked(request: SecretRequest): Promise<void> {
    const key = secretStorageKey(request);
    const value = this.unconfirmed.get(key);
    if (value === undefined) return;
    this.unconfirmed.delete(key);
    await this.secrets.store(key, value);
    const saved = this.savedKeys();
    if (!saved.includes(key)) await this.index.update(INDEX, [...saved, key]);
  }

  async forgetSecret(request: SecretRequest): Promise<void> {
    const key = secretStorageKey(request);
    this.unconfirmed.delete(key);
    this.quiet.add(key);
    await this.forgetKey(key);
  }

  /** The user acts on purpose: secrets that were refused or escaped may be asked for again. */
  allowPromptsAgain(): void {
    this.quiet.clear();
  }

  /** Storage keys of the secrets saved so far (SecretStorage cannot list its keys itself). */
  savedKeys(): string[] {
    return this.index.get<string[]>(INDEX) ?? [];
  }

  async forgetKey(key: string): Promise<void> {
    await this.secrets.delete(key);
    await this.index.update(INDEX, this.savedKeys().filter((k) => k !== key));
  }

  private async lookUp(request: SecretRequest, key: string): Promise<string | undefined> {
    const stored = await this.secrets.get(key);
    if (stored !== undefined) return stored;
    const typed = this.unconfirmed.get(key);
    if (typed !== undefined) return typed;
    if (this.quiet.has(key)) return undefined;
    const value = await vscode.window.showInputBox({
      title: SECRET_TITLES[request.kind],
      prompt: request.prompt,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) this.quiet.add(key);
    else this.unconfirmed.set(key, value);
    return value;
  }
}

/** `pgpoolCluster.ssh-password:postgres@127.0.0.11:22` -> `SSH password · postgres@127.0.0.11:22`. */
export function describeSecretKey(key: string): string {
  const m = /^pgpoolCluster\.([a-z-]+):(.*)$/.exec(key);
  const title = m ? SECRET_TITLES[m[1] as SecretRequest['kind']] : undefined;
  return m && title ? `${title} · ${m[2]}` : key;
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
  // A known host showing a key type never seen for it: what a reinstall, or a man-in-the-middle, looks like.
  const headline = key.knownKeyTypes?.length
    ? `The SSH host ${key.hostPattern} is known by its ${key.knownKeyTypes.join(', ')} key, but now shows a ${key.keyType} key never seen for it.`
    : `The SSH host ${key.hostPattern} is not known.`;
  const choice = await vscode.window.showWarningMessage(
    headline,
    {
      modal: true,
      detail: `Its ${key.keyType} key fingerprint is\n${key.fingerprint}\n\nCompare it with \`ssh-keygen -lf\` on the host before trusting it.`,
    },
    remember,
    once,
  );
  return choice === remember ? 'accept-and-remember' : choice === once ? 'accept-once' : 'reject';
}
