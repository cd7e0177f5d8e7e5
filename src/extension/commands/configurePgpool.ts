/** "Configure pgpool": edit the managed lines of the pgpool.conf pgpool runs with, show the diff in a diff editor, confirm, deploy with backups, reload. */
import * as vscode from 'vscode';
import { buildConfigurePgpoolPlan, fileKey, readCurrentFiles, type ProfileName } from '../../core/ops/setup/configurePgpool';
import { applyDiscovery } from '../../core/ops/preflight/discovery';
import { withDiscovery } from '../../core/ops/engine/operation';
import { pgpoolOf } from '../../core/ops/engine/environment';
import type { ExtensionServices } from '../context';
import { planDocumentUri } from '../plans/planDocuments';
import { editorWords } from './editorWords';
import { openSessionOrSay, pickCluster, runWithProgress } from './setupSession';


export async function configurePgpool(services: ExtensionServices, arg?: unknown): Promise<void> {
  const entry = await pickCluster(services, arg);
  if (!entry) return;
  const cluster = entry.definition;
  const profile = (await vscode.window.showQuickPick(['fast', 'balanced', 'conservative'], { placeHolder: 'Failure detection profile' })) as ProfileName | undefined;
  if (!profile) return;
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const inst = pgpoolOf(cluster);
    const pcpUser = inst.pcpUser ?? 'pgpool';
    const secret = { kind: 'pcp-password', key: `${pcpUser}@${inst.host}:${inst.pcpPort}`, prompt: `pcp password for ${pcpUser} (Escape: keep pcp.conf)` } as const;
    const pcpPassword = await s.secrets.getSecret(secret);
    const status = await s.status();
    // As the CLI: program and data directories the cluster file leaves out come from the hosts.
    const discovered = await s.env.discover(status);
    const target = { cluster: applyDiscovery(cluster, discovered), status, options: { profile, ...(pcpPassword ? { pcpPassword } : {}) } };
    const currentFiles = await readCurrentFiles(target, s.env);
    const built = withDiscovery(buildConfigurePgpoolPlan(target, currentFiles), discovered);
    if (!built.ok) { void vscode.window.showErrorMessage(editorWords(built.reason)); services.log.error(built.reason); return; }
    const conf = built.files[0];
    if (conf) {
      const current = planDocumentUri(services.context, 'current', currentFiles.get(fileKey(conf.host, conf.path)) ?? '', '.pgpool.conf');
      const edited = planDocumentUri(services.context, 'edited', conf.content, '.pgpool.conf');
      await vscode.commands.executeCommand('vscode.diff', current, edited, `${conf.path} on ${inst.name} ↔ edited (${profile})`);
    }
    services.log.info(built.diff || 'configure-pgpool: no differences');
    if (!built.plan.steps.length) { void vscode.window.showInformationMessage('The files on the hosts already hold what pgpool-cluster manages.'); return; }
    const run = 'Deploy and Reload';
    const changed = built.changes.filter((c) => c.kind === 'changed' || c.kind === 'added').length;
    const detail = `pgpool.conf: ${built.paths.configFile} (${built.paths.source}); ${changed} managed parameter(s) change, every other line stays.\n\n${built.plan.steps.map((st) => st.title).join('\n')}${built.plan.warnings.length ? `\n\n${built.plan.warnings.map(editorWords).join('\n')}` : ''}`;
    if ((await vscode.window.showInformationMessage(built.plan.summary, { modal: true, detail }, run)) !== run) return;
    const outcome = await runWithProgress(services, s, built.plan);
    if (outcome.outcome === 'done' && pcpPassword !== undefined) await s.secrets.secretWorked?.(secret);
  } catch (err) {
    void vscode.window.showErrorMessage(`Configure pgpool failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await s.close();
  }
}
