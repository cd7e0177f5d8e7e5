/** RemoteHost over the SSH pool: exec, file reads by SFTP (or `sudo cat`), writes through privateFile's temporary file + rename. */
import { RemoteError } from './errors';
import { privateWriteArgv } from './privateFile';
import type { SshPool } from './sshPool';
import { targetLabel, type SshTarget } from './sshConfig';
import type { ExecOptions, ExecResult, RemoteCommand, RemoteHost } from './types';

/** A file read or written over SSH that takes longer than this has stalled (files here are configuration, not data). */
export const WRITE_TIMEOUT_MS = 60_000;

export class SshRemoteHost implements RemoteHost {
  readonly label: string;

  constructor(private readonly pool: SshPool, readonly target: SshTarget) {
    this.label = targetLabel(target) + (target.sudoUser ? ` (sudo -u ${target.sudoUser})` : '');
  }

  exec(command: RemoteCommand, options?: ExecOptions): Promise<ExecResult> {
    return this.pool.exec(this.target, command, options);
  }

  async readFile(path: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    if (this.target.sudoUser) {
      const r = await this.pool.execBuffer(this.target, ['cat', '--', path], { timeoutMs: WRITE_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) });
      if (r.code !== 0) throw new RemoteError('sftp-failed', `Cannot read ${path} on ${this.label}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`, this.label);
      return r.stdout;
    }
    const sftp = await this.pool.sftp(this.target, options.signal);
    return new Promise((resolve, reject) => {
      sftp.readFile(path, (err: Error | undefined, data: Buffer) => {
        if (err) reject(new RemoteError('sftp-failed', `Cannot read ${path} on ${this.label}: ${err.message}`, this.label));
        else resolve(data);
      });
    });
  }

  /** Written through a temporary file renamed over the target (privateFile.ts): never briefly readable with the old mode. */
  async writeFile(path: string, data: string | Buffer, options: { mode?: number; signal?: AbortSignal } = {}): Promise<void> {
    // The path travels as $1 of a fixed script; never spliced into shell text. Under sudo the file belongs to that user.
    const r = await this.exec(privateWriteArgv(path, options.mode ?? 0o644), {
      stdin: data, timeoutMs: WRITE_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}),
    });
    if (r.timedOut) throw new RemoteError('timeout', `Writing ${path} on ${this.label} did not finish within ${WRITE_TIMEOUT_MS / 1000} s; the file may be partly written (a temporary file beside it).`, this.label);
    if (r.code !== 0) throw new RemoteError('sftp-failed', `Cannot write ${path} on ${this.label}: ${r.stderr.trim() || `exit ${r.code}`}`, this.label);
  }

}
