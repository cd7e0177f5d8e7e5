/** SqlClient over `pg`: lazy connect, reconnect after loss, .pgpass, PG* env, sslmode, optional tunnel. */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, type ClientConfig } from 'pg';
import type { SslMode } from '../inventory/model';
import { findPgpassPassword, pgpassPath, readPgpass } from './pgpass';
import { DbError, type QueryOptions, type SqlClient, type SqlRow } from './types';

export interface PgEndpoint {
  /** The real server address (also what .pgpass is matched against). */
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly database?: string;
  readonly passfile?: string;
  readonly sslmode?: SslMode;
  readonly connectTimeoutMs?: number;
  /** Default per-query timeout. */
  readonly queryTimeoutMs?: number;
  /** When set, dial this instead (an SSH tunnel's local end); called once per connect. */
  readonly via?: () => Promise<{ host: string; port: number }>;
  readonly applicationName?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly warn?: (message: string) => void;
}

export class PgSqlClient implements SqlClient {
  readonly label: string;
  private client: Promise<Client> | undefined;
  /** Round trips to the server (connect counts as one), for benchmarks. */
  roundTrips = 0;

  constructor(private readonly endpoint: PgEndpoint) {
    const env = endpoint.env ?? process.env;
    this.label = `${this.user()}@${endpoint.host}:${endpoint.port}/${endpoint.database ?? env.PGDATABASE ?? this.user()}`;
  }

  private user(): string {
    const env = this.endpoint.env ?? process.env;
    return this.endpoint.user ?? env.PGUSER ?? safeUser();
  }

  async query<R extends SqlRow = SqlRow>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<R[]> {
    const client = await this.connected();
    this.roundTrips++;
    const timeout = options.timeoutMs ?? this.endpoint.queryTimeoutMs;
    try {
      const res = await client.query<R>({ text: sql, values: [...params], ...(timeout ? { query_timeout: timeout } : {}) } as never);
      return res.rows;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (/Query read timeout/i.test(e.message)) {
        this.drop();
        throw new DbError('timeout', `${this.label} did not answer within ${timeout} ms.`);
      }
      if (!e.code || /terminat|Connection/i.test(e.message)) this.drop();
      throw new DbError('query-failed', `${this.label}: ${e.message}`, e.code);
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.then((x) => endWithin(x), () => undefined).catch(() => undefined);
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    c?.then((x) => endWithin(x), () => undefined).catch(() => undefined);
  }

  private connected(): Promise<Client> {
    this.client ??= this.connect().catch((err: unknown) => {
      this.client = undefined;
      throw err;
    });
    return this.client;
  }

  private async connect(): Promise<Client> {
    const ep = this.endpoint;
    const env = ep.env ?? process.env;
    const sslmode = ep.sslmode ?? (env.PGSSLMODE as SslMode | undefined) ?? 'prefer';
    const database = ep.database ?? env.PGDATABASE ?? this.user();
    const dial = ep.via ? await ep.via() : { host: ep.host, port: ep.port };
    const password = async (): Promise<string | undefined> => {
      if (env.PGPASSWORD !== undefined) return env.PGPASSWORD;
      const entries = await readPgpass(pgpassPath(ep.passfile, env), ep.warn);
      return findPgpassPassword(entries, { host: ep.host, port: ep.port, database, user: this.user() });
    };
    const base: ClientConfig = {
      host: dial.host, port: dial.port, user: this.user(), database,
      password: password as never,
      connectionTimeoutMillis: ep.connectTimeoutMs ?? 5000,
      application_name: ep.applicationName ?? 'pgpool-cluster',
      keepAlive: true,
    };
    const attempt = async (ssl: ClientConfig['ssl']): Promise<Client> => {
      const c = new Client({ ...base, ssl });
      c.on('error', () => this.drop()); // a lost idle connection: reconnect on next query
      this.roundTrips++;
      try {
        await c.connect();
        return c;
      } catch (err) {
        c.end().catch(() => undefined);
        throw err;
      }
    };
    try {
      if (sslmode === 'disable' || sslmode === 'allow') return await attempt(false);
      if (sslmode === 'prefer') {
        try {
          return await attempt({ rejectUnauthorized: false });
        } catch (err) {
          if (/does not support SSL/i.test((err as Error).message)) return await attempt(false);
          throw err;
        }
      }
      if (sslmode === 'require') return await attempt({ rejectUnauthorized: false });
    } catch (err) {
      throw toConnectError(err, this.label, ep);
    }
    const root = rootCertificate(env, sslmode, this.label);
    // sslrootcert=system means the public CAs, and libpq then insists on verify-full (host name checked).
    const verifyHost = sslmode === 'verify-full' || root.system;
    try {
      return await attempt({
        rejectUnauthorized: true, ...(root.ca !== undefined ? { ca: root.ca } : {}),
        ...(verifyHost ? { servername: ep.host } : { checkServerIdentity: () => undefined }),
      });
    } catch (err) {
      throw toConnectError(err, this.label, ep);
    }
  }
}

/**
 * Ends a session politely, but not for longer than `ms`: a server that never reads the goodbye (a pgpool
 * child stuck on a backend during failover) would otherwise keep the socket, and the process, alive.
 */
async function endWithin(c: Client, ms = 250): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([c.end().catch(() => undefined), new Promise((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/**
 * The root certificate(s) for verify-ca / verify-full, found as libpq finds them: PGSSLROOTCERT, else
 * ~/.postgresql/root.crt. Missing means the connection fails, as in libpq: never a silent fallback to the public
 * CA bundle, which would trust any publicly signed certificate. PGSSLROOTCERT=system asks for the public CAs.
 */
export function rootCertificate(env: NodeJS.ProcessEnv, sslmode: SslMode, label: string, home = os.homedir()): { ca?: string; system: boolean } {
  if (env.PGSSLROOTCERT === 'system') return { system: true };
  const file = env.PGSSLROOTCERT || path.join(home, '.postgresql', 'root.crt');
  try {
    return { ca: readFileSync(file, 'utf8'), system: false };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw new DbError('connect-failed', `${label}: sslmode=${sslmode} needs the root certificate file "${file}", which ${why}. `
      + 'Put the CA certificate there (or name it with PGSSLROOTCERT), set PGSSLROOTCERT=system to trust the public CAs, '
      + 'or use sslmode=require, which encrypts without verifying the server.');
  }
}

function toConnectError(err: unknown, label: string, ep: PgEndpoint): DbError {
  const e = err as Error & { code?: string };
  if (e.code === '28P01' || e.code === '28000' || /password authentication failed|no password supplied|SASL/i.test(e.message)) {
    return new DbError('auth-failed', `${label}: ${e.message}. Put the password in a .pgpass file (database.passfile in the cluster file, PGPASSFILE, or ~/.pgpass) with mode 0600.`, e.code);
  }
  if (/timeout/i.test(e.message)) return new DbError('timeout', `${label}: no answer within ${ep.connectTimeoutMs ?? 5000} ms.`);
  if (e.code === 'ECONNREFUSED') return new DbError('connect-failed', `${label}: connection refused (is PostgreSQL running and listening there?).`, e.code);
  return new DbError('connect-failed', `${label}: ${e.message}`, e.code);
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}
