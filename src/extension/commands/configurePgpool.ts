/**
 * "Configure pgpool": edit the managed lines of the pgpool.conf pgpool runs with, show the diff in a diff editor and
 * the plan, confirm, deploy with backups, reload. On a watchdog cluster (several pgpool nodes) it asks, as the CLI's
 * `--pgpool` and `--vip` do, which pgpool node to configure and the VIP, and takes wd_authkey from SecretStorage.
 */
import * as vscode from 'vscode';
import { buildConfigurePgpoolPlan, fileKey, readCurrentFiles, type ProfileName } from '../../core/ops/setup/configurePgpool';
import { applyDiscovery } from '../../core/ops/preflight/discovery';
import { withDiscovery } from '../../core/ops/engine/operation';
import { renderPlan } from '../../core/ops/engine/plan';
import { pgpoolInstance, type WatchdogOptions } from '../../core/ops/setup/configurePgpoolInput';
import type { ExtensionServices } from '../context';
import { planDocumentUri } from '../plans/planDocuments';
import { editorWords } from './editorWords';
import { openSessionOrSay, pickCluster, runWithProgress, type EditorSession } from './setupSession';
import { authkeySecretKey, pgpoolChoices, vipInputError } from './watchdogInputs';
import type { ClusterEntry } from '../tree/clusterModel';

/** The pgpool row the command was started from (tree), if any. */
const pgpoolOfArg = (arg: unknown): string | undefined => {
  const name = typeof arg === 'object' && arg !== null ? (arg as { instance?: { name?: unknown } }).instance?.name : undefined;
  return typeof name === 'string' ? name : undefined;
};

/** With several pgpool nodes: which one (the tree row's, else a pick) and the VIP; undefined when the user escaped. */
async function askWatchdog(entry: ClusterEntry, arg: unknown): Promise<{ pgpool: string; vip?: string } | undefined> {
  const cluster = entry.definition;
  const choices = pgpoolChoices(cluster, entry.status);
  const fromRow = pgpoolOfArg(arg);
  const picked = fromRow && choices.some((c) => c.name === fromRow) ? fromRow
    : (await vscode.window.showQuickPick(choices, { placeHolder: `pgpool node of ${cluster.name} to configure (run once per pgpool node)`, matchOnDescription: true }))?.name;
  if (!picked) return undefined;
  const current = entry.status?.watchdog?.vip;
  const vip = await vscode.window.showInputBox({
    title: `Virtual IP (delegate_ip) for ${picked}`,
    prompt: `The address the watchdog leader holds and clients connect to. Empty keeps the file's${current ? ` (${current} now)` : ''}.`,
    placeHolder: current ?? '192.168.1.100',
    ignoreFocusOut: true,
    validateInput: (text) => vipInputError(text, cluster),
  });
  if (vip === undefined) return undefined;
  return { pgpool: picked, ...(vip.trim() ? { vip: vip.trim() } : {}) };
}

/** wd_authkey from SecretStorage (asked once, saved when the deploy worked); empty keeps the file's. */
async function authkeyOf(s: EditorSession): Promise<{ authkey?: string; worked: () => Promise<void> }> {
  const request = {
    kind: 'wd-authkey', key: authkeySecretKey(s.cluster.pgpool),
    prompt: `wd_authkey shared by the ${s.cluster.pgpool.length} pgpool nodes of ${s.cluster.name} (Escape: keep the file's)`,
  } as const;
  const authkey = await s.secrets.getSecret(request);
  return { ...(authkey ? { authkey } : {}), worked: async () => { if (authkey) await s.secrets.secretWorked?.(request); } };
}


export async function configurePgpool(services: ExtensionServices, arg?: unknown): Promise<void> {
  const entry = await pickCluster(services, arg);
  if (!entry) return;
  const cluster = entry.definition;
  const watchdog = cluster.pgpool.length > 1 ? await askWatchdog(entry, arg) : undefined;
  if (cluster.pgpool.length > 1 && !watchdog) return;
  const profile = (await vscode.window.showQuickPick(['fast', 'balanced', 'conservative'], { placeHolder: 'Failure detection profile' })) as ProfileName | undefined;
  if (!profile) return;
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const inst = pgpoolInstance(cluster, watchdog?.pgpool).inst;
    const key = watchdog ? await authkeyOf(s) : undefined;
    const pcpUser = inst.pcpUser ?? 'pgpool';
    const secret = { kind: 'pcp-password', key: `${pcpUser}@${inst.host}:${inst.pcpPort}`, prompt: `pcp password for ${pcpUser} (Escape: keep pcp.conf)` } as const;
    const pcpPassword = await s.secrets.getSecret(secret);
    const status = await s.status();
    // As the CLI: program and data directories the cluster file leaves out come from the hosts.
    const discovered = await s.env.discover(status);
    const target = { cluster: applyDiscovery(cluster, discovered), status, options: {
      profile, ...(pcpPassword ? { pcpPassword } : {}),
      ...(watchdog ? {
        pgpool: watchdog.pgpool,
        watchdog: { ...(watchdog.vip ? { vip: watchdog.vip } : {}), ...(key?.authkey ? { authkey: key.authkey } : {}) } satisfies WatchdogOptions,
      } : {}),
    } };
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
    // The whole plan (every step, where, the command, why), as `configure-pgpool --dry-run` prints it.
    services.log.info(renderPlan(built.plan, await s.env.planPcpEndpoint()));
    if (!built.plan.steps.length) { void vscode.window.showInformationMessage('The files on the hosts already hold what pgpool-cluster manages.'); return; }
    const run = 'Deploy and Reload';
    const changed = built.changes.filter((c) => c.kind === 'changed' || c.kind === 'added').length;
    const wd = watchdog ? `Watchdog: pgpool node ${inst.name} (pgpool_node_id ${pgpoolInstance(cluster, inst.name).index}); VIP ${watchdog.vip ?? 'as in the file'}; wd_authkey ${key?.authkey ? 'from SecretStorage' : 'as in the file'}.\n` : '';
    const detail = `${wd}pgpool.conf: ${built.paths.configFile} (${built.paths.source}) on ${inst.host}; ${changed} managed parameter(s) change, every other line stays.\n\n${built.plan.steps.map((st) => st.title).join('\n')}${built.plan.warnings.length ? `\n\n${built.plan.warnings.map(editorWords).join('\n')}` : ''}\n\nEach step's command and check: Show Log.`;
    if ((await vscode.window.showInformationMessage(built.plan.summary, { modal: true, detail }, run)) !== run) return;
    const outcome = await runWithProgress(services, s, built.plan);
    if (outcome.outcome === 'done' && pcpPassword !== undefined) await s.secrets.secretWorked?.(secret);
    if (outcome.outcome === 'done') await key?.worked();
  } catch (err) {
    void vscode.window.showErrorMessage(`Configure pgpool failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await s.close();
  }
}
