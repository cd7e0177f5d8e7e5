/** Appends one JSON line per operation run (who, when, plan, outcome) to the audit file. No secrets in plans. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stateDir } from './lock';
import type { PcpEndpoint } from '../../db/pcp';
import { commandText, type Plan } from './plan';
import type { RunOutcome } from './runner';

export interface AuditRecord {
  readonly time: string;
  readonly actor: string;
  readonly via: string;
  readonly cluster: string;
  readonly operation: string;
  readonly node: string;
  readonly dryRun: boolean;
  readonly plan: readonly { readonly id: string; readonly title: string; readonly command: string; readonly destructive: boolean }[];
  readonly outcome?: RunOutcome;
}

export function auditPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPOOL_CLUSTER_AUDIT_FILE ?? path.join(stateDir(env), 'audit.jsonl');
}

export function actor(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch { /* no passwd entry */ }
  return `${user}@${os.hostname()}`;
}

export function auditRecord(plan: Plan, via: string, outcome: RunOutcome | undefined, pcp?: PcpEndpoint): AuditRecord {
  return {
    time: new Date().toISOString(), actor: actor(), via, cluster: plan.cluster, operation: plan.operation, node: plan.node,
    dryRun: outcome === undefined,
    plan: plan.steps.map((s) => ({ id: s.id, title: s.title, command: commandText(s.action, pcp), destructive: s.destructive })),
    ...(outcome ? { outcome } : {}),
  };
}

export async function appendAudit(record: AuditRecord, file = auditPath()): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.appendFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}
