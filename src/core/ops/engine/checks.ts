/** Evaluates a plan's Check against the real servers, once or polled until it holds. */
import { formatLsn, parseLsn } from '../../db/lsn';
import type { OpsEnvironment } from './environment';
import type { Check } from './plan';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function firstCell(rows: readonly Record<string, unknown>[]): unknown {
  const r = rows[0];
  return r ? Object.values(r)[0] : undefined;
}

/** The nodes among `names` that answer and are out of recovery; a node that does not answer is not one. */
async function reachablePrimaries(env: OpsEnvironment, names: readonly string[]): Promise<string[]> {
  const answers = await Promise.all(names.map(async (name) => {
    try {
      const v = firstCell(await env.sql(name).query('SELECT NOT pg_is_in_recovery() AS p', [], { timeoutMs: 3000 }));
      return v === true ? name : undefined;
    } catch {
      return undefined;
    }
  }));
  return answers.filter((x): x is string => x !== undefined);
}

/** A fresh session (pg_hba applies to new connections); a refused or failed connection counts as not writable. */
async function notWritable(node: string, env: OpsEnvironment): Promise<CheckResult> {
  const client = env.session ? env.session(node) : env.sql(node);
  try {
    const v = firstCell(await client.query("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS ro", [], { timeoutMs: 5000 }));
    return { ok: v === true, detail: v === true ? `${node} answers read-only` : `${node} accepts writes` };
  } catch (err) {
    return { ok: true, detail: `${node} refuses new sessions (${message(err)})` };
  } finally {
    if (env.session) await client.close().catch(() => undefined);
  }
}

export async function evaluateCheck(check: Check, env: OpsEnvironment, facts: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<CheckResult> {
  try {
    switch (check.kind) {
      case 'sql-true': {
        const v = firstCell(await env.sql(check.node).query(check.sql, check.params ?? [], { timeoutMs: 5000 }));
        return { ok: v === true, detail: `${check.node} answered ${String(v)}` };
      }
      case 'pgpool-node': {
        const n = await env.pgpoolNode(check.id, signal, check.viaSql === true);
        const statusOk = !check.status || (check.status as readonly string[]).includes(n.status);
        const roleOk = !check.role || n.role === check.role;
        return { ok: statusOk && roleOk, detail: `pgpool: node ${check.id} is ${n.status}/${n.role}` };
      }
      case 'ssh-exit': {
        const r = await env.remote(check.host).exec(check.argv, { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
        return { ok: r.code !== null && check.exitCodes.includes(r.code), detail: `exit ${r.code ?? 'none'}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}` };
      }
      case 'replayed-past': {
        const want = parseLsn(facts.get(check.fact));
        if (want === undefined) return { ok: false, detail: `${check.fact} was not recorded` };
        const got = parseLsn(String(firstCell(await env.sql(check.node).query(check.sql, [], { timeoutMs: 5000 })) ?? ''));
        return { ok: got !== undefined && got > want, detail: `${check.node} is at ${got === undefined ? 'unknown' : formatLsn(got)}, needs to be past ${facts.get(check.fact)}` };
      }
      case 'one-primary': {
        const primaries = await reachablePrimaries(env, env.nodes);
        return {
          ok: primaries.length === 1 && primaries[0] === check.expected,
          detail: primaries.length ? `primaries: ${primaries.join(', ')}` : 'no reachable primary',
        };
      }
      case 'not-writable': return await notWritable(check.node, env);
      case 'no-primary': {
        const primaries = await reachablePrimaries(env, check.nodes);
        return { ok: primaries.length === 0, detail: primaries.length ? `already a primary: ${primaries.join(', ')}` : 'none of them is a primary' };
      }
    }
  } catch (err) {
    return { ok: false, detail: message(err) };
  }
}

/**
 * Polls every `intervalMs` until the check holds or its `waitMs` passes; cancellation ends it early. 50 ms:
 * the waits on the switchover's path (pgpool seeing the new primary) end within one interval of the event.
 */
export async function waitForCheck(check: Check, env: OpsEnvironment, facts: ReadonlyMap<string, string>, signal?: AbortSignal, intervalMs = 50): Promise<CheckResult> {
  const deadline = Date.now() + (check.waitMs ?? 0);
  for (;;) {
    const r = await evaluateCheck(check, env, facts, signal);
    if (r.ok || Date.now() >= deadline || signal?.aborted) return r;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}
