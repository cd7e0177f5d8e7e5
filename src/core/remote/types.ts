/** The seams between operations and the machines they touch. Ops are unit-tested against fakes of these. */

/** A command: argv (each element quoted by shellQuote) or a script already built by `shellScript`. */
export type RemoteCommand = readonly string[] | { readonly script: string };

export interface ExecOptions {
  readonly onStdout?: (chunk: string) => void;
  readonly onStderr?: (chunk: string) => void;
  /** Kill the command (close the channel) after this long; the result then has `timedOut: true`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly stdin?: string | Buffer;
  /** Environment for the command, passed as `env NAME=value ...` words (quoted), never secrets. */
  readonly env?: Readonly<Record<string, string>>;
  /** Overrides the host's configured sudo user for this call; `null` runs without sudo. */
  readonly sudoUser?: string | null;
}

export interface ExecResult {
  /** Exit status; null when the command died by a signal, timed out, or was cancelled. */
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut?: boolean;
  readonly cancelled?: boolean;
}

/** One machine of the cluster, reachable over SSH (or faked in tests). */
export interface RemoteHost {
  /** A name for logs and errors, e.g. `postgres@127.0.0.11:2222`. */
  readonly label: string;
  exec(command: RemoteCommand, options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string, options?: { signal?: AbortSignal }): Promise<Buffer>;
  writeFile(path: string, data: string | Buffer, options?: { mode?: number; signal?: AbortSignal }): Promise<void>;
}

/** Supplies secrets on demand: the editor from SecretStorage (asking once), the CLI from a prompt or env. */
export interface SecretProvider {
  /** `kind` says what is asked, `key` identifies it stably (e.g. the identity file path or user@host:port). */
  getSecret(request: SecretRequest): Promise<string | undefined>;
  /** Called when a secret was wrong so the provider can forget it. */
  forgetSecret?(request: SecretRequest): Promise<void>;
  /** Called once a secret has worked (login succeeded, key decrypted), so the provider may keep it. */
  secretWorked?(request: SecretRequest): Promise<void>;
}

export interface SecretRequest {
  /** `pcp-password` and `wd-authkey` (Configure pgpool), `replication-password` (Set up streaming replication). */
  readonly kind: 'ssh-passphrase' | 'ssh-password' | 'pcp-password' | 'replication-password' | 'wd-authkey';
  readonly key: string;
  /** A sentence to show the user. */
  readonly prompt: string;
}

/** What the user decided about a host key not yet in known_hosts. */
export type HostKeyDecision = 'accept-and-remember' | 'accept-once' | 'reject';

export interface UnknownHostKey {
  /** The known_hosts name, `host` or `[host]:port`. */
  readonly hostPattern: string;
  readonly keyType: string;
  /** `SHA256:...` like OpenSSH prints it. */
  readonly fingerprint: string;
  /**
   * Key types known_hosts already holds for this host (other than this one): the host is known, but presents a
   * key type never seen for it. A reinstalled host may do that, and so may a man-in-the-middle that cannot
   * show the known key: say so louder than for a new host.
   */
  readonly knownKeyTypes?: readonly string[];
}

/**
 * What to do with an unknown host key: `strict` refuses, `accept-new` remembers it (OpenSSH's
 * StrictHostKeyChecking=accept-new), `ask` calls `ask` (the editor shows a modal with the fingerprint).
 * A changed key is always refused, whatever the policy.
 */
export type HostKeyPolicy =
  | { readonly mode: 'strict' }
  | { readonly mode: 'accept-new' }
  | { readonly mode: 'ask'; ask(key: UnknownHostKey): Promise<HostKeyDecision> };
