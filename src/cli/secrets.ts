/** The CLI's SecretProvider: environment variables first, else a hidden prompt on a terminal. */
import type { SecretProvider, SecretRequest } from '../core/remote/types';

const ENV: Record<SecretRequest['kind'], string> = {
  'ssh-passphrase': 'PGPOOL_CLUSTER_SSH_PASSPHRASE',
  'ssh-password': 'PGPOOL_CLUSTER_SSH_PASSWORD',
  'pcp-password': 'PGPOOL_CLUSTER_PCP_PASSWORD',
  'replication-password': 'PGPOOL_CLUSTER_REPLICATION_PASSWORD',
  'wd-authkey': 'PGPOOL_CLUSTER_WD_AUTHKEY',
};

export class CliSecretProvider implements SecretProvider {
  private readonly cache = new Map<string, string>();

  async getSecret(request: SecretRequest): Promise<string | undefined> {
    const key = `${request.kind}:${request.key}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const fromEnv = process.env[ENV[request.kind]];
    if (fromEnv !== undefined) return fromEnv;
    if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
    const value = await promptHidden(`${request.prompt}: `);
    if (value !== undefined) this.cache.set(key, value);
    return value;
  }

  async forgetSecret(request: SecretRequest): Promise<void> {
    this.cache.delete(`${request.kind}:${request.key}`);
  }
}

function promptHidden(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (v: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(v);
    };
    stdin.on('data', onData);
  });
}
