/** Lag and size formatting shared by the tree (extension bundle) and the status panel (webview bundle). */
import type { ReplicationLagView } from './statusView';

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(bytes: number): string {
  let v = Math.max(0, bytes);
  let unit = 0;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  const digits = unit === 0 || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toFixed(seconds < 1 && seconds > 0 ? 3 : 1))} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** `lag 0 B / 0 s`, `lag 12 MB`, or undefined when nothing is known (primaries, unreachable standbys). */
export function formatLag(lag: ReplicationLagView | undefined): string | undefined {
  if (!lag) return undefined;
  const parts: string[] = [];
  if (lag.bytes !== undefined) parts.push(formatBytes(lag.bytes));
  if (lag.seconds !== undefined) parts.push(formatSeconds(lag.seconds));
  return parts.length > 0 ? `lag ${parts.join(' / ')}` : undefined;
}
