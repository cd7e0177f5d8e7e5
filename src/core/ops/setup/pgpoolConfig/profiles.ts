/** Watchdog timings: how fast the pgpool nodes notice a lost one (heartbeat lifecheck). */
export interface WatchdogTimings {
  readonly interval: number; // s, wd_interval
  readonly heartbeatKeepalive: number; // s, wd_heartbeat_keepalive
  readonly heartbeatDeadtime: number; // s, wd_heartbeat_deadtime
}

/** Health-check settings that decide how fast pgpool notices a dead backend. */
export interface DetectionProfile {
  readonly name: 'fast' | 'balanced' | 'conservative';
  readonly healthCheckPeriod: number; // s
  readonly healthCheckTimeout: number; // s
  readonly healthCheckMaxRetries: number;
  readonly healthCheckRetryDelay: number; // s
  readonly connectTimeoutMs: number;
  readonly srCheckPeriod: number; // s
  /** Chosen like the health check: fast notices in a few seconds, conservative rides out long stalls. */
  readonly watchdog: WatchdogTimings;
}

export const detectionProfiles: Record<DetectionProfile['name'], DetectionProfile> = {
  // sr_check_period is not detection: pgpool 4.3's streaming-replication check holds the follow-primary lock while it
  // queries the backends, and a failover that finds that lock held sleeps a whole second before it looks for the new
  // primary (a check caught mid-query by the primary's crash holds it ~1 s). Every 5 s makes that rarer than every 1 s.
  fast: { name: 'fast', healthCheckPeriod: 1, healthCheckTimeout: 2, healthCheckMaxRetries: 0, healthCheckRetryDelay: 1, connectTimeoutMs: 1000, srCheckPeriod: 5,
    watchdog: { interval: 1, heartbeatKeepalive: 1, heartbeatDeadtime: 3 } },
  balanced: { name: 'balanced', healthCheckPeriod: 5, healthCheckTimeout: 5, healthCheckMaxRetries: 2, healthCheckRetryDelay: 1, connectTimeoutMs: 3000, srCheckPeriod: 5,
    watchdog: { interval: 2, heartbeatKeepalive: 2, heartbeatDeadtime: 10 } },
  conservative: { name: 'conservative', healthCheckPeriod: 10, healthCheckTimeout: 10, healthCheckMaxRetries: 3, healthCheckRetryDelay: 2, connectTimeoutMs: 5000, srCheckPeriod: 10,
    watchdog: { interval: 10, heartbeatKeepalive: 2, heartbeatDeadtime: 30 } },
};

/**
 * Worst case from the moment a backend dies to pgpool deciding it is down: a full period before the next
 * check, then every attempt timing out (the smaller of connect_timeout and health_check_timeout), with the
 * retry delays between them. A refused connection (process gone, host up) is detected in about one period.
 */
export function worstCaseDetectionSeconds(p: Omit<DetectionProfile, 'name' | 'srCheckPeriod' | 'watchdog'>): number {
  if (p.healthCheckPeriod <= 0) return Infinity;
  const attempt = Math.min(p.connectTimeoutMs > 0 ? p.connectTimeoutMs / 1000 : Infinity, p.healthCheckTimeout > 0 ? p.healthCheckTimeout : Infinity);
  const attemptSeconds = Number.isFinite(attempt) ? attempt : p.healthCheckTimeout;
  return p.healthCheckPeriod + (p.healthCheckMaxRetries + 1) * attemptSeconds + p.healthCheckMaxRetries * p.healthCheckRetryDelay;
}
