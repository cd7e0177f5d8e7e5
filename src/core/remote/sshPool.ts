/**
 * One SSH connection per (jump chain, host, port, user), reused by every exec, sftp and tunnel; dead
 * connections are dropped and reopened on next use. Channels per connection are capped below sshd's
 * MaxSessions (10) so bursts queue instead of failing.
 */
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { buildCommandLine } from './commandLine';
import { RemoteError } from './errors';
import { HostKeyVerifier } from './hostKeyVerifier';
import { connectClient, type ConnectSettings } from './sshConnect';
import { targetKey, targetLabel, type SshTarget } from './sshConfig';
import type { ExecOptions, ExecResult, HostKeyPolicy, RemoteCommand, SecretProvider } from './types';

export interface SshPoolOptions {
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly secrets?: SecretProvider;
  /** TCP + handshake + auth; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Default 15 s. */
  readonly keepaliveIntervalMs?: number;
  /** Default process.env.SSH_AUTH_SOCK; null turns the agent off. */
  readonly agentSocket?: string | null;
  readonly maxChannelsPerConnection?: number;
  readonly log?: (line: string) => void;
}

interface PooledConnection {
  readonly client: Client;
  sftp?: Promise<SFTPWrapper>;
  active: number;
  readonly waiters: (() => void)[];
  /** Channels opened, for round-trip accounting in benchmarks. */
  channels: number;
  closed: boolean;
}

export interface SshPoolStats {
  readonly connectionsOpened: number;
  readonly channelsOpened: number;
  readonly open: number;
}

export class SshPool {
  private readonly connections = new Map<string, Promise<PooledConnection>>();
  private readonly settings: ConnectSettings;
  private readonly maxChannels: number;
  private opened = 0;
  private channelsOpened = 0;
  private closed = false;

  constructor(options: SshPoolOptions) {
    const agent = options.agentSocket === undefined ? process.env.SSH_AUTH_SOCK ?? null : options.agentSocket;
    this.settings = {
      verifier: new HostKeyVerifier(options.hostKeyPolicy),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
      agentSocket: agent || null,
      interactive: options.hostKeyPolicy.mode === 'ask',
      ...(options.log ? { log: options.log } : {}),
    };
    this.maxChannels = options.maxChannelsPerConnection ?? 8;
  }

  stats(): SshPoolStats {
    return { connectionsOpened: this.opened, channelsOpened: this.channelsOpened, open: this.connections.size };
  }

  /** The host key the connection to `target` presented and that was verified (connects first if needed). */
  async trustedHostKey(target: SshTarget, signal?: AbortSignal): Promise<Buffer | undefined> {
    await this.pooled(target, signal);
    return this.settings.verifier.trustedKey(target.hostName, target.port);
  }

  /** The pooled client for a target, connecting (through its jumps) if needed. */
  async client(target: SshTarget, signal?: AbortSignal): Promise<Client> {
    return (await this.pooled(target, signal)).client;
  }

  private pooled(target: SshTarget, signal?: AbortSignal): Promise<PooledConnection> {
    if (this.closed) return Promise.reject(new RemoteError('cancelled', 'The SSH pool is closed.'));
    const key = targetKey(target);
    const existing = this.connections.get(key);
    if (existing) return existing;
    const p = this.open(target, signal);
    this.connections.set(key, p);
    p.then((conn) => {
      const drop = (): void => {
        conn.closed = true;
        if (this.connections.get(key) === p) this.connections.delete(key);
      };
      conn.client.once('close', drop);
      conn.client.once('end', drop);
      conn.client.on('error', (err) => {
        this.settings.log?.(`ssh ${targetLabel(target)}: ${err.message}`);
        drop();
      });
    }, () => {
      if (this.connections.get(key) === p) this.connections.delete(key);
    });
    return p;
  }

  private async open(target: SshTarget, signal?: AbortSignal): Promise<PooledConnection> {
    let sock: ClientChannel | undefined;
    if (target.jumps.length > 0) {
      const hop = target.jumps[target.jumps.length - 1]!;
      const via = await this.client({ ...hop, jumps: target.jumps.slice(0, -1) }, signal);
      sock = await new Promise<ClientChannel>((resolve, reject) => {
        via.forwardOut('127.0.0.1', 0, target.hostName, target.port, (err, stream) => {
          if (err) reject(new RemoteError('connect-failed', `Jump host ${targetLabel(hop)} cannot reach ${target.hostName}:${target.port}: ${err.message}`, targetLabel(target)));
          else resolve(stream);
        });
      });
    }
    this.settings.log?.(`ssh connect ${targetLabel(target)}`);
    const client = await connectClient(target, this.settings, sock, signal);
    this.opened++;
    return { client, active: 0, waiters: [], channels: 0, closed: false };
  }

  private async withChannel<T>(target: SshTarget, signal: AbortSignal | undefined, fn: (conn: PooledConnection) => Promise<T>): Promise<T> {
    const conn = await this.pooled(target, signal);
    while (conn.active >= this.maxChannels) await waitForChannel(conn, signal, targetLabel(target));
    conn.active++;
    conn.channels++;
    this.channelsOpened++;
    try {
      return await fn(conn);
    } finally {
      conn.active--;
      conn.waiters.shift()?.();
    }
  }

  /**
   * Runs a command. Resolves with the exit status (also non-zero) and output; a timeout resolves with
   * `timedOut: true`; an abort rejects with RemoteError('cancelled'). Reconnects once if the pooled
   * connection died since its last use.
   */
  async exec(target: SshTarget, command: RemoteCommand, options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.execBuffer(target, command, options);
    return { ...r, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  async execBuffer(target: SshTarget, command: RemoteCommand, options: ExecOptions = {}): Promise<Omit<ExecResult, 'stdout' | 'stderr'> & { stdout: Buffer; stderr: Buffer }> {
    const sudo = options.sudoUser === null ? undefined : options.sudoUser ?? target.sudoUser;
    const line = buildCommandLine(command, sudo, options.env);
    for (let attempt = 0; ; attempt++) {
      let used: PooledConnection | undefined;
      try {
        return await this.withChannel(target, options.signal, (conn) => {
          used = conn;
          return runChannel(conn.client, line, options, targetLabel(target));
        });
      } catch (err) {
        const channelRefused = err instanceof RemoteError && err.code === 'connect-failed' && /channel/i.test(err.message);
        if (!channelRefused || attempt >= 4) throw err;
        if (used?.closed) {
          // The pooled connection died since its last use: reconnect (the pool already forgot it).
          used.client.end();
        } else {
          // sshd frees a session slightly after our side sees the channel close: back off briefly.
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
    }
  }

  async sftp(target: SshTarget, signal?: AbortSignal): Promise<SFTPWrapper> {
    const conn = await this.pooled(target, signal);
    conn.sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      conn.client.sftp((err, sftp) => {
        if (err) {
          conn.sftp = undefined;
          reject(new RemoteError('sftp-failed', `SFTP to ${targetLabel(target)} failed: ${err.message}. Is the sftp subsystem enabled in sshd_config?`, targetLabel(target)));
        } else {
          sftp.once('close', () => { conn.sftp = undefined; });
          resolve(sftp);
        }
      });
    });
    return conn.sftp;
  }

  /** Closes every connection; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (p) => {
      try {
        const c = await p;
        c.client.end();
      } catch { /* never opened */ }
    }));
  }
}

/** How long a timed-out or cancelled command's channel may take to close before the caller gets its answer. */
const STOP_GRACE_MS = 2000;

/** Waits for a free channel on a busy connection; a cancel ends the wait at once (the waiter is removed). */
function waitForChannel(conn: PooledConnection, signal: AbortSignal | undefined, label: string): Promise<void> {
  const cancelled = (): RemoteError => new RemoteError('cancelled', `Cancelled while waiting for a free SSH channel on ${label} (every channel of the connection was busy).`, label);
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise<void>((resolve, reject) => {
    const wake = (): void => { signal?.removeEventListener('abort', onAbort); resolve(); };
    const onAbort = (): void => {
      const i = conn.waiters.indexOf(wake);
      if (i >= 0) conn.waiters.splice(i, 1);
      reject(cancelled());
    };
    conn.waiters.push(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function runChannel(client: Client, line: string, options: ExecOptions, label: string): Promise<{ code: number | null; signal: string | null; stdout: Buffer; stderr: Buffer; timedOut?: boolean }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new RemoteError('cancelled', `Command on ${label} was cancelled before it started.`, label));
      return;
    }
    client.exec(line, (err, channel) => {
      if (err) {
        reject(new RemoteError('connect-failed', `Cannot open an SSH channel on ${label}: ${err.message}`, label));
        return;
      }
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      let code: number | null = null;
      let sig: string | null = null;
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      let grace: NodeJS.Timeout | undefined;
      const stop = (): void => {
        try { channel.signal('KILL'); } catch { /* not supported by every sshd */ }
        channel.close();
        // sshd keeps a channel open while its command runs and may ignore the signal request (no pty): after a
        // timeout or a cancel, stop waiting for the channel to close after a short grace.
        grace ??= setTimeout(finish, STOP_GRACE_MS);
      };
      const timer = options.timeoutMs !== undefined ? setTimeout(() => { timedOut = true; stop(); }, options.timeoutMs) : undefined;
      const onAbort = (): void => { cancelled = true; stop(); };
      // A cancel that came while the channel was being opened (the abort event has fired already): stop it now.
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      channel.on('data', (d: Buffer) => { out.push(d); options.onStdout?.(d.toString('utf8')); });
      channel.stderr.on('data', (d: Buffer) => { errs.push(d); options.onStderr?.(d.toString('utf8')); });
      channel.on('exit', (c: number | null, s?: string) => { code = c ?? null; sig = s ?? null; });
      channel.on('close', finish);
      function finish(): void {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (grace) clearTimeout(grace);
        options.signal?.removeEventListener('abort', onAbort);
        if (cancelled) {
          reject(new RemoteError('cancelled', `Command on ${label} was cancelled.`, label));
          return;
        }
        resolve({ code: timedOut ? null : code, signal: sig, stdout: Buffer.concat(out), stderr: Buffer.concat(errs), ...(timedOut ? { timedOut } : {}) });
      }
      if (settled || cancelled) return;
      if (options.stdin !== undefined) channel.end(options.stdin);
      else channel.end();
    });
  });
}
