/** Errors from the remote layer carry a code callers can branch on and a message that says what to do. */
export type RemoteErrorCode =
  | 'host-key-changed' | 'host-key-unknown' | 'host-key-new-type' | 'host-key-revoked' | 'auth-failed' | 'connect-failed'
  | 'timeout' | 'cancelled' | 'sftp-failed' | 'config';

export class RemoteError extends Error {
  constructor(readonly code: RemoteErrorCode, message: string, readonly target?: string) {
    super(message);
    this.name = 'RemoteError';
  }
}

export function isRemoteError(err: unknown): err is RemoteError {
  return err instanceof RemoteError;
}
