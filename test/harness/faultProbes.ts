// The campaign's observers on the isolated lab: an append-only writer through pgpool, a sampler of every node's
// writability, and a status watcher. They record what happened with times; figures are computed afterwards.
import { dirname } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import type { ClusterDefinition } from '../../src/core/inventory/model';
import { SshPool } from '../../src/core/remote/sshPool';
import { StatusCollector } from '../../src/core/status/collector';
import type { ClusterHealth } from '../../src/core/status/model';
import { operationLockHolder } from '../../src/core/ops/engine/lockHolder';
import { sleep } from './wait';

export interface Endpoint { readonly name: string; readonly host: string; readonly port: number }

export interface PgLogin { readonly user: string; readonly password: string; readonly database: string }

/** A pg client whose calls never wait longer than `ms`: on expiry the socket is destroyed (no outcome is assumed). */
async function bounded<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([fn(), new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        reject(new Error(`no answer within ${ms} ms`));
      }, ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

function newClient(ep: Endpoint, login: PgLogin, connectMs: number): Client {
  const config: ClientConfig = { host: ep.host, port: ep.port, user: login.user, password: login.password, database: login.database, connectionTimeoutMillis: connectMs };
  const c = new Client(config);
  c.on('error', () => undefined);
  return c;
}

export const WRITES_TABLE = 'fault_writes';
export const PROBE_TABLE = 'fault_probe';

/** Creates the writer's and sampler's tables on the primary (through pgpool). */
export async function prepareTables(pgpool: Endpoint, login: PgLogin): Promise<void> {
  const c = newClient(pgpool, login, 5000);
  await c.connect();
  try {
    await c.query(`CREATE TABLE IF NOT EXISTS ${WRITES_TABLE} (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (node text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface Ack { readonly id: number; readonly sentAt: number; readonly ackAt: number }
export interface WriteFailure { readonly id: number; readonly at: number; readonly error: string }

/**
 * Inserts ids 1, 2, 3... one at a time through pgpool; an id counts as acknowledged only when the INSERT returned
 * (autocommit: the commit was acknowledged). A call that gets no answer in `answerMs` is abandoned: unknown, not acked.
 */
export class Writer {
  readonly acks: Ack[] = [];
  readonly failures: WriteFailure[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;
  private nextId = 1;

  constructor(private readonly pgpool: Endpoint, private readonly login: PgLogin,
    private readonly limits: { readonly maxIds: number; readonly maxMs: number; readonly answerMs: number }) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async run(): Promise<void> {
    const until = Date.now() + this.limits.maxMs;
    let client: Client | undefined;
    while (!this.stopped && Date.now() < until && this.nextId <= this.limits.maxIds) {
      const id = this.nextId++;
      const sentAt = Date.now();
      try {
        if (!client) {
          client = newClient(this.pgpool, this.login, this.limits.answerMs);
          const c = client;
          await bounded(c, this.limits.answerMs, () => c.connect());
        }
        const c = client;
        await bounded(c, this.limits.answerMs, () => c.query(`INSERT INTO ${WRITES_TABLE} (id) VALUES ($1)`, [id]));
        this.acks.push({ id, sentAt, ackAt: Date.now() });
      } catch (err) {
        this.failures.push({ id, at: Date.now(), error: err instanceof Error ? err.message : String(err) });
        void client?.end().catch(() => undefined);
        client = undefined;
        await sleep(100);
      }
    }
    await client?.end().catch(() => undefined);
  }
}

export interface Sample { readonly node: string; readonly at: number; readonly writable: boolean; readonly error?: string }

/**
 * Every `everyMs`, asks each node directly whether it is out of recovery and, if so, whether a write succeeds
 * (synchronous_commit = local: a primary waiting for a synchronous standby still counts as accepting writes).
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly nodes: readonly Endpoint[], private readonly login: PgLogin, private readonly everyMs = 100, private readonly answerMs = 500) {}

  start(): void {
    this.loops = this.nodes.map((n) => this.loop(n));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(node: Endpoint): Promise<void> {
    let client: Client | undefined;
    while (!this.stopped) {
      const started = Date.now();
      try {
        if (!client) {
          client = newClient(node, this.login, this.answerMs);
          const c = client;
          await bounded(c, this.answerMs, () => c.connect());
          await bounded(c, this.answerMs, () => c.query("SET synchronous_commit = 'local'"));
        }
        const c = client;
        const r = await bounded(c, this.answerMs, () => c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec'));
        let writable = false;
        if (r.rows[0]?.rec === false) {
          await bounded(c, this.answerMs, () => c.query(`INSERT INTO ${PROBE_TABLE} (node) VALUES ($1)`, [node.name]));
          writable = true;
        }
        this.samples.push({ node: node.name, at: started, writable });
      } catch (err) {
        this.samples.push({ node: node.name, at: started, writable: false, error: err instanceof Error ? err.message : String(err) });
        void client?.end().catch(() => undefined);
        client = undefined;
      }
      await sleep(Math.max(0, this.everyMs - (Date.now() - started)));
    }
    await client?.end().catch(() => undefined);
  }
}

/** Milliseconds during which two or more nodes were writable at once (a node counts for 2 sample periods after a yes). */
export function twoWritableMs(samples: readonly Sample[], from: number, to: number, everyMs = 100): { ms: number; nodes: string[] } {
  const sorted = samples.filter((s) => s.at >= from && s.at <= to).sort((a, b) => a.at - b.at);
  const lastYes = new Map<string, number>();
  const seen = new Set<string>();
  let ms = 0;
  let prev: number | undefined;
  for (const s of sorted) {
    if (prev !== undefined) {
      const live = [...lastYes.entries()].filter(([, at]) => prev! - at <= 2 * everyMs);
      if (live.length >= 2) {
        ms += s.at - prev;
        for (const [n] of live) seen.add(n);
      }
    }
    if (s.writable) lastYes.set(s.node, s.at); else lastYes.delete(s.node);
    prev = s.at;
  }
  return { ms, nodes: [...seen].sort() };
}

export interface StatusObservation { readonly at: number; readonly health: ClusterHealth; readonly codes: readonly string[]; readonly elapsedMs: number }

/** Refreshes status every `everyMs` the way `pgpool-cluster status` does (a fresh collector, SSH logins, the lock). */
export class StatusWatcher {
  readonly seen: StatusObservation[] = [];
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(private readonly cluster: ClusterDefinition, private readonly everyMs = 1000, private readonly lockDir?: string) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** One refresh as the CLI makes it. */
  async once(): Promise<StatusObservation> {
    const started = Date.now();
    const sshPool = new SshPool({ hostKeyPolicy: { mode: 'strict' } });
    const collector = new StatusCollector(this.cluster, {
      timeoutMs: 3000, sshPool, hostProbes: true,
      lockHolder: () => operationLockHolder(this.cluster, { sshPool, ...(this.lockDir ? { dir: this.lockDir, workstationDir: dirname(this.lockDir) } : {}) }),
    });
    try {
      const s = await collector.refresh();
      return { at: started, health: s.health, codes: [...new Set(s.problems.map((p) => p.code))].sort(), elapsedMs: Date.now() - started };
    } finally {
      await collector.close().catch(() => undefined);
      await sshPool.close().catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      try {
        this.seen.push(await this.once());
      } catch (err) {
        this.seen.push({ at: started, health: 'unreachable', codes: [`error: ${err instanceof Error ? err.message : String(err)}`], elapsedMs: Date.now() - started });
      }
      await sleep(Math.max(0, this.everyMs - (Date.now() - started)));
    }
  }
}
