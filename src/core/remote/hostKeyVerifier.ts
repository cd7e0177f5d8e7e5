/** Verifies a server's host key against known_hosts files and the HostKeyPolicy; remembers accepted keys. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RemoteError } from './errors';
import {
  changedKeyMessage, checkHostKey, keyTypeOfBlob, knownHostsLine, knownHostsName, parseKnownHosts,
  sha256Fingerprint, type KnownHostEntry,
} from './knownHosts';
import type { HostKeyPolicy } from './types';

export class HostKeyVerifier {
  /** Keys accepted "once" in this process, by known_hosts name. */
  private readonly acceptedOnce = new Map<string, string>();
  /** The key each host presented and we trusted in this process, by known_hosts name (setup-ssh-trust compares with it). */
  private readonly trusted = new Map<string, Buffer>();
  private appendQueue: Promise<void> = Promise.resolve();

  constructor(private readonly policy: HostKeyPolicy) {}

  async readEntries(files: readonly string[]): Promise<{ file: string; entries: KnownHostEntry[] }[]> {
    return Promise.all(files.map(async (file) => {
      try {
        return { file, entries: parseKnownHosts(await fs.readFile(file, 'utf8')) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, entries: [] };
        throw new RemoteError('config', `Cannot read known_hosts file ${file}: ${(err as Error).message}`);
      }
    }));
  }

  /** The host key a connection to host:port presented and that was verified, if one connected. */
  trustedKey(host: string, port: number): Buffer | undefined {
    return this.trusted.get(knownHostsName(host, port));
  }

  /** Resolves when the key is trusted; rejects with a RemoteError saying why not. */
  async verify(host: string, port: number, blob: Buffer, knownHostsFiles: readonly string[]): Promise<void> {
    await this.check(host, port, blob, knownHostsFiles);
    this.trusted.set(knownHostsName(host, port), Buffer.from(blob));
  }

  private async check(host: string, port: number, blob: Buffer, knownHostsFiles: readonly string[]): Promise<void> {
    const name = knownHostsName(host, port);
    const b64 = blob.toString('base64');
    if (this.acceptedOnce.get(name) === b64) return;
    const files = await this.readEntries(knownHostsFiles);
    let otherTypes: string[] = [];
    for (const { file, entries } of files) {
      const check = checkHostKey(entries, host, port, blob);
      if (check.result === 'match') return;
      if (check.result === 'changed') throw new RemoteError('host-key-changed', changedKeyMessage(host, port, blob, check.entry, file), name);
      if (check.result === 'revoked') {
        throw new RemoteError('host-key-revoked', `The host key of ${name} (${sha256Fingerprint(blob)}) is marked @revoked in ${file}:${check.entry.line}. Connection refused.`, name);
      }
      otherTypes = [...otherTypes, ...check.otherKeyTypes];
    }
    const fingerprint = sha256Fingerprint(blob);
    const keyType = keyTypeOfBlob(blob);
    const primaryFile = knownHostsFiles[0];
    const decision = this.policy.mode === 'strict' ? 'reject'
      : this.policy.mode === 'accept-new' ? 'accept-and-remember'
        : await this.policy.ask({ hostPattern: name, keyType, fingerprint });
    if (decision === 'reject') {
      const hint = this.policy.mode === 'strict'
        ? `Check the fingerprint with the host's administrator, then add it (ssh-keyscan -p ${port} ${host} >> ${primaryFile ?? '~/.ssh/known_hosts'}) or allow new keys.`
        : 'You declined the key.';
      const other = otherTypes.length ? ` (known_hosts has ${otherTypes.join(', ')} keys for it, but not this type)` : '';
      throw new RemoteError('host-key-unknown', `The host key of ${name} is not known${other}: ${keyType} ${fingerprint}. ${hint}`, name);
    }
    if (decision === 'accept-once' || primaryFile === undefined) {
      this.acceptedOnce.set(name, b64);
      return;
    }
    await this.remember(primaryFile, knownHostsLine(host, port, blob));
    this.acceptedOnce.set(name, b64);
  }

  private remember(file: string, line: string): Promise<void> {
    const run = async (): Promise<void> => {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      let prefix = '';
      try {
        const current = await fs.readFile(file, 'utf8');
        if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
      } catch { /* new file */ }
      await fs.appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
    };
    this.appendQueue = this.appendQueue.then(run, run);
    return this.appendQueue;
  }
}
