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
