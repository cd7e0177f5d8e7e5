// The fault campaign's integration subset: the four cheapest faults on the isolated lab, asserting only that no
// acknowledged write is lost where the mode promises it and that two nodes never accepted writes at once. Never time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { labCli, runFault, SCENARIOS, useFaultTestLab, type CampaignOptions, type FaultResult, type Mode } from '../harness/faultCampaign';
import { unmetPrecondition } from '../harness/precondition';
import { repoRoot } from '../lab/labFixture';

const isRoot = process.getuid?.() === 0;
const CLI = join(repoRoot, 'dist', 'cli.js');
// pgpool 4.3's failover promotes the first live standby (node1): FIRST 1 makes node1 the synchronous one, so the
// promoted node has every acknowledged commit. (ANY 1 needs failover.sh to pick the most advanced standby.)
const SYNC = 'FIRST 1 (node1, node2)';

const explain = (r: FaultResult): string => JSON.stringify({ ...r, operations: r.operations.map((o) => `${o.name}: ${o.exit} ${o.message}`) });

async function fault(n: number, mode: Mode): Promise<FaultResult> {
  const scenario = SCENARIOS.find((s) => s.n === n)!;
  const o: CampaignOptions = { cliPath: CLI, mode, syncNames: SYNC, holdMs: 5000 };
  const r = await runFault(o, scenario);
  assert.equal(r.notRun, undefined, explain(r));
  assert.equal(r.twoWritableMs, 0, `two nodes accepted writes at once: ${explain(r)}`);
  assert.ok((r.acked ?? 0) > 0, `the writer got no acknowledged write at all: ${explain(r)}`);
  return r;
}

test('faults 1, 2, 6, 7, 11: no split brain, one operation at a time; no acknowledged write lost in sync mode (and none where no primary failed)', async (t) => {
  if (unmetPrecondition(isRoot ? undefined : 'the fault campaign needs root (the isolated lab\'s namespaces)', (r) => t.skip(r))) return;
  useFaultTestLab();
  try {
    await t.test('1. kill -9 of the primary\'s postmaster, sync mode: nothing lost', async () => {
      const r = await fault(1, 'sync');
      assert.equal(r.lost, 0, explain(r));
    });
    await t.test('2. crash of the primary\'s host, sync mode: nothing lost', async () => {
      const r = await fault(2, 'sync');
      assert.equal(r.lost, 0, explain(r));
    });
    await t.test('6. pgpool killed and restarted, sync mode: nothing lost', async () => {
      const r = await fault(6, 'sync');
      assert.equal(r.lost, 0, explain(r));
    });
    await t.test('7. a standby\'s pg_wal full then freed, async mode: the primary loses nothing', async () => {
      const r = await fault(7, 'async');
      assert.equal(r.lost, 0, explain(r));
    });
    await t.test('11. two recovers at once from two processes and from two workstations: exactly one runs, the other is refused with the holder named', async () => {
      const r = await fault(11, 'async');
      for (const pair of [r.operations.slice(0, 2), r.operations.slice(2, 4)]) {
        assert.equal(pair.length, 2, explain(r));
        assert.deepEqual(pair.map((x) => x.exit).sort(), [0, 4], `exactly one runs: ${explain(r)}`);
        const refused = pair.find((x) => x.exit === 4)!;
        assert.match(refused.message, /operation-in-progress: held by .*recover node2.* since \d{4}-/, explain(r));
      }
      assert.equal(r.lost, 0, explain(r));
    });
  } finally {
    // Leave a healthy lab for the tests that follow.
    labCli({ cliPath: CLI, mode: 'async' }, ['lab', 'up', '--isolated', '--quiet']);
  }
});
