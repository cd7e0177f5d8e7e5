/** The database seam: status code talks to this, tests use a fake. */

export type SqlRow = Record<string, unknown>;

export interface QueryOptions {
  readonly timeoutMs?: number;
}

export interface SqlClient {
  /** e.g. `postgres@127.0.0.11:5432/postgres`. */
  readonly label: string;
  /** Connects lazily on first use and again after a lost connection. */
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  close(): Promise<void>;
}

export class DbError extends Error {
  constructor(
    readonly code: 'connect-failed' | 'auth-failed' | 'timeout' | 'query-failed' | 'unsupported',
    message: string,
    /** SQLSTATE when the server sent one. */
    readonly sqlState?: string,
  ) {
    super(message);
    this.name = 'DbError';
  }
}
