/** "Configure pgpool": edit the managed lines of the pgpool.conf pgpool runs with, show the diff in a diff editor, confirm, deploy with backups, reload. */
import * as vscode from 'vscode';
import { buildConfigurePgpoolPlan, fileKey, readCurrentFiles, type ProfileName } from '../../core/ops/configurePgpool';
import { pgpoolOf } from '../../core/ops/environment';
import type { ExtensionServices } from '../context';
import { openEditorSession, pickCluster, runWithProgress } from './setupSession';

const SCHEME = 'pgpool-cluster-generated';
const texts = new Map<string, string>();
let registered = false;

export async function configurePgpool(services: ExtensionServices, arg?: unknown): Promise<void> {
  const cluster = await pickCluster(services, arg);
  if (!cluster) return;
  const profile = (await vscode.window.showQuickPick(['fast', 'balanced', 'conservative'], { placeHolder: 'Failure detection profile' })) as ProfileName | undefined;
  if (!profile) return;
  const s = await openEditorSession(services, cluster);
  try {
    const inst = pgpoolOf(cluster);
    const pcpPassword = await s.secrets.getSecret({ kind: 'pcp-password', key: `${cluster.name}:${inst.pcpUser ?? 'pgpool'}`, prompt: `pcp password for ${inst.pcpUser ?? 'pgpool'} (Escape: keep pcp.conf)` });
    const target = { cluster, status: await s.status(), options: { profile, ...(pcpPassword ? { pcpPassword } : {}) } };
    const current = await readCurrentFiles(target, s.env);
    const built = buildConfigurePgpoolPlan(target, current);
    if (!built.ok) { void vscode.window.showErrorMessage(built.reason); services.log.error(built.reason); return; }
    if (!registered) {
      registered = true;
      services.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SCHEME, { provideTextDocumentContent: (uri) => texts.get(uri.path) ?? '' }));
    }
    const conf = built.files[0];
    if (conf) {
      const stamp = Date.now();
      texts.set(`/${stamp}/current/pgpool.conf`, current.get(fileKey(conf.host, conf.path)) ?? '');
      texts.set(`/${stamp}/edited/pgpool.conf`, conf.content);
      await vscode.commands.executeCommand('vscode.diff', vscode.Uri.from({ scheme: SCHEME, path: `/${stamp}/current/pgpool.conf` }),
        vscode.Uri.from({ scheme: SCHEME, path: `/${stamp}/edited/pgpool.conf` }), `${conf.path} on ${inst.name} ↔ edited (${profile})`);
    }
    services.log.info(built.diff || 'configure-pgpool: no differences');
    if (!built.plan.steps.length) { void vscode.window.showInformationMessage('The files on the hosts already hold what pgpool-cluster manages.'); return; }
    const run = 'Deploy and Reload';
    const changed = built.changes.filter((c) => c.kind === 'changed' || c.kind === 'added').length;
    const detail = `pgpool.conf: ${built.paths.configFile} (${built.paths.source}); ${changed} managed parameter(s) change, every other line stays.\n\n${built.plan.steps.map((st) => st.title).join('\n')}${built.plan.warnings.length ? `\n\n${built.plan.warnings.join('\n')}` : ''}`;
    if ((await vscode.window.showInformationMessage(built.plan.summary, { modal: true, detail }, run)) !== run) return;
    await runWithProgress(services, cluster, s.env, built.plan);
  } catch (err) {
    void vscode.window.showErrorMessage(`Configure pgpool failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await s.close();
  }
}
