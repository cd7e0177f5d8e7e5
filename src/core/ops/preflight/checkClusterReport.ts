/** The preflight matrix as Markdown (the editor's read-only document, the CLI's text output). */
import type { CheckReport, CheckSection } from './checkCluster';

const TITLES: Record<CheckSection, string> = {
  discovery: 'Discovered on the hosts (what the cluster file leaves out; it overrides)',
  ssh: 'SSH hops pgpool\'s scripts need (run on the source host, BatchMode)',
  'postgres-port': 'PostgreSQL ports (pg_isready run on the source host)',
  replication: 'Replication connections to the primary',
  'pass-files': 'Pass files on each host (read there as the user who uses them; passwords never leave the host)',
  version: 'Versions',
  settings: 'Replication settings on every node',
  extension: 'pgpool_recovery extension',
  scripts: 'Failover and recovery scripts',
  pcp: 'pcp',
  watchdog: 'Watchdog on each pgpool host (pgpool_node_id, the VIP\'s subnet)',
  guard: 'Fence guard on each node (pgpool-cluster guard install; opt-in)',
};

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderCheckReport(report: CheckReport): string {
  const failed = report.cells.filter((c) => !c.ok).length;
  const lines = [
    `# Check of cluster ${report.cluster}: ${failed ? `${failed} of ${report.cells.length} checks FAIL` : `all ${report.cells.length} checks pass`}`,
    '',
  ];
  for (const section of Object.keys(TITLES) as CheckSection[]) {
    const cells = report.cells.filter((c) => c.section === section);
    if (!cells.length) continue;
    lines.push(`## ${TITLES[section]}`, '', '| from | to | check | result | how to fix |', '|---|---|---|---|---|');
    for (const c of cells) lines.push(`| ${cell(c.from)} | ${cell(c.to)} | ${cell(c.what)} | ${c.unknown ? 'unknown' : c.ok ? 'ok' : '**FAIL**'}: ${cell(c.detail)} | ${cell(c.fix ?? '')} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
