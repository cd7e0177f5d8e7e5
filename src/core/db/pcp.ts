/**
 * pcp tools run on this machine (localPcp.ts decides) or over SSH on the pgpool host. `-w` never prompts: the
 * password comes from the .pcppass of the machine that runs the tool: there, the pgpool host's own (pcpPassFile,
 * default ~/.pcppass of the SSH user); here, PCPPASSFILE or ~/.pcppass. It never appears on a command line.
 */
import * as path from 'node:path';
import { describeHostPassFile, hostPassFile, withPassFileVariable } from '../inventory/hostPath';
import type { RemoteHost } from '../remote/types';
import { parseNodeState, parseReplicationDelay, parseReportedRole, type PgpoolNodeView } from './poolNodes';

/**
 * Where and how a pcp tool runs: pcp's host/port/user as seen from the machine that runs the tool; `passFile` is
 * on the pgpool host (absolute or `~/...` there), ignored when `local` (this machine, its PCPPASSFILE or ~/.pcppass).
 */
export interface PcpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly passFile?: string;
  readonly binDir?: string;
  readonly local?: boolean;
}

export interface PcpTarget extends PcpEndpoint {
  /** The pgpool host, or a LocalHost when `local`. */
  readonly remote: RemoteHost;
  readonly timeoutMs?: number;
}

/** Local timeout of a pcp tool without its own (the remote `timeout` is the same, so the remote side ends first). */
export const PCP_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The one pcp command line: what runPcp executes and what a plan shows (no secret: `-w` reads the pass file).
 * The remote `timeout` ends the tool on the pgpool host (no pcp processes left behind); the local timeout is
 * longer, so the tool is never cut off from this side halfway through.
 */
export function pcpArgv(e: PcpEndpoint, tool: string, args: readonly string[], timeoutMs = PCP_DEFAULT_TIMEOUT_MS): string[] {
  const exe = e.binDir ? path.posix.join(e.binDir, tool) : tool;
  const argv = ['timeout', '-k', '5', String(Math.max(1, Math.ceil(timeoutMs / 1000))),
    exe, '-h', e.host, '-p', String(e.port), ...(e.user ? ['-U', e.user] : []), '-w', ...args];
  return e.local ? argv : withPassFileVariable('PCPPASSFILE', hostPassFile(e.passFile, '.pcppass'), argv);
}

export class PcpError extends Error {
  constructor(message: string, readonly exitCode: number | null, readonly stderr: string) {
    super(message);
    this.name = 'PcpError';
  }
}

/**
 * pcp requests that give the same result when sent twice: reads, and attach / detach of a node (pgpool ignores a
 * second request for a node already in that state).
 */
const PCP_REPEATABLE = new Set(['pcp_node_info', 'pcp_node_count', 'pcp_pool_status', 'pcp_watchdog_info', 'pcp_health_check_stats', 'pcp_attach_node', 'pcp_detach_node']);

/** pgpool dropped the pcp connection mid-request: it restarts its pcp process during a failover. */
export function isDroppedPcpRequest(err: unknown): boolean {
  return err instanceof PcpError && /unable to read data from socket|server closed the connection|connection to socket .* failed|ECONNRESET/i.test(err.stderr);
}

/**
 * Runs a pcp request once more, after 0.5 s, when pgpool dropped its connection (a failover restarts pgpool's pcp
 * process) and the request is repeatable; anything else, or a second drop, is the caller's error.
 */
export async function pcpRetryingDroppedRequest<T>(tool: string, signal: AbortSignal | undefined, run: () => Promise<T>, pauseMs = 500): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!PCP_REPEATABLE.has(tool) || !isDroppedPcpRequest(err) || signal?.aborted) throw err;
    await new Promise((r) => setTimeout(r, pauseMs));
    if (signal?.aborted) throw err;
    return run();
  }
}

/** Runs one pcp tool with the common options; returns stdout or throws a PcpError with advice. */
export async function runPcp(t: PcpTarget, tool: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  const limitMs = t.timeoutMs ?? PCP_DEFAULT_TIMEOUT_MS;
  const r = await t.remote.exec(pcpArgv(t, tool, args, limitMs), {
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
      : ` Put "host:port:user:password" for pcp in ${describeHostPassFile(hostPassFile(t.passFile, '.pcppass'), '.pcppass', undefined, t.remote.label)} (mode 0600), or set pgpool.pcpPassFile to the file there.`;
  }
  else if (/connection|connect/i.test(err)) advice = ` Is pgpool running with pcp on port ${t.port}?`;
  throw new PcpError(`${tool} on ${t.remote.label} failed (exit ${r.code ?? 'none'}): ${err || 'no message'}.${advice}`, r.code, err);
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

export async function pcpAttachNode(t: PcpTarget, id: number, signal?: AbortSignal): Promise<void> {
  await runPcp(t, 'pcp_attach_node', ['-n', String(id)], signal);
}
