/**
 * The extension-host side of the editor-promote bench (bench/editorPromote.ts starts code-server with this module
 * as the `extensionTestsPath`). It activates the extension, lets the tree refresh the lab's cluster (warm SSH and
 * SQL connections), then answers requests the bench process drops in BENCH_EDITOR_DIR as files:
 *   req-N.json {kind: 'promote', cluster, node} -> runs `pgpoolCluster.promoteNode` as the status panel would,
 *     with every dialog answered in code (fence when asked, run the plan), and writes res-N.json: the instant the
 *     command was invoked (epoch ms, so the bench process can pair it with its writer's clock), the outcome and
 *     marks: when the plan document was shown, when each dialog opened and when each step of the run started (from
 *     the progress notification).
 *   req-N.json {kind: 'refresh'} -> `pgpoolCluster.refresh`, awaited (the tree's status and connections warm).
 *   req-N.json {kind: 'stop'} -> run() returns.
 * Nothing here is a test: it measures and reports, it never fails on a slow figure.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { answerDialogs, type Prompt } from '../test/vscode/suite/dialogs';
import { CONFIRMED } from './editorMarks';

export const EDITOR_DIR_ENV = 'BENCH_EDITOR_DIR';
const EXTENSION_ID = 'pgpool-cluster.pgpool-cluster';

export interface EditorRequest { kind: 'promote' | 'switchover' | 'refresh' | 'stop'; cluster?: string; node?: string }
export interface EditorMark { at: number; what: string }
export interface EditorResponse { invokedAt: number; endedAt: number; outcome?: unknown; error?: string; marks: EditorMark[]; prompts: string[] }

const epoch = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function writeJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

/** A user's answers: stop the primary first when asked (fenced promote), run the plan. */
function answer(prompt: Prompt): string | undefined {
  if (prompt.kind === 'quickPick') return prompt.items[0];
  return prompt.items.find((i) => i.startsWith('Run ') || i.startsWith('Stop ') || i === 'Connect');
}

/** Records when the plan document was shown, when the run's progress notification opened and each step it reported. */
function watchProgress(marks: EditorMark[]): () => void {
  const w = vscode.window as unknown as Record<string, unknown>;
  const original = vscode.window.withProgress;
  w.withProgress = <R>(options: vscode.ProgressOptions, task: (p: vscode.Progress<{ message?: string; increment?: number }>, t: vscode.CancellationToken) => Thenable<R>): Thenable<R> => {
    marks.push({ at: epoch(), what: `progress opened: ${options.title ?? ''}` });
    return original(options, (progress, token) => task({
      report: (v) => { marks.push({ at: epoch(), what: `step: ${v.message ?? ''}` }); progress.report(v); },
    }, token));
  };
  // The plan document: opened before the confirmation (showTextDocument is called once it has been read).
  const show = vscode.window.showTextDocument as (...args: unknown[]) => Thenable<vscode.TextEditor>;
  w.showTextDocument = (...args: unknown[]): Thenable<vscode.TextEditor> => {
    marks.push({ at: epoch(), what: 'plan document: showTextDocument called' });
    return show(...args).then((editor) => { marks.push({ at: epoch(), what: 'plan document: shown' }); return editor; });
  };
  return () => { w.withProgress = original; w.showTextDocument = show; };
}

async function promote(req: EditorRequest): Promise<EditorResponse> {
  const marks: EditorMark[] = [];
  const dialogs = answerDialogs((p) => {
    marks.push({ at: epoch(), what: `${p.kind}${p.modal ? ' (modal)' : ''}: ${p.message.slice(0, 80)}` });
    const chosen = answer(p);
    if (!chosen?.startsWith('Run ')) return chosen;
    // The plan's confirmation is answered once the plan document is shown, as by a user who reads it first; the
    // bench counts the time from this answer (and leaves out how long the dialog was open).
    return (async () => {
      for (const until = epoch() + 10_000; !marks.some((m) => m.what === 'plan document: shown') && epoch() < until;) await sleep(5);
      marks.push({ at: epoch(), what: CONFIRMED });
      return chosen;
    })();
  });
  const restoreProgress = watchProgress(marks);
  const invokedAt = epoch();
  try {
    const command = req.kind === 'switchover' ? 'pgpoolCluster.switchoverNode' : 'pgpoolCluster.promoteNode';
    const outcome = await vscode.commands.executeCommand(command, { cluster: req.cluster, node: req.node });
    return { invokedAt, endedAt: epoch(), outcome, marks, prompts: dialogs.prompts.map((p) => `${p.kind}: ${p.message} [${p.items.join(' | ')}]`) };
  } catch (err) {
    return { invokedAt, endedAt: epoch(), error: err instanceof Error ? err.message : String(err), marks, prompts: dialogs.prompts.map((p) => p.message) };
  } finally {
    restoreProgress();
    dialogs.restore();
  }
}

export async function run(): Promise<void> {
  const dir = process.env[EDITOR_DIR_ENV];
  if (!dir) throw new Error(`${EDITOR_DIR_ENV} is not set: start this through bench/editorPromote.ts`);
  const t0 = epoch();
  try {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('pgpoolCluster.refresh');
    writeJson(join(dir, 'ready.json'), { ms: epoch() - t0 });
  } catch (err) {
    writeJson(join(dir, 'ready.json'), { error: err instanceof Error ? err.message : String(err) });
    return;
  }
  for (let n = 0; ; n++) {
    const file = join(dir, `req-${n}.json`);
    while (!existsSync(file)) await sleep(5);
    const req = JSON.parse(readFileSync(file, 'utf8')) as EditorRequest;
    if (req.kind === 'stop') return;
    if (req.kind === 'refresh') {
      const at = epoch();
      let error: string | undefined;
      await Promise.resolve(vscode.commands.executeCommand('pgpoolCluster.refresh')).catch((err: unknown) => { error = String(err); });
      writeJson(join(dir, `res-${n}.json`), { invokedAt: at, endedAt: epoch(), marks: [], prompts: [], ...(error ? { error } : {}) });
      continue;
    }
    writeJson(join(dir, `res-${n}.json`), await promote(req));
  }
}
