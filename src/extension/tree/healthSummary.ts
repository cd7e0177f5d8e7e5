/** The status bar's one-line summary of every cluster. Pure, so node:test covers it. */
import type { ClusterHealth, ClusterStatus } from '../../core/status/model';
import { upCount } from './nodePresentation';

export interface HealthSummary {
  /** Status bar text with a theme-icon prefix, e.g. `$(pass) lab` or `$(warning) lab: split brain`. */
  readonly text: string;
  /** The worst health over all clusters; undefined when no cluster has a status yet. */
  readonly worst?: ClusterHealth;
  /** One line per cluster and problem, for the tooltip. */
  readonly details: readonly string[];
}

const RANK: Record<ClusterHealth, number> = { healthy: 0, degraded: 1, unreachable: 2 };

/** The problem that best names what is wrong, most serious first. */
const HEADLINE: readonly (readonly [code: string, label: string])[] = [
  ['split-brain', 'split brain'],
  ['false-primary', 'false primary'],
  ['no-primary', 'no primary'],
  ['pgpool-unreachable', 'pgpool unreachable'],
  ['pgpool-down', 'pgpool down'],
  ['fenced', 'node fenced'],
  ['node-unreachable', 'node unreachable'],
];

export function summarizeHealth(statuses: readonly ClusterStatus[]): HealthSummary {
  if (statuses.length === 0) return { text: '$(database) pgpool-II', details: [] };
  let worst: ClusterHealth = 'healthy';
  const details: string[] = [];
  const labels: string[] = [];
  for (const s of statuses) {
    if (RANK[s.health] > RANK[worst]) worst = s.health;
    const up = upCount(s);
    details.push(`${s.name}: ${s.health}, ${up}/${s.nodes.length} nodes up`);
    for (const p of s.problems) details.push(`  ${p.severity}: ${p.message}`);
    if (s.health !== 'healthy') {
      const codes = new Set<string>(s.problems.map((p) => p.code));
      const headline = HEADLINE.find(([code]) => codes.has(code))?.[1] ?? s.health;
      labels.push(`${s.name}: ${headline}`);
    }
  }
  const icon = worst === 'healthy' ? '$(pass)' : worst === 'degraded' ? '$(warning)' : '$(error)';
  const text = labels.length > 0 ? `${icon} ${labels.join(', ')}` : `${icon} ${statuses.map((s) => s.name).join(', ')}`;
  return { text, worst, details };
}
