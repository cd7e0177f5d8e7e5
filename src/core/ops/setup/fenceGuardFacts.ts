/**
 * The fence guard's names, timing and files: the bound it derives from pgpool's health check, and where its
 * script, log and pid live on a node's host (beside the data directory). Shared by the script generator
 * (fenceGuardScript.ts) and the plans (fenceGuard.ts).
 */
import path from 'node:path';
import type { NodeDefinition } from '../../inventory/model';
import { dataDir } from '../engine/pgCommands';

/** pgpool's health-check settings (pgpool.conf names), the ones that decide how fast it declares a backend down. */
export interface HealthCheckSettings {
  readonly period: number; // health_check_period, s
  readonly timeout: number; // health_check_timeout, s
  readonly maxRetries: number; // health_check_max_retries
  readonly retryDelay: number; // health_check_retry_delay, s
  readonly connectTimeoutMs: number; // connect_timeout, ms
}

export interface GuardTiming {
  /** Seconds between two looks. */
  readonly tickS: number;
  /** Fastest pgpool can declare a silent primary down: every attempt timing out back to back (s); Infinity without health checks. */
  readonly detectionS: number;
  /** How long the guard tolerates "no pgpool and no standby" before it stops its server (s). */
  readonly boundS: number;
  /** A standby "streams" when it replied within this many seconds. */
  readonly freshS: number;
  /** How the bound was derived, in words (plans and `guard status` show it). */
  readonly explanation: string;
}

export const GUARD_TICK_S = 1;
/** A standby's reply counts as fresh this long; the guard writes a tiny WAL record first so that a live one replies. */
export const GUARD_FRESH_S = 2;
/** Without health checks pgpool detects nothing by itself: the guard then waits this long. */
export const GUARD_BOUND_NO_HEALTH_CHECK_S = 10;
/** A node promoted this recently never stops for pgpool's view (pgpool names a new primary after its failover script). */
export const PROMOTE_GRACE_S = 60;
/** The prefix of every line the guard logs, and of the WARNING it leaves in the server's log before a stop (history). */
export const GUARD_LOG_PREFIX = 'pgpool-cluster fence guard';
export const GUARD_SCRIPT_NAME = 'pgpool-cluster-fence-guard.sh';
export const GUARD_UNIT_NAME = 'pgpool-cluster-fence-guard.service';

/**
 * The bound from pgpool's health check: pgpool's fastest detection of a primary whose packets vanish is every
 * attempt timing out back to back (the failure just before a check): (retries + 1) x min(connect_timeout,
 * health_check_timeout) + retries x retry_delay. The guard stops within half of that, never under one tick.
 */
export function guardTiming(hc: HealthCheckSettings | undefined): GuardTiming {
  const tickS = GUARD_TICK_S;
  if (!hc) {
    return { tickS, detectionS: NaN, boundS: GUARD_BOUND_NO_HEALTH_CHECK_S, freshS: GUARD_FRESH_S,
      explanation: `pgpool's health-check settings are unknown: bound ${GUARD_BOUND_NO_HEALTH_CHECK_S} s` };
  }
  if (hc.period <= 0) {
    return { tickS, detectionS: Infinity, boundS: GUARD_BOUND_NO_HEALTH_CHECK_S, freshS: GUARD_FRESH_S,
      explanation: `health_check_period = 0: pgpool fails over only on a client's connection error; bound ${GUARD_BOUND_NO_HEALTH_CHECK_S} s` };
  }
  const limits = [hc.connectTimeoutMs > 0 ? hc.connectTimeoutMs / 1000 : Infinity, hc.timeout > 0 ? hc.timeout : Infinity];
  const attempt = Math.min(...limits);
  const attemptS = Number.isFinite(attempt) ? attempt : 10; // neither bounded: the kernel's connect timeout, far above this
  const detectionS = (hc.maxRetries + 1) * attemptS + hc.maxRetries * hc.retryDelay;
  const boundS = Math.max(tickS, Math.floor(detectionS / 2));
  const shorter = boundS < detectionS ? 'half of that' : 'one tick, the floor: with these settings not shorter than pgpool\'s detection';
  return {
    tickS, detectionS, boundS, freshS: GUARD_FRESH_S,
    explanation: `pgpool declares a silent primary down after at least ${detectionS} s ((health_check_max_retries ${hc.maxRetries} + 1) x ${attemptS} s per attempt`
      + ` + ${hc.maxRetries} x health_check_retry_delay ${hc.retryDelay} s); the guard stops after ${boundS} s without pgpool and without a standby reply (${shorter})`
      + `, a standby counting as streaming when it replied within ${GUARD_FRESH_S} s`,
  };
}

/** Reads pgpool's `SHOW pool_status` rows (item, value) into health-check settings; undefined when one is missing. */
export function healthCheckFromPoolStatus(rows: ReadonlyArray<Record<string, unknown>>): HealthCheckSettings | undefined {
  const value = (item: string): number | undefined => {
    const row = rows.find((r) => String(r.item ?? '') === item);
    const n = Number(String(row?.value ?? '').trim());
    return row && Number.isFinite(n) ? n : undefined;
  };
  const period = value('health_check_period');
  if (period === undefined) return undefined;
  return {
    period, timeout: value('health_check_timeout') ?? 20, maxRetries: value('health_check_max_retries') ?? 0,
    retryDelay: value('health_check_retry_delay') ?? 1, connectTimeoutMs: value('connect_timeout') ?? 10_000,
  };
}

/** The guard's files on a node's host: beside the data directory, never inside it (a base backup would copy it). */
export function guardPaths(node: NodeDefinition): { dir: string; script: string; log: string; pid: string; unit: string } {
  const dir = path.posix.dirname(dataDir(node).replace(/\/+$/, ''));
  const script = path.posix.join(dir, GUARD_SCRIPT_NAME);
  return { dir, script, log: script.replace(/\.sh$/, '.log'), pid: script.replace(/\.sh$/, '.pid'), unit: `${script}.service` };
}
