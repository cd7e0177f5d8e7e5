/** Verifies a server's host key against known_hosts files and the HostKeyPolicy; remembers accepted keys. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RemoteError } from './errors';
import {
  changedKeyMessage, checkHostKey, keyTypeOfBlob, knownHostsLineFor, knownHostsName, parseKnownHosts,
  sha256Fingerprint, type KnownHostEntry,
} from './knownHosts';
import { writePrivateFile } from './privateFile';
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
    const checks = files.map(({ file, entries }) => ({ file, check: checkHostKey(entries, host, port, blob) }));
    // @revoked in any file wins over a match in another (as OpenSSH reads all of them), then a match, then a change.
    for (const { file, check } of checks) {
      if (check.result === 'revoked') {
        throw new RemoteError('host-key-revoked', `The host key of ${name} (${sha256Fingerprint(blob)}) is marked @revoked in ${file}:${check.entry.line}. Connection refused.`, name);
      }
    }
    if (checks.some(({ check }) => check.result === 'match')) return;
    for (const { file, check } of checks) {
      if (check.result === 'changed') throw new RemoteError('host-key-changed', changedKeyMessage(host, port, blob, check.entry, file), name);
    }
    const otherTypes = [...new Set(checks.flatMap(({ check }) => (check.result === 'unknown' ? check.otherKeyTypes : [])))];
    const fingerprint = sha256Fingerprint(blob);
    const keyType = keyTypeOfBlob(blob);
    const primaryFile = knownHostsFiles[0];
    const newType = otherTypes.length > 0;
    // accept-new remembers keys of NEW hosts only: a known host showing a key type never seen for it is what a
    // man-in-the-middle without the known key would show, so it needs a person (ask) or an explicit entry.
    const decision = this.policy.mode === 'strict' || (this.policy.mode === 'accept-new' && newType) ? 'reject'
      : this.policy.mode === 'accept-new' ? 'accept-and-remember'
        : await this.policy.ask({ hostPattern: name, keyType, fingerprint, ...(newType ? { knownKeyTypes: otherTypes } : {}) });
    if (decision === 'reject') {
      const add = `ssh-keyscan -p ${port} -t ${keyType} ${host} >> ${primaryFile ?? '~/.ssh/known_hosts'}`;
      if (newType) {
        const hint = this.policy.mode === 'ask' ? 'You declined the key.' : `If the host was reinstalled or given a new key type, check the fingerprint with its administrator, then add it (${add}).`;
        throw new RemoteError('host-key-new-type', `${name} is known by its ${otherTypes.join(', ')} key, but now shows a ${keyType} key (${fingerprint}) never seen for it. Connection refused. ${hint}`, name);
      }
      const hint = this.policy.mode === 'strict'
        ? `Check the fingerprint with the host's administrator, then add it (${add}) or allow new keys.`
        : 'You declined the key.';
      throw new RemoteError('host-key-unknown', `The host key of ${name} is not known: ${keyType} ${fingerprint}. ${hint}`, name);
    }
    if (decision === 'accept-once' || primaryFile === undefined) {
      this.acceptedOnce.set(name, b64);
      return;
    }
    await this.remember(primaryFile, host, port, blob);
    this.acceptedOnce.set(name, b64);
  }

  /** Adds the key to `file` (hashed when the file hashes its names), through the private-file helper. */
  private remember(file: string, host: string, port: number, blob: Buffer): Promise<void> {
    const run = async (): Promise<void> => {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      let current = '';
      let mode = 0o600;
      try {
        current = await fs.readFile(file, 'utf8');
        mode = (await fs.stat(file)).mode & 0o777;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const line = knownHostsLineFor(parseKnownHosts(current), host, port, blob);
      const prefix = current.length > 0 && !current.endsWith('\n') ? '\n' : '';
      await writePrivateFile(file, `${current}${prefix}${line}\n`, { mode });
    };
    this.appendQueue = this.appendQueue.then(run, run);
    return this.appendQueue;
  }
}
