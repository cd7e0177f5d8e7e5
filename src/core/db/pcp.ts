/**
 * pcp tools run on this machine (localPcp.ts decides) or over SSH on the pgpool host. `-w` never prompts: the
 * password comes from the .pcppass of the machine that runs the tool: there, the pgpool host's own (pcpPassFile,
 * default ~/.pcppass of the SSH user); here, PCPPASSFILE or ~/.pcppass. It never appears on a command line.
 */
import * as path from 'node:path';
import { describeHostPassFile, hostPassFile, withPassFileVariable } from '../inventory/hostPath';
import type { RemoteHost } from '../remote/types';
import { parseNodeState, parseReplicationDelay, parseReportedRole, type PgpoolNodeView } from './poolNodes';

export interface PcpTarget {
  readonly remote: RemoteHost;
  /** Where pcp listens, as seen from the pgpool host. */
  readonly pcpHost: string;
  readonly pcpPort: number;
  readonly pcpUser?: string;
  /** On the pgpool host (absolute or `~/...` there); ignored when `local`. */
  readonly pcpPassFile?: string;
  readonly binDir?: string;
  readonly timeoutMs?: number;
  /** The tool runs on this machine (`remote` is then a LocalHost), with this machine's PCPPASSFILE / ~/.pcppass. */
  readonly local?: boolean;
}

export class PcpError extends Error {
  constructor(message: string, readonly exitCode: number | null, readonly stderr: string) {
    super(message);
    this.name = 'PcpError';
  }
}

/** Runs one pcp tool with the common options; returns stdout or throws a PcpError with advice. */
export async function runPcp(t: PcpTarget, tool: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  const exe = t.binDir ? path.posix.join(t.binDir, tool) : tool;
  const limitMs = t.timeoutMs ?? 10_000;
  // The remote `timeout` ends the tool on the pgpool host (no pcp processes left behind); the local
  // timeout is longer, so the tool is never cut off from this side halfway through.
  const argv = ['timeout', '-k', '5', String(Math.max(1, Math.ceil(limitMs / 1000))),
    exe, '-h', t.pcpHost, '-p', String(t.pcpPort), ...(t.pcpUser ? ['-U', t.pcpUser] : []), '-w', ...args];
  const passFile = hostPassFile(t.pcpPassFile, '.pcppass');
  const r = await t.remote.exec(t.local ? argv : withPassFileVariable('PCPPASSFILE', passFile, argv), {
    timeoutMs: limitMs + 15_000,
    ...(signal ? { signal } : {}),
  });
  if (r.code === 0) return r.stdout;
  const err = r.stderr.trim();
  let advice = '';
  if (r.timedOut || r.code === 124 || r.code === 137) advice = ` It did not finish within ${limitMs} ms.`;
  else if (r.code === 127 || /not found/i.test(err)) advice = ` ${tool} is not on the PATH of ${t.remote.label}; set pgpool.binDir in the cluster file.`;
  else if (/authentication|password/i.test(err)) {
    advice = t.local
      ? ' Put "host:port:user:password" for pcp in this machine\'s .pcppass (PCPPASSFILE or ~/.pcppass, mode 0600).'
      : ` Put "host:port:user:password" for pcp in ${describeHostPassFile(passFile, '.pcppass', undefined, t.remote.label)} (mode 0600), or set pgpool.pcpPassFile to the file there.`;
  }
  else if (/connection|connect/i.test(err)) advice = ` Is pgpool running with pcp on port ${t.pcpPort}?`;
  throw new PcpError(`${tool} on ${t.remote.label} failed (exit ${r.code ?? 'none'}): ${err || 'no message'}.${advice}`, r.code, err);
}

export async function pcpNodeCount(t: PcpTarget, signal?: AbortSignal): Promise<number> {
  const out = await runPcp(t, 'pcp_node_count', [], signal);
  const n = Number.parseInt(out.trim(), 10);
  if (!Number.isFinite(n)) throw new PcpError(`pcp_node_count printed "${out.trim()}", not a number.`, 0, '');
  return n;
}

/** Parses `pcp_node_info --verbose` ("Key : value" lines; keys vary by version). */
export function parsePcpNodeInfoVerbose(id: number, out: string): PgpoolNodeView {
  const kv = new Map<string, string>();
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    kv.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const get = (k: string): string | undefined => {
    const v = kv.get(k);
    return v === undefined || v === '' ? undefined : v;
  };
  const delay = parseReplicationDelay(get('replication delay'));
  const weight = get('weight');
  const backendStatus = get('backend status name');
  const backendRole = get('backend role');
  return {
    id,
    host: get('hostname') ?? '',
    port: Number(get('port') ?? 0),
    status: parseNodeState(get('status name') ?? get('status')),
    role: parseReportedRole(get('role')),
    ...(backendStatus ? { pgStatus: parseNodeState(backendStatus) } : {}),
    ...(backendRole ? { pgRole: parseReportedRole(backendRole) } : {}),
    ...(weight ? { lbWeight: Number(weight) } : {}),
    ...(delay ? { replicationDelay: delay } : {}),
    ...(get('replication state') ? { replicationState: get('replication state')! } : {}),
    ...(get('replication sync state') ? { replicationSyncState: get('replication sync state')! } : {}),
    ...(get('last status change') ? { lastStatusChange: get('last status change')! } : {}),
  };
}

export async function pcpNodeInfo(t: PcpTarget, id: number, signal?: AbortSignal): Promise<PgpoolNodeView> {
  return parsePcpNodeInfoVerbose(id, await runPcp(t, 'pcp_node_info', ['--verbose', '-n', String(id)], signal));
}

export async function pcpWatchdogInfo(t: PcpTarget, signal?: AbortSignal): Promise<string> {
  return runPcp(t, 'pcp_watchdog_info', ['--verbose'], signal);
}

export async function pcpAttachNode(t: PcpTarget, id: number, signal?: AbortSignal): Promise<void> {
  await runPcp(t, 'pcp_attach_node', ['-n', String(id)], signal);
}

export async function pcpDetachNode(t: PcpTarget, id: number, signal?: AbortSignal): Promise<void> {
  await runPcp(t, 'pcp_detach_node', ['-n', String(id)], signal);
}
