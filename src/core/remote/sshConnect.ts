/** Opens one authenticated, host-key-verified ssh2 Client to a target (optionally over a given socket). */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import { Client, utils, type AnyAuthMethod, type AuthenticationType, type ConnectConfig } from 'ssh2';
import { RemoteError } from './errors';
import type { HostKeyVerifier } from './hostKeyVerifier';
import { knownKeyTypes } from './knownHosts';
import { targetLabel, type SshTarget } from './sshConfig';
import type { SecretProvider, SecretRequest } from './types';

export interface ConnectSettings {
  readonly verifier: HostKeyVerifier;
  readonly secrets?: SecretProvider;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  /** ssh-agent socket; null disables the agent. */
  readonly agentSocket: string | null;
  /** Extra time allowed while a person answers a prompt (host key, passphrase). */
  readonly interactive: boolean;
  readonly log?: (line: string) => void;
}

const ALL_HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Puts algorithms for key types already in known_hosts first, so we get the key we can check (like OpenSSH). */
export function hostKeyAlgorithmOrder(knownTypes: readonly string[]): string[] {
  const preferred = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]))
    .filter((a) => ALL_HOST_KEY_ALGOS.includes(a));
  return [...new Set([...preferred, ...ALL_HOST_KEY_ALGOS])];
}

interface KeyCandidate { readonly file: string; readonly data: Buffer | ParsedKey; readonly passphrase?: string }
type ParsedKey = Exclude<ReturnType<typeof utils.parseKey>, Error | unknown[]>;

/**
 * Decrypting a key with a passphrase (OpenSSH's bcrypt KDF) blocks the event loop for a second or more, and a
 * status logs in to every host at once: each key and passphrase is decrypted once per process and the parsed key
 * (or the refusal) reused, so a wrong passphrase does not stall the SQL probes into timeouts. Keyed by hashes only.
 */
const decrypted = new Map<string, ParsedKey | Error>();
function decryptOnce(file: string, data: Buffer, passphrase: string): ParsedKey | Error {
  const key = createHash('sha256').update(file).update('\0').update(data).update('\0').update(passphrase).digest('hex');
  let r = decrypted.get(key);
  if (!r) {
    const parsed = utils.parseKey(data, passphrase);
    r = parsed instanceof Error ? parsed : Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) ?? new Error('no key in the file') : parsed;
    decrypted.set(key, r);
  }
  return r;
}

async function loadIdentities(target: SshTarget, secrets: SecretProvider | undefined): Promise<KeyCandidate[]> {
  const out: KeyCandidate[] = [];
  for (const file of target.identityFiles) {
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      continue; // defaults that do not exist are normal
    }
    const parsed = utils.parseKey(data);
    if (!(parsed instanceof Error)) {
      out.push({ file, data });
      continue;
    }
    if (!/passphrase|encrypted/i.test(parsed.message)) {
      throw new RemoteError('config', `Identity file ${file} is not a private key ssh2 can read: ${parsed.message}`, targetLabel(target));
    }
    if (!secrets) continue;
    const request = { kind: 'ssh-passphrase', key: file, prompt: `Passphrase for SSH key ${file}` } as const;
    const passphrase = await secrets.getSecret(request);
    if (passphrase === undefined) continue;
    const key = decryptOnce(file, data, passphrase);
    if (key instanceof Error) {
      await secrets.forgetSecret?.(request);
      throw new RemoteError('auth-failed', `The passphrase for ${file} is wrong; it was forgotten, connect again to be asked.`, targetLabel(target));
    }
    await secrets.secretWorked?.(request);
    out.push({ file, data: key });
  }
  return out;
}

/**
 * Reads and decrypts the target's keys now (each once per process), so that the seconds a passphrase's KDF blocks
 * the event loop pass before the caller starts timing other probes. A wrong passphrase rejects as a connect would.
 */
export async function warmIdentities(target: SshTarget, secrets: SecretProvider | undefined): Promise<void> {
  await loadIdentities(target, secrets);
}

export async function connectClient(target: SshTarget, settings: ConnectSettings, sock?: Duplex, signal?: AbortSignal): Promise<Client> {
  const label = targetLabel(target);
  if (signal?.aborted) throw new RemoteError('cancelled', `Connecting to ${label} was cancelled.`, label);
  const identities = await loadIdentities(target, settings.secrets);
  const entries = (await settings.verifier.readEntries(target.knownHostsFiles)).flatMap((f) => f.entries);
  const algos = hostKeyAlgorithmOrder(knownKeyTypes(entries, target.hostName, target.port));

  const methods: AnyAuthMethod[] = [];
  if (settings.agentSocket) methods.push({ type: 'agent', username: target.user, agent: settings.agentSocket });
  for (const id of identities) {
    methods.push({ type: 'publickey', username: target.user, key: id.data, ...(id.passphrase !== undefined ? { passphrase: id.passphrase } : {}) });
  }
  let passwordTried = false;
  let passwordRequest: SecretRequest | undefined;
  const tried: string[] = [];

  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let hostKeyError: RemoteError | undefined;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        // A connection given up on (cancelled, timed out) may still report its end: nothing listens any more.
        client.on('error', () => undefined);
        client.end();
        reject(err);
      } else resolve(client);
    };
    const onAbort = (): void => finish(new RemoteError('cancelled', `Connecting to ${label} was cancelled.`, label));
    signal?.addEventListener('abort', onAbort, { once: true });

    const authHandler = (left: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void): void => {
      const m = methods.shift();
      if (m) {
        tried.push(m.type === 'publickey' ? 'publickey' : m.type);
        next(m);
        return;
      }
      if (!passwordTried && settings.secrets && (left === null || left.includes('password'))) {
        passwordTried = true;
        const request = { kind: 'ssh-password', key: label, prompt: `SSH password for ${label}` } as const;
        settings.secrets.getSecret(request).then((password) => {
          if (password === undefined) return next(false);
          tried.push('password');
          passwordRequest = request;
          next({ type: 'password', username: target.user, password });
        }, () => next(false));
        return;
      }
      next(false);
    };

    const config: ConnectConfig = {
      host: target.hostName,
      port: target.port,
      username: target.user,
      readyTimeout: settings.connectTimeoutMs + (settings.interactive ? 300_000 : 0),
      keepaliveInterval: settings.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: algos as never },
      authHandler: authHandler as never,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        settings.verifier.verify(target.hostName, target.port, key, target.knownHostsFiles).then(
          () => verify(true),
          (err: unknown) => {
            hostKeyError = err instanceof RemoteError ? err : new RemoteError('host-key-unknown', String(err), label);
            verify(false);
          });
      },
      ...(sock ? { sock: sock as never } : {}),
    };
    client.once('ready', () => {
      if (passwordRequest) void settings.secrets?.secretWorked?.(passwordRequest)?.catch(() => undefined);
      finish();
    });
    client.once('close', () => finish(hostKeyError ?? new RemoteError('connect-failed', `${label} closed the connection during login.`, label)));
    // `on`, not `once`: ssh2 may emit a second error after a timeout ("Connection lost before handshake"), which would be uncaught.
    client.on('error', (err: Error & { level?: string }) => {
      if (hostKeyError) return finish(hostKeyError);
      if (err.level === 'client-authentication') {
        // A password that was sent and refused is forgotten, so nothing retries it.
        if (passwordRequest) void settings.secrets?.forgetSecret?.(passwordRequest)?.catch(() => undefined);
        return finish(new RemoteError('auth-failed',
          `${label} refused every login method tried (${tried.join(', ') || 'none available'}). ` +
          'Load your key into ssh-agent, set ssh.identityFile in the cluster file, or check the user name.', label));
      }
      if (/Timed out while waiting for handshake/i.test(err.message)) {
        return finish(new RemoteError('timeout', `No SSH handshake from ${label} within ${settings.connectTimeoutMs} ms. Is sshd running there and the port right?`, label));
      }
      const code = (err as NodeJS.ErrnoException).code;
      const what = code === 'ECONNREFUSED' ? 'connection refused (is sshd running on that port?)'
        : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'host unreachable'
          : code === 'ETIMEDOUT' ? 'connection timed out' : err.message;
      finish(new RemoteError('connect-failed', `Cannot open SSH to ${label}: ${what}.`, label));
    });
    client.connect(config);
    // Small requests (a channel, then its exec) must not wait for the server's delayed ACK (Nagle): 40 ms each.
    // The handshake's packets too: ssh2 opened the socket by now (a hop's channel has no Nagle to switch off).
    client.setNoDelay(true);
  });
}
