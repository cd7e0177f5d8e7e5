/**
 * `npm run bench -- editor-promote`: promote from the editor, measured in the extension host (issue 16, goal
 * <= 0.6 s): the real extension in code-server (headless Chromium), the lab's cluster file open, the tree
 * refreshed (warm SSH and SQL connections); then each round `pgpoolCluster.promoteNode` on the current primary's
 * standby, the dialogs answered in code (bench/editorHost.ts: "Stop the primary, then promote", "Run promote"),
 * timed from the command's invocation to the first INSERT pgpool acknowledges on the promoted node. No UI click is
 * counted; the dialogs' answers take no time.
 *
 * The paired baseline, in the same run and with the same writer: the CLI's fenced promote (`promote --fence`,
 * process start -> first write), as in bench/ops.ts. The lab is repaired after each promote as bench/ops.ts does.
 * The writer runs in this process: a fresh connection through pgpool every BENCH_WRITE_POLL_MS (default 5 ms), at
 * most 4 at once; an acknowledged row is read back on the promoted node. The extension host stamps its
 * invocation in epoch milliseconds (performance.timeOrigin + now), the writer too: both are this machine's clock.
 *
 * BENCH_EDITOR_RUNS sets the rounds (default 7). The lab is the one bench/ops.ts uses (PGPOOL_CLUSTER_LAB_DIR /
 * BENCH_LAB_DIR), brought up when it is not.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../test/harness/browser';
import { startCodeServer } from '../test/harness/codeServer';
import { repoRoot } from '../test/harness/paths';
import type { EditorRequest, EditorResponse } from './editorHost';
import { cliRun, healthy, layout, lostOn, nextTarget, primaryNode, q, pcpPromoteNode, readyBenchLab, throughPgpool, traffic, type CliResult } from './ops';
import { CONFIRMED } from './editorMarks';
import { goalText, median, ratioText } from './stats';

const RUNS = Number(process.env.BENCH_EDITOR_RUNS ?? 7);
const POLL_MS = Number(process.env.BENCH_WRITE_POLL_MS ?? 5);
/** BENCH_EDITOR_SWITCHOVER=1: each round also runs the editor's switchover and pgpool's own (pcp_promote_node -s), under traffic. */
const SWITCHOVER = process.env.BENCH_EDITOR_SWITCHOVER === '1';
const GOAL_S = 0.6;
const epoch = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface Landed { at: number; host: string; id: number }

/** Polls writes through pgpool until one lands on `host`; `first` settles with it (or fails after timeoutMs). */
function writer(host: string, timeoutMs = 60_000): { first: Promise<Landed>; stop(): void } {
  let stopped = false;
  const first = (async () => {
    const until = epoch() + timeoutMs;
    let found: Landed | undefined;
    let inFlight = 0;
    const attempt = async (): Promise<void> => {
      inFlight++;
      try {
        const r = (await q(layout.pgpool.address, 9999, 'INSERT INTO bench_ops VALUES (DEFAULT) RETURNING id, host(inet_server_addr()) AS addr', [], 2000))[0];
        const at = epoch();
        if (!found && String(r?.addr) === host) found = { at, host, id: Number(r?.id) };
      } catch { /* refused or dropped while pgpool fails over: try again */ } finally { inFlight--; }
    };
    while (!found) {
      if (stopped) throw new Error('stopped');
      if (epoch() > until) throw new Error(`no write landed on ${host} through pgpool within ${timeoutMs} ms`);
      if (inFlight < 4) void attempt();
      await sleep(POLL_MS);
    }
    const rows = await q(host, 5432, 'SELECT count(*)::int AS n FROM bench_ops WHERE id = $1', [found.id]);
    if (rows[0]?.n !== 1) throw new Error(`pgpool acknowledged row ${found.id} as written on ${host}, but ${host} does not have it`);
    return found;
  })();
  first.catch(() => undefined);
  return { first, stop: () => { stopped = true; } };
}

/** The extension host's side of the conversation (bench/editorHost.ts): one request file, one response file. */
class Host {
  private n = 0;
  constructor(private readonly dir: string) {}

  async ask(req: EditorRequest, timeoutMs = 180_000): Promise<EditorResponse> {
    const n = this.n++;
    writeFileSync(join(this.dir, `req-${n}.json.tmp`), JSON.stringify(req));
    // Renamed into place, so the host never reads half a request.
    renameSync(join(this.dir, `req-${n}.json.tmp`), join(this.dir, `req-${n}.json`));
    if (req.kind === 'stop') return { invokedAt: 0, endedAt: 0, marks: [], prompts: [] };
    const file = join(this.dir, `res-${n}.json`);
    for (const until = Date.now() + timeoutMs; !existsSync(file);) {
      if (Date.now() > until) throw new Error(`the extension host did not answer ${req.kind} within ${timeoutMs} ms`);
      await sleep(10);
    }
    return JSON.parse(readFileSync(file, 'utf8')) as EditorResponse;
  }
}

async function waitReady(dir: string, timeoutMs: number): Promise<number> {
  const file = join(dir, 'ready.json');
  for (const until = Date.now() + timeoutMs; !existsSync(file);) {
    if (Date.now() > until) throw new Error(`the extension host was not ready within ${timeoutMs} ms (see ${join(dir, 'code-server.log')})`);
    await sleep(100);
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as { ms?: number; error?: string };
  if (r.error) throw new Error(`the extension host could not start: ${r.error}`);
  return r.ms ?? NaN;
}

const push = (m: Map<string, number[]>, k: string, v: number): void => { m.set(k, [...(m.get(k) ?? []), v]); };
const norm = (s: string): string => s.replace(/node\d/g, 'N').replace(/\d+(\.\d+)?\s*(ms|s)\b/g, '#').slice(0, 90);
/** A mark in two or three words, for the one line per round. */
function shortMark(what: string): string {
  const words: Array<[RegExp, string]> = [[/still running as the primary/, 'fence?'], [/^warning \(modal\): Make/, 'confirm'], [/showTextDocument called/, 'plan-doc'], [/plan document: shown/, 'plan-doc-shown'], [/^progress opened/, 'run'], [/^confirmation answered/, 'CONFIRMED'],
    [/failover.sh .* not running/, 'scripts-idle'], [/Check that pgpool uses/, 'pgpool-uses'], [/failover script to promote/, 'target-file'], [/Stop PostgreSQL/, 'stop'],
    [/Record how much WAL/, 'received'], [/no node other than/, 'no-other-primary'], [/Promote .* to primary/, 'promote'], [/pgpool routes writes/, 'pgpool-routes'],
    [/primary_conninfo/, 'repoint'], [/Reload/, 'reload'], [/pg_controldata/, 'controldata'], [/^step: Attach/, 'attach'], [/^information/, 'done-message']];
  return words.find(([re]) => re.test(what))?.[1] ?? what.slice(0, 30);
}

/** When the plan's confirmation was answered, and how long it was open (0 when no confirmation mark). */
function confirmation(res: EditorResponse): { confirmedAt?: number; dialogMs: number } {
  const ci = res.marks.findIndex((m) => m.what === CONFIRMED);
  if (ci < 0) return { dialogMs: 0 };
  const confirmedAt = res.marks[ci]!.at;
  const openedAt = res.marks.slice(0, ci).reverse().find((m) => / \(modal\): /.test(m.what))?.at ?? confirmedAt;
  return { confirmedAt, dialogMs: confirmedAt - openedAt };
}

const sec = (ms: number): string => (ms / 1000).toFixed(2);
const secs = (xs: number[]): string => `${sec(median(xs))} s (min ${sec(Math.min(...xs))} .. max ${sec(Math.max(...xs))}, n ${xs.length}; runs ${xs.map(sec).join(', ')})`;

export async function benchEditorPromote(): Promise<void> {
  await readyBenchLab();
  if (SWITCHOVER) await throughPgpool('CREATE TABLE IF NOT EXISTS bench_ops_ack (id bigint PRIMARY KEY)');

  const dir = mkdtempSync(join(tmpdir(), 'pgpool-bench-editor-'));
  const workspace = mkdtempSync(join(tmpdir(), 'pgpool-bench-editor-ws-'));
  copyFileSync(layout.clusterFile, join(workspace, 'pgpool-cluster.yaml'));
  const logFile = join(dir, 'code-server.log');
  const server = await startCodeServer({ logFile, env: { BENCH_EDITOR_DIR: dir, PGPASSFILE: layout.pgpassFile } });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const host = new Host(dir);
  let hostStarted = false;
  const editor: number[] = []; const cli: number[] = []; const ratios: number[] = [];
  const editorCommand: number[] = [];
  const fromConfirm: number[] = []; const dialogOpen: number[] = [];
  const switchover: number[] = []; const switchoverConfirm: number[] = []; const switchoverLost: number[] = [];
  const pcpSwitchover: number[] = []; const pcpLost: number[] = [];
  const marks = new Map<string, number[]>(); const steps = new Map<string, number[]>();
  const failed: string[] = [];
  const rounds: string[] = [];
  try {
    browser = await launchBrowser();
    await browser.page.goto(server.url(workspace, [
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(join(repoRoot, 'out', 'bench', 'editorHost.js'))],
    ]));
    const readyMs = await waitReady(dir, 120_000);
    hostStarted = true;
    console.log(`  (extension host: activated and the tree refreshed ${sec(readyMs)} s after the bench module started)`);

    for (let i = 0; i < RUNS; i++) {
      try {
        // The editor: the tree's status and connections warm, as after the user looked at the tree.
        await host.ask({ kind: 'refresh' });
        let p = await primaryNode();
        let t = nextTarget(p, i);
        let w = writer(t.host);
        const res = await host.ask({ kind: 'promote', cluster: 'lab', node: t.name });
        const ok = (res.outcome as { outcome?: string } | undefined)?.outcome === 'done';
        const landed = await w.first.catch((err: unknown) => err as Error);
        w.stop();
        let e: number | undefined;
        if (ok && !(landed instanceof Error)) {
          // The confirmation is answered once the plan document is shown: its open time is not the tool's.
          const { confirmedAt, dialogMs } = confirmation(res);
          e = landed.at - res.invokedAt - dialogMs;
          editor.push(e);
          if (confirmedAt !== undefined) fromConfirm.push(landed.at - confirmedAt);
          dialogOpen.push(dialogMs);
          editorCommand.push(res.endedAt - res.invokedAt);
          for (const m of res.marks) push(marks, norm(m.what), m.at - res.invokedAt);
          push(marks, 'first write acknowledged on the promoted node', e);
          push(marks, 'command returned', res.endedAt - res.invokedAt);
          rounds.push(`${t.name}: ${[...res.marks.map((m) => [m.at - res.invokedAt, shortMark(m.what)] as const), [e, 'FIRST WRITE'] as const]
            .sort((x, y) => x[0] - y[0]).map(([at, what]) => `${Math.round(at)} ${what}`).join(' · ')} · ${Math.round(res.endedAt - res.invokedAt)} returned`);
        } else {
          failed.push(`editor promote ${t.name}: ${res.error ?? JSON.stringify(res.outcome)}${landed instanceof Error ? `; ${landed.message}` : ''}; dialogs: ${res.prompts.join(' / ')}`);
        }
        await healthy(0);

        if (SWITCHOVER) {
          // The editor's switchover under traffic, then pgpool's own (pcp_promote_node -s) with the same traffic.
          await host.ask({ kind: 'refresh' });
          p = await primaryNode(); t = nextTarget(p, i);
          let load = traffic(); await sleep(500);
          w = writer(t.host);
          const so = await host.ask({ kind: 'switchover', cluster: 'lab', node: t.name });
          const sl = await w.first.catch((err: unknown) => err as Error);
          w.stop();
          await sleep(300);
          let acked = await load.stop();
          const { confirmedAt, dialogMs } = confirmation(so);
          if ((so.outcome as { outcome?: string } | undefined)?.outcome === 'done' && !(sl instanceof Error) && confirmedAt !== undefined) {
            switchover.push(sl.at - so.invokedAt - dialogMs);
            switchoverConfirm.push(sl.at - confirmedAt);
            switchoverLost.push(await lostOn(t.host, acked.acked));
          } else {
            failed.push(`editor switchover ${t.name}: ${so.error ?? JSON.stringify(so.outcome)}${sl instanceof Error ? `; ${sl.message}` : ''}`);
          }
          await healthy();
          p = await primaryNode(); t = nextTarget(p, i);
          load = traffic(); await sleep(500);
          w = writer(t.host);
          const b0 = epoch();
          await pcpPromoteNode(t.id, true);
          const bl = await w.first.catch((err: unknown) => err as Error);
          w.stop();
          await sleep(300);
          acked = await load.stop();
          if (!(bl instanceof Error)) { pcpSwitchover.push(bl.at - b0); pcpLost.push(await lostOn(t.host, acked.acked)); } else failed.push(`pcp_promote_node -s ${t.name}: ${bl.message}`);
          // pgpool's follow_primary rewinds the old primary itself.
          await healthy(60_000);
        }

        // The CLI's fenced promote, same writer.
        p = await primaryNode(); t = nextTarget(p, i);
        w = writer(t.host);
        const t0 = epoch();
        const r: CliResult = await cliRun(['promote', t.name, '--fence']);
        const lc = await w.first.catch((err: unknown) => err as Error);
        w.stop();
        if (r.code === 0 && !(lc instanceof Error)) {
          const c = lc.at - t0;
          cli.push(c);
          if (e !== undefined) ratios.push(e / c);
          for (const s of r.outcome?.steps ?? []) push(steps, `${s.id.replace(/node\d/g, 'N')}${s.skipped ? ' (skipped)' : ''}`, s.ms);
          const ph = r.outcome?.phases;
          if (ph?.start !== undefined && ph.status !== undefined && ph.plan !== undefined) {
            push(steps, '0 process start -> command', ph.start);
            push(steps, '0 status refresh', ph.status - ph.start);
            push(steps, '0 plan', ph.plan - ph.status);
          }
        } else {
          failed.push(`CLI promote --fence ${t.name}: ${r.outcome?.message ?? (lc instanceof Error ? lc.message : `exit ${r.code}`)}`);
        }
        await healthy(0);
      } catch (err) {
        // One round's trouble (pgpool dropping a bench connection) is reported, not the end of the bench.
        failed.push(`round ${i + 1}: ${errText(err)}`);
        await healthy(60_000);
      }
    }
  } finally {
    if (hostStarted) await host.ask({ kind: 'stop' }).catch(() => undefined);
    await browser?.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
    if (failed.length === 0) rmSync(dir, { recursive: true, force: true });
  }

  console.log(`editor promote (extension host in code-server, fenced, warm tree; \`pgpoolCluster.promoteNode\` invoked -> first INSERT acknowledged through pgpool on the promoted node; writer polls every ${POLL_MS} ms):`);
  if (editor.length) {
    console.log(`  editor, invoked -> first write, less the time the confirmation was open: ${secs(editor)}   ${goalText(median(editor) / 1000, GOAL_S, ' s')}; the command returned after ${secs(editorCommand)}`);
    console.log(`  editor, confirmation answered -> first write: ${secs(fromConfirm)}   ${goalText(median(fromConfirm) / 1000, GOAL_S, ' s')} (the confirmation was open ${secs(dialogOpen)}: answered once the plan document was shown)`);
  }
  if (cli.length) console.log(`  CLI promote --fence (process start -> first write), same run, same writer: ${secs(cli)}`);
  if (switchover.length) {
    console.log(`  editor switchover under traffic, invoked -> first write on the new primary, less the time the confirmation was open: ${secs(switchover)}; confirmation answered -> first write ${secs(switchoverConfirm)}; lost acknowledged writes ${switchoverLost.join('/')}`);
  }
  if (pcpSwitchover.length) {
    console.log(`  pcp_promote_node -s, same traffic and writer: ${secs(pcpSwitchover)}; lost acknowledged writes ${pcpLost.join('/')}; ratio editor switchover (from the confirmation) / pcp: x${(median(switchoverConfirm) / median(pcpSwitchover)).toFixed(2)}`);
  }
  if (ratios.length) console.log(`  ratio editor / CLI, paired per round: ${ratioText(ratios)}`);
  if (marks.size) {
    console.log('  editor marks (median ms after the invocation; dialogs are answered at once):');
    for (const [k, xs] of [...marks.entries()].sort((a, b) => median(a[1]) - median(b[1]))) console.log(`    ${String(Math.round(median(xs))).padStart(6)}  ${k} (n ${xs.length})`);
  }
  if (rounds.length) {
    console.log('  editor rounds (ms after the invocation):');
    for (const r of rounds) console.log(`    ${r}`);
  }
  if (steps.size) {
    console.log('  CLI steps (median ms):');
    for (const [k, xs] of [...steps.entries()].sort()) console.log(`    ${k}: ${Math.round(median(xs))}`);
  }
  if (failed.length) {
    console.log(`  failed measurements (${failed.length}), not in the figures (host files kept in ${dir}):`);
    for (const f of failed) console.log(`    ${f}`);
  }
}

if (require.main === module) void benchEditorPromote().then(() => process.exit(0), (err: unknown) => { console.error(errText(err)); process.exit(1); });
