/**
 * The pcp command line a plan shows is the one that runs: one builder (db/pcp.ts pcpArgv) for both, and the
 * environment runs pcp with the endpoint it gives plans.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPcp, type PcpEndpoint } from '../../../src/core/db/pcp';
import { ClusterOpsEnvironment } from '../../../src/core/ops/engine/environment';
import { commandText, renderPlan, type StepAction } from '../../../src/core/ops/engine/plan';
import { attachStep } from '../../../src/core/ops/engine/steps';
import { PCP_RECOVERY_TIMEOUT_MS } from '../../../src/core/ops/recover/recover';
import { buildCommandLine } from '../../../src/core/remote/commandLine';
import type { SshPool } from '../../../src/core/remote/sshPool';
import type { ExecResult, RemoteCommand, RemoteHost } from '../../../src/core/remote/types';
import { cluster } from './fixtures';

const OK: ExecResult = { code: 0, signal: null, stdout: '', stderr: '' };

/** Records the exact command string each exec would send (no sudo: the host's sudo prefix is not pcp's). */
class RecordingHost implements RemoteHost {
  readonly label = 'recorder';
  readonly sent: string[] = [];
  async exec(command: RemoteCommand): Promise<ExecResult> { this.sent.push(buildCommandLine(command, undefined)); return OK; }
  async readFile(): Promise<Buffer> { return Buffer.alloc(0); }
  async writeFile(): Promise<void> { /* not used */ }
}

const ENDPOINTS: Record<string, PcpEndpoint> = {
  'default pass file': { host: '10.0.0.10', port: 9898, user: 'pcpadmin' },
  'absolute pass file, binDir': { host: '10.0.0.10', port: 9898, user: 'pcpadmin', passFile: '/etc/pgc/pcp pass', binDir: '/usr/sbin/' },
  'home-relative pass file': { host: 'pg pool', port: 9999, passFile: '~/conf/.pcppass' },
  'on this machine': { host: '127.0.0.1', port: 9898, user: 'admin', passFile: '/ignored/here', binDir: '/opt/pgpool//bin', local: true },
};

const ACTIONS: Extract<StepAction, { kind: 'pcp' }>[] = [
  { kind: 'pcp', tool: 'pcp_attach_node', args: ['-n', '1'] },
  { kind: 'pcp', tool: 'pcp_recovery_node', args: ['-n', '2'], timeoutMs: PCP_RECOVERY_TIMEOUT_MS },
  { kind: 'pcp', tool: 'pcp_promote_node', args: ['-s', '-n', '0'], timeoutMs: 2500 },
];

test('pcp: the plan text is exactly the command runPcp sends, for every endpoint kind and timeout', async () => {
  for (const [name, e] of Object.entries(ENDPOINTS)) {
    for (const a of ACTIONS) {
      const host = new RecordingHost();
      await runPcp({ ...e, remote: host, ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}) }, a.tool, a.args);
      assert.equal(host.sent.length, 1);
      assert.equal(commandText(a, e), host.sent[0], `${name}: ${a.tool}`);
    }
  }
  // The pass file reaches the tool only through PCPPASSFILE, and only on the pgpool host.
  assert.match(commandText(ACTIONS[0]!, ENDPOINTS['absolute pass file, binDir']!), /^env 'PCPPASSFILE=\/etc\/pgc\/pcp pass' timeout -k 5 10 \/usr\/sbin\/pcp_attach_node /);
  assert.doesNotMatch(commandText(ACTIONS[0]!, ENDPOINTS['on this machine']!), /PCPPASSFILE|ignored/);
});

test('pcp: the operations environment runs pcp with the endpoint its plans show', async () => {
  const c = cluster('15', '4.3');
  const sent: string[] = [];
  const pool = { exec: async (_target: unknown, command: RemoteCommand): Promise<ExecResult> => { sent.push(buildCommandLine(command, undefined)); return OK; } } as unknown as SshPool;
  const env = new ClusterOpsEnvironment(c, { sshPool: pool, localPcp: false });
  const step = attachStep(c.nodes[1]!);
  assert.equal(step.action.kind, 'pcp');
  if (step.action.kind !== 'pcp') return;
  await env.pcp(step.action.tool, step.action.args, {});
  const shown = await env.planPcpEndpoint();
  assert.equal(sent.length, 1);
  assert.equal(commandText(step.action, shown), sent[0]);
  const plan = renderPlan({
    operation: 'attach', cluster: c.name, node: 'db1', summary: 's', steps: [step], warnings: [], destructive: false, verify: [], versions: { postgres: '15', pgpool: '4.3' },
  }, shown);
  assert.ok(plan.includes(`   runs:  ${sent[0]}\n`), plan);
  await env.close();
});
