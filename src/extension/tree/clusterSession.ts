/**
 * One session per cluster in the editor: one SSH pool (one host-key policy, one secret provider), one status
 * collector and one operations environment on top of it. The tree's refreshes, the status panel, the operations
 * and the setup commands all use the same session, so an operation starts on the tree's warm connections and
 * can ask for a password or a key passphrase like the tree does.
 */
import type { ClusterDefinition } from '../../core/inventory/model';
import { ClusterOpsEnvironment } from '../../core/ops/engine/environment';
import type { HostKeyPolicy, SecretProvider } from '../../core/remote/types';
import { SshPool } from '../../core/remote/sshPool';
import { StatusCollector } from '../../core/status/collector';
import { operationLockHolder } from '../../core/ops/engine/lockHolder';
import type { ClusterStatus } from '../../core/status/model';
import { HistoryStore, historyDir } from '../../core/history/store';
import { recordStatus } from '../../core/history/statusTransitions';

export interface ClusterSessionOptions {
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly secrets?: SecretProvider;
  readonly sshConfigText?: string;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export class ClusterSession {
  readonly pool: SshPool;
  readonly env: ClusterOpsEnvironment;
  private readonly collector: StatusCollector;
  /** The status of the last refresh through this session. */
  lastStatus: ClusterStatus | undefined;
  private closed = false;

  constructor(readonly definition: ClusterDefinition, options: ClusterSessionOptions) {
    this.pool = new SshPool({
      hostKeyPolicy: options.hostKeyPolicy,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const sshConfig = options.sshConfigText !== undefined ? { sshConfigText: options.sshConfigText } : {};
    const log = options.log ? { log: options.log } : {};
    this.collector = new StatusCollector(definition, {
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      sshPool: this.pool, ...sshConfig, ...log,
      lockHolder: () => operationLockHolder(definition, { sshPool: this.pool, ...sshConfig }),
      // As the CLI's status: SSH logins name host-key-changed / credentials-rejected, df a silent node's disk. On this
      // session's pool a warm refresh reuses the logins (no new connection); only a failed one is tried again.
      hostProbes: true,
    });
    this.env = new ClusterOpsEnvironment(definition, { sshPool: this.pool, ...sshConfig, ...log });
  }

  private inFlight: Promise<ClusterStatus> | undefined;

  /** A refresh asked for while one runs (the auto-refresh and an operation) joins it. */
  refresh(): Promise<ClusterStatus> {
    if (this.closed) return Promise.reject(new Error(`The session of cluster ${this.definition.name} is closed (its file changed); refresh again.`));
    this.inFlight ??= this.collector.refresh().then((status) => {
      this.lastStatus = status;
      // What changed since the last look goes into the cluster's history (`pgpool-cluster events`).
      const store = new HistoryStore(historyDir(this.definition));
      void recordStatus(store.dir, status).then((e) => store.append(e)).catch(() => undefined);
      return status;
    }).finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.collector.close(), this.env.close()].map((p) => p.catch(() => undefined)));
    await this.pool.close().catch(() => undefined);
  }
}
