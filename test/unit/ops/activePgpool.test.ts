import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { activePgpool, ClusterOpsEnvironment } from '../../../src/core/ops/engine/environment';
import type { SshPool } from '../../../src/core/remote/sshPool';
import type { ClusterStatus } from '../../../src/core/status/model';
import { cluster as oneCluster, HEALTHY, status as statusOf } from './fixtures';

const three: ClusterDefinition = {
  ...oneCluster('15', '4.3'),
  pgpool: [0, 1, 2].map((i) => ({ name: `pgpool${i}`, host: `10.0.0.${10 + i * 10}`, port: 9999, pcpPort: 9898, pcpUser: 'pcpadmin', ssh: {} })),
};

function withPgpools(reachable: boolean[], leader: string | null): ClusterStatus {
  const base = statusOf(three, HEALTHY);
  const pgpoolInstances = three.pgpool.map((p, i) => ({ name: p.name, host: p.host, port: p.port, reachable: reachable[i] ?? false }));
  return { ...base, pgpool: pgpoolInstances[0]!, pgpoolInstances, watchdog: { quorum: 'exist', leader, vipHolders: leader ? [leader] : [] } };
}

test('operations go through the watchdog leader, else the first pgpool that answers, else the first defined', () => {
  assert.equal(activePgpool(three, withPgpools([true, true, true], 'pgpool1')).name, 'pgpool1');
  assert.equal(activePgpool(three, withPgpools([false, true, true], 'pgpool0')).name, 'pgpool1', 'a leader that does not answer is passed over');
  assert.equal(activePgpool(three, withPgpools([false, false, true], null)).name, 'pgpool2');
  assert.equal(activePgpool(three, withPgpools([false, false, false], null)).name, 'pgpool0');
  assert.equal(activePgpool(three).name, 'pgpool0');
  const single = oneCluster('15', '4.3');
  assert.equal(activePgpool(single, statusOf(single, HEALTHY)).name, 'pgpool');
});

test('the environment sends pcp (and shows it in the plan) to the chosen pgpool', async () => {
  const env = new ClusterOpsEnvironment(three, { sshPool: {} as SshPool, localPcp: false });
  assert.equal((await env.planPcpEndpoint())?.host, '10.0.0.10');
  assert.equal(env.choosePgpool(withPgpools([false, true, true], 'pgpool2')), 'pgpool2');
  assert.equal((await env.planPcpEndpoint())?.host, '10.0.0.30');
  assert.equal(env.choosePgpool(withPgpools([true, false, false], null)), 'pgpool0');
  assert.equal((await env.planPcpEndpoint())?.host, '10.0.0.10');
  await env.close();
});

test("a check before anything changes asks pgpool on a SQL session first; after a failure, and for every other check, pcp", async () => {
  const single = oneCluster('15', '4.3');
  const env = new ClusterOpsEnvironment(single, { sshPool: {} as SshPool, localPcp: false });
  const asked: string[] = [];
  let sqlWorks = true;
  const row = { node_id: '1', hostname: '10.0.0.2', port: '5432', status: 'up', role: 'standby' };
  (env as unknown as { sql: (n: string) => unknown }).sql = (n: string) => ({
    query: async (q: string) => { asked.push(`sql ${n}: ${q}`); if (!sqlWorks) throw new Error('ERROR: unknown SHOW command'); return [row]; },
  });
  (env as unknown as { withDiscoveredPcp: () => Promise<unknown> }).withDiscoveredPcp = async () => {
    asked.push('pcp');
    return { id: 1, host: '10.0.0.2', port: 5432, status: 'down', role: 'standby' };
  };
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'up');
  assert.deepEqual(asked, ['sql pgpool: SHOW pool_health_check_stats']);
  // Checks during a hand-over (pgpool drops its sessions in a failover) go to pcp.
  assert.equal((await env.pgpoolNode(1)).status, 'down');
  assert.equal(asked.at(-1), 'pcp');
  // pgpool before 4.2 (no such SHOW), or a refused session: pcp, and pcp only for the rest of the operation.
  sqlWorks = false;
  asked.length = 0;
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'down');
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'down');
  assert.deepEqual(asked, ['sql pgpool: SHOW pool_health_check_stats', 'pcp', 'pcp']);
  // The next operation tries the session again.
  await env.close();
  sqlWorks = true;
  asked.length = 0;
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'up');
  assert.deepEqual(asked, ['sql pgpool: SHOW pool_health_check_stats']);
  // With several pgpool nodes the leader decides: pcp.
  const env3 = new ClusterOpsEnvironment(three, { sshPool: {} as SshPool, localPcp: false });
  (env3 as unknown as { withDiscoveredPcp: () => Promise<unknown> }).withDiscoveredPcp = async () => ({ id: 1, host: 'x', port: 5432, status: 'up', role: 'standby' });
  (env3 as unknown as { sql: () => unknown }).sql = () => { throw new Error('not asked'); };
  assert.equal((await env3.pgpoolNode(1, undefined, true)).status, 'up');
});

test("pgpool's SQL view that does not answer at once (children all busy: the session waits in pgpool's queue) gives way to pcp", async () => {
  const env = new ClusterOpsEnvironment(oneCluster('15', '4.3'), { sshPool: {} as SshPool, localPcp: false });
  const asked: string[] = [];
  (env as unknown as { sql: () => unknown }).sql = () => ({ query: () => { asked.push('sql'); return new Promise(() => undefined); } });
  (env as unknown as { withDiscoveredPcp: () => Promise<unknown> }).withDiscoveredPcp = async () => { asked.push('pcp'); return { id: 1, host: 'x', port: 5432, status: 'up', role: 'standby' }; };
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'up');
  assert.equal((await env.pgpoolNode(1, undefined, true)).status, 'up');
  assert.deepEqual(asked, ['sql', 'pcp', 'pcp'], 'the hung session is not asked again in this operation');
});
