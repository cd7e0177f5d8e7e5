/** RemoteHost over the SSH pool: exec, and file transfer by SFTP (or `sudo cat`/`tee` when sudo is set). */
import { RemoteError } from './errors';
import type { SshPool } from './sshPool';
import { targetLabel, type SshTarget } from './sshConfig';
import type { ExecOptions, ExecResult, RemoteCommand, RemoteHost } from './types';

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
      const r = await this.pool.execBuffer(this.target, ['cat', '--', path], options.signal ? { signal: options.signal } : {});
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

  async writeFile(path: string, data: string | Buffer, options: { mode?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.target.sudoUser) {
      // The path travels as $1 of a fixed script; never spliced into shell text.
      const mode = (options.mode ?? 0o644).toString(8);
      const r = await this.exec(['sh', '-c', 'umask 077 && cat > "$1" && chmod "$2" "$1"', 'sh', path, mode], {
        stdin: data, ...(options.signal ? { signal: options.signal } : {}),
      });
      if (r.code !== 0) throw new RemoteError('sftp-failed', `Cannot write ${path} on ${this.label}: ${r.stderr.trim() || `exit ${r.code}`}`, this.label);
      return;
    }
    const sftp = await this.pool.sftp(this.target, options.signal);
    await new Promise<void>((resolve, reject) => {
      sftp.writeFile(path, data, { mode: options.mode ?? 0o644 }, (err?: Error | null) => {
        if (err) reject(new RemoteError('sftp-failed', `Cannot write ${path} on ${this.label}: ${err.message}`, this.label));
        else resolve();
      });
    });
  }
}
