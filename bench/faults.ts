/**
 * `npm run faults`: the fault campaign on the isolated lab (issue 14). For each fault, on a freshly built lab: an
 * append-only writer through pgpool, a sampler of every node's writability every 100 ms, status every second; then
 * the fault, what runs during it, the operator's repair (lab heal, recover). Prints one table per mode and writes
 * JSON (bench/results/faults-<time>.json). Figures only, never assertions: the integration subset asserts.
 *
 *   npm run faults -- [--only 1,3] [--mode async|sync|both] [--sync-names 'ANY 1 (node1, node2)'] [--hold-ms 8000] [--guard] [--watchdog]
 *   (--guard installs the fence guard on every node first, `guard install`; without it the run is the control)
 *   npm run faults -- --table-from bench/results/A.json [B.json...]   (the table of earlier runs, later rows win)
 *
 * Needs root and the isolated lab's variables (PGPOOL_CLUSTER_LAB_ISOLATED=1, PGPOOL_CLUSTER_LAB_DIR, _NET): the lab
 * there is torn down and rebuilt for every fault.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignLayout, labCli, runFault, SCENARIOS, type CampaignOptions, type FaultResult, type Mode } from '../test/harness/faultCampaign';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const s = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function resultRow(r: FaultResult): string[] {
  if (r.notRun) return [String(r.n), r.mode, 'not run', '-', '-', '-', '-', '-', r.notRun];
  const lost = r.lost === undefined ? '?' : `${r.lost}/${r.acked ?? 0}`;
  const split = r.twoWritableMs ? `${r.twoWritableMs} ms (${(r.twoWritableNodes ?? []).join('+')}; a client reached both)` : '0';
  const firstWrite = r.firstWriteAfterFaultMs !== undefined ? s(r.firstWriteAfterFaultMs) : r.noWriteAfterFault ? 'none' : 'never failed';
  const status = `${(r.statusCodes ?? []).join(',') || '(healthy)'}${r.statusFirstUnhealthyMs !== undefined ? ` @${s(r.statusFirstUnhealthyMs)}` : ''}`;
  const ops = r.operations.map((o) => `${o.name}: exit ${o.exit} (${o.message.slice(0, 110)})`).join(' | ');
  return [String(r.n), r.mode, lost, split, firstWrite, s(r.healthyAgainMs), status, ops || '-', r.notes.join('; ').slice(0, 300)];
}

export function markdownTable(results: readonly FaultResult[]): string {
  const head = ['#', 'mode', 'acked lost', 'two writable', 'first write after fault', 'healthy again', 'status codes during (first unhealthy)', 'operations during / repair', 'notes'];
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...results.map((r) => `| ${resultRow(r).map(esc).join(' | ')} |`)].join('\n');
}

/**
 * `--table-from A.json B.json ...`: the Markdown table of earlier runs (a later file's row replaces an earlier one for
 * the same fault and mode, e.g. a re-run of one fault), ordered by mode then fault.
 */
function tableFrom(files: readonly string[]): void {
  const rows = new Map<string, FaultResult>();
  for (const f of files) {
    for (const r of (JSON.parse(readFileSync(f, 'utf8')) as { results: FaultResult[] }).results) rows.set(`${r.mode}:${r.n}`, r);
  }
  const sorted = [...rows.values()].sort((a, b) => a.mode.localeCompare(b.mode) || a.n - b.n);
  console.log(markdownTable(sorted));
}

async function main(): Promise<void> {
  const from = process.argv.indexOf('--table-from');
  if (from >= 0) return tableFrom(process.argv.slice(from + 1));
  if (process.getuid?.() !== 0) throw new Error('The fault campaign needs root (network namespaces of the isolated lab).');
  process.env.PGPOOL_CLUSTER_LAB_ISOLATED = '1';
  if (process.argv.includes('--watchdog')) {
    // The watchdog lab (PGPOOL_CLUSTER_WD_LAB_DIR / _NET, as its tests name it): three pgpool hosts, the writer through the VIP.
    process.env.PGPOOL_CLUSTER_FAULTS_WATCHDOG = '1';
    process.env.PGPOOL_CLUSTER_LAB_DIR = process.env.PGPOOL_CLUSTER_WD_LAB_DIR ?? '/var/lib/pgpool-cluster-lab-wd';
    process.env.PGPOOL_CLUSTER_LAB_NET = process.env.PGPOOL_CLUSTER_WD_LAB_NET ?? '10.213.21';
  }
  // Fault 12 copies a 1 GB node: room for it, its WAL and the old copy recover keeps aside (a cap; memory only as used).
  process.env.PGPOOL_CLUSTER_LAB_PG_FS_SIZE ??= '4g';
  const layout = campaignLayout();
  const only = arg('--only')?.split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x));
  const modeArg = arg('--mode') ?? 'both';
  if (!['async', 'sync', 'both'].includes(modeArg)) throw new Error('--mode is async, sync or both.');
  const modes: Mode[] = modeArg === 'both' ? ['async', 'sync'] : [modeArg as Mode];
  const hold = arg('--hold-ms');
  const scenarios = SCENARIOS.filter((x) => !only?.length || only.includes(x.n));
  console.log(`Fault campaign on the isolated lab ${layout.dir} (${layout.isolation?.subnet ?? ''}): faults ${scenarios.map((x) => x.n).join(',')}, modes ${modes.join(', ')}${process.argv.includes('--guard') ? ', fence guard on' : ''}`);
  const results: FaultResult[] = [];
  for (const mode of modes) {
    const o: CampaignOptions = {
      cliPath: CLI, mode, log: (l) => console.log(l),
      ...(arg('--sync-names') ? { syncNames: arg('--sync-names')! } : {}),
      ...(hold ? { holdMs: Number(hold) } : {}),
      ...(process.argv.includes('--guard') ? { guard: true } : {}),
    };
    for (const sc of scenarios) {
      try {
        const r = await runFault(o, sc);
        results.push(r);
        console.log(`  -> ${resultRow(r).join(' ; ')}`);
      } catch (err) {
        const r: FaultResult = { n: sc.n, title: sc.title, mode, notRun: `the harness failed: ${err instanceof Error ? err.message : String(err)}`, operations: [], notes: [] };
        results.push(r);
        console.log(`  -> fault ${sc.n} failed in the harness: ${r.notRun}`);
      }
    }
  }
  labCli({ cliPath: CLI, mode: 'async' }, ['lab', 'down']);
  console.log(`\n${markdownTable(results)}\n`);
  for (const sc of scenarios) console.log(`${sc.n}. ${sc.title}`);
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `faults-${process.env.PGPOOL_CLUSTER_FAULTS_WATCHDOG === '1' ? 'wd-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ lab: layout.dir, at: new Date().toISOString(), guard: process.argv.includes('--guard'), results }, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`faults: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
