/**
 * Worst-case time for pgpool to notice a dead backend through health checks:
 * the node dies just after a good check (one period), then every attempt hangs until its timeout,
 * with retry delays in between: period + (retries + 1) x attempt + retries x retry_delay.
 */
import type { PgpoolModel } from './pgpoolModel';
import { formatMs } from './values';

export interface FailoverEstimate {
  node?: number;
  enabled: boolean;
  periodS: number;
  timeoutS: number;
  connectTimeoutMs: number;
  maxRetries: number;
  retryDelayS: number;
  /** Time one failing attempt can take (a host that drops packets). */
  attemptMs: number;
  /** Node dies right after a successful check, every attempt times out. */
  worstCaseMs: number;
  /** Connection refused at once (host up, PostgreSQL down). */
  bestCaseMs: number;
  summary: string;
}

export function estimateFailoverDetection(model: PgpoolModel, node?: number): FailoverEstimate {
  const num = (name: string, fallback: number): number =>
    (node !== undefined ? model.nodeNumber(name, node) : model.number(name)) ?? fallback;
  const periodS = num('health_check_period', 0);
  const timeoutS = num('health_check_timeout', 20);
  const connectTimeoutMs = num('connect_timeout', 10000);
  const maxRetries = num('health_check_max_retries', 0);
  const retryDelayS = num('health_check_retry_delay', 1);
  const limits = [timeoutS > 0 ? timeoutS * 1000 : Infinity, connectTimeoutMs > 0 ? connectTimeoutMs : Infinity];
  const attemptMs = Math.min(...limits);
  const worstCaseMs = periodS * 1000 + (maxRetries + 1) * attemptMs + maxRetries * retryDelayS * 1000;
  const bestCaseMs = maxRetries * retryDelayS * 1000;
  const enabled = periodS > 0;
  const who = node !== undefined ? `node ${node}` : 'a backend';
  const summary = enabled
    ? `Health check detects a dead ${who} in ${formatMs(bestCaseMs)} (refused) to ${formatMs(worstCaseMs)} (worst case: period ${periodS} s + ${maxRetries + 1} attempt(s) x ${formatMs(attemptMs)} + ${maxRetries} x ${retryDelayS} s delay)`
    : `Health check is off (health_check_period = 0): a dead ${who} is noticed only when a client connection fails`;
  return { ...(node !== undefined ? { node } : {}), enabled, periodS, timeoutS, connectTimeoutMs, maxRetries, retryDelayS, attemptMs, worstCaseMs, bestCaseMs, summary };
}
