/**
 * `pgpool-cluster` tasks: each runs the bundled CLI (dist/cli.js) as a process with an argv, never a
 * shell string, so node and file names reach it unquoted and unchanged.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

export const TASK_TYPE = 'pgpool-cluster';
export const TASK_SOURCE = 'pgpool-II';

export const NODE_OPERATIONS = ['promote', 'switchover', 'recover', 'attach', 'detach'] as const;
export type NodeOperation = (typeof NODE_OPERATIONS)[number];
export type TaskOperation = NodeOperation | 'status';

/** The `pgpool-cluster` entry of contributes.taskDefinitions, as tasks.json spells it. */
export interface ClusterTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  readonly operation: TaskOperation;
  /** The node's name in the cluster file; required for every operation but `status`. */
  readonly node?: string;
  /** The cluster's name, needed when the file holds several. */
  readonly cluster?: string;
  /** The cluster file; default: the file that defines `cluster`, else the first one found. */
  readonly file?: string;
}

/** A cluster known to the extension: where it is defined and its node names. */
export interface KnownCluster {
  readonly file: string;
  readonly name: string;
  readonly nodes: readonly string[];
}

export function isClusterTaskDefinition(d: vscode.TaskDefinition): d is ClusterTaskDefinition {
  const op = d.operation as unknown;
  if (d.type !== TASK_TYPE || typeof op !== 'string') return false;
  if (op === 'status') return true;
  return (NODE_OPERATIONS as readonly string[]).includes(op) && typeof d.node === 'string' && d.node !== '';
}

/** Operations that change a server's data or role: their task never passes --yes, the terminal asks. */
export const DESTRUCTIVE_OPERATIONS: readonly NodeOperation[] = ['promote', 'switchover', 'recover'];

/**
 * The CLI's argv after `node dist/cli.js`. Attach and detach are confirmed by running the task itself;
 * destructive operations show their plan in the task's terminal and ask there (never `--yes`).
 */
export function cliArguments(d: ClusterTaskDefinition, file: string): string[] {
  const cluster = d.cluster ? ['--cluster', d.cluster] : [];
  if (d.operation === 'status') return ['status', '--file', file, ...cluster];
  const yes = (DESTRUCTIVE_OPERATIONS as readonly string[]).includes(d.operation) ? [] : ['--yes'];
  return [d.operation, d.node ?? '', '--file', file, ...cluster, ...yes];
}

export function taskLabel(d: ClusterTaskDefinition): string {
  const where = d.cluster ? ` (${d.cluster})` : '';
  return d.operation === 'status' ? `status${where}` : `${d.operation} ${d.node ?? ''}${where}`;
}

export function buildTask(
  definition: ClusterTaskDefinition,
  scope: vscode.WorkspaceFolder | vscode.TaskScope,
  cliPath: string,
  file: string,
): vscode.Task {
  // In a desktop VS Code the extension host is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
  const execution = new vscode.ProcessExecution(process.execPath, [cliPath, ...cliArguments(definition, file)], {
    env: { ELECTRON_RUN_AS_NODE: '1' },
    ...(typeof scope === 'object' ? { cwd: scope.uri.fsPath } : {}),
  });
  const task = new vscode.Task(definition, scope, taskLabel(definition), TASK_SOURCE, execution);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
  task.detail = `pgpool-cluster ${cliArguments(definition, file).join(' ')}`;
  return task;
}

/** The cluster file a definition means: its `file` (relative to the workspace folder), else by cluster name. */
export function clusterFileFor(d: ClusterTaskDefinition, known: readonly KnownCluster[], folder: string | undefined): string | undefined {
  if (d.file) return path.isAbsolute(d.file) || !folder ? path.resolve(d.file) : path.resolve(folder, d.file);
  const byName = d.cluster ? known.find((c) => c.name === d.cluster) : undefined;
  return byName?.file ?? known[0]?.file;
}

/** The tasks offered without a tasks.json: status of each cluster, and each operation on each node. */
export function providedDefinitions(known: readonly KnownCluster[]): ClusterTaskDefinition[] {
  const defs: ClusterTaskDefinition[] = [];
  const several = known.length > 1;
  for (const c of known) {
    const base = { type: TASK_TYPE, file: c.file, ...(several ? { cluster: c.name } : {}) } as const;
    defs.push({ ...base, operation: 'status' });
    for (const node of c.nodes) for (const operation of NODE_OPERATIONS) defs.push({ ...base, operation, node });
  }
  return defs;
}
