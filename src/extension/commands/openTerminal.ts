/** "Open psql" and "Open SSH Terminal" on a node or a pgpool instance: a VS Code terminal running psql / ssh. */
import * as vscode from 'vscode';
import type { PgpoolInstance } from '../../core/inventory/model';
import { userActed, type ExtensionServices } from '../context';
import type { ClusterEntry } from '../tree/clusterModel';
import { psqlLaunch, sshLaunch, type TerminalLaunch } from './terminalCommands';

type HostTarget = { entry: ClusterEntry; kind: 'node'; name: string } | { entry: ClusterEntry; kind: 'pgpool'; pgpool: PgpoolInstance };

/** A tree node or pgpool item, `{ cluster, node }` / `{ cluster, pgpool }` names, or a quick pick. */
async function hostTarget(services: ExtensionServices, arg: unknown): Promise<HostTarget | undefined> {
  const model = services.clusters;
  if (!model) return undefined;
  if (!model.loaded) await model.reload();
  const ref = model.resolveNode(arg);
  if (ref) return { entry: ref.entry, kind: 'node', name: ref.node.name };
  const a = (typeof arg === 'object' && arg !== null ? arg : {}) as { entry?: ClusterEntry; instance?: PgpoolInstance; cluster?: unknown; pgpool?: unknown };
  if (a.entry && a.instance) return { entry: a.entry, kind: 'pgpool', pgpool: a.instance };
  if (typeof a.cluster === 'string' && typeof a.pgpool === 'string') {
    const entry = model.entryOf(a.cluster);
    const pgpool = entry?.definition.pgpool.find((p) => p.name === a.pgpool);
    if (entry && pgpool) return { entry, kind: 'pgpool', pgpool };
  }
  const items = model.entries.flatMap((entry) => [
    ...entry.definition.pgpool.map((p) => ({ label: p.name, description: `${entry.definition.name} · pgpool ${p.host}:${p.port}`, target: { entry, kind: 'pgpool', pgpool: p } as HostTarget })),
    ...entry.definition.nodes.map((n) => ({ label: n.name, description: `${entry.definition.name} · ${n.host}:${n.port}`, target: { entry, kind: 'node', name: n.name } as HostTarget })),
  ]);
  if (items.length === 0) {
    void vscode.window.showWarningMessage('No cluster is loaded: open a folder with a pgpool-cluster.yaml file.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Node or pgpool' }))?.target;
}

async function open(services: ExtensionServices, arg: unknown, build: (t: HostTarget) => TerminalLaunch): Promise<vscode.Terminal | undefined> {
  userActed(services);
  const target = await hostTarget(services, arg);
  if (!target) return undefined;
  const refusal = await services.connectionGate?.check(target.entry);
  if (refusal !== undefined) {
    void vscode.window.showWarningMessage(refusal);
    return undefined;
  }
  let launch: TerminalLaunch;
  try {
    launch = build(target);
  } catch (err) {
    void vscode.window.showWarningMessage(err instanceof Error ? err.message : String(err));
    return undefined;
  }
  const terminal = vscode.window.createTerminal({ name: launch.name, shellPath: launch.shellPath, shellArgs: [...launch.shellArgs], env: { ...launch.env } });
  terminal.show();
  services.log.info(`${launch.name}: ${launch.shellPath} ${launch.shellArgs.join(' ')}`);
  return terminal;
}

export function openPsql(services: ExtensionServices, arg?: unknown): Promise<vscode.Terminal | undefined> {
  return open(services, arg, (t) => {
    const cluster = t.entry.definition;
    if (t.kind === 'pgpool') return psqlLaunch(cluster, { kind: 'pgpool', pgpool: t.pgpool });
    const node = cluster.nodes.find((n) => n.name === t.name);
    if (!node) throw new Error(`${t.name} is no longer in the cluster file.`);
    return psqlLaunch(cluster, { kind: 'node', node });
  });
}

export function openSshTerminal(services: ExtensionServices, arg?: unknown): Promise<vscode.Terminal | undefined> {
  return open(services, arg, (t) => {
    const cluster = t.entry.definition;
    if (t.kind === 'pgpool') return sshLaunch(cluster, t.pgpool.name, t.pgpool.host, t.pgpool.ssh);
    const node = cluster.nodes.find((n) => n.name === t.name);
    if (!node) throw new Error(`${t.name} is no longer in the cluster file.`);
    return sshLaunch(cluster, node.name, node.host, node.ssh);
  });
}
