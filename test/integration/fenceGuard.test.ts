// The fence guard on the isolated lab, with nobody acting after the fault: a primary frozen past failover and then
// thawed is stopped by its own guard, and so is a primary isolated from everything. Asserts outcomes only (one
// writable node at the end, the old primary not among them, no acknowledged write lost), never times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from 'pg';
import { freshLab, hostShell, labCli, programPids, useFaultTestLab, type CampaignOptions, type Lab } from '../harness/faultCampaign';
import { Sampler, Writer, WRITES_TABLE, type Endpoint } from '../harness/faultProbes';
import { unmetPrecondition } from '../harness/precondition';
import { sleep } from '../harness/wait';
import { repoRoot } from '../lab/labFixture';

const isRoot = process.getuid?.() === 0;
const CLI = join(repoRoot, 'dist', 'cli.js');
// node1 is the one synchronous standby and the one pgpool promotes: every acknowledged commit is on it.
const O: CampaignOptions = { cliPath: CLI, mode: 'sync', syncNames: 'FIRST 1 (node1, node2)', guard: true };

async function writable(lab: Lab, ep: Endpoint): Promise<boolean> {
  const c = new Client({ host: ep.host, port: ep.port, user: lab.login.user, password: lab.login.password, database: lab.login.database, connectionTimeoutMillis: 2000, query_timeout: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === false;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function writableNodes(lab: Lab): Promise<string[]> {
  const w = await Promise.all(lab.nodes.map(async (n) => ((await writable(lab, n)) ? n.name : undefined)));
  return w.filter((x): x is string => x !== undefined);
}

/** Polls until `ok` holds; gives up after `limitMs` (a bound against hanging, not a measured time). */
async function until(ok: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await ok()) return true;
    await sleep(500);
  }
  return ok();
}

async function guardLog(lab: Lab, node: string): Promise<string> {
  const host = lab.layout.nodes.find((n) => n.name === node)!;
  return hostShell(lab).run(host, ['cat', '/var/lib/postgresql/15/pgpool-cluster-fence-guard.log'], { what: 'reading the guard log' }).catch((e: unknown) => String(e));
}

/** No acknowledged id is missing from the one writable node. */
async function lostOn(lab: Lab, primary: string, writer: Writer): Promise<number[]> {
  const ep = lab.nodes.find((n) => n.name === primary)!;
  const c = new Client({ host: ep.host, port: ep.port, user: lab.login.user, password: lab.login.password, database: lab.login.database, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    const present = new Set((await c.query<{ id: number }>(`SELECT id FROM ${WRITES_TABLE}`)).rows.map((r) => Number(r.id)));
    return writer.acks.map((a) => a.id).filter((id) => !present.has(id));
  } finally {
    await c.end();
  }
}

async function withTraffic(lab: Lab, body: () => Promise<void>): Promise<Writer> {
  const writer = new Writer(lab.pgpool, lab.login, { maxIds: 200_000, maxMs: 180_000, answerMs: 5000 });
  const sampler = new Sampler(lab.nodes, lab.login, 200, 500);
  writer.start();
  sampler.start();
  try {
    await sleep(1500);
    await body();
    await sleep(1500);
  } finally {
    await Promise.all([writer.stop(), sampler.stop()]);
  }
  return writer;
}

test('the fence guard stops an old primary by itself: thawed after a failover, or isolated from everything', async (t) => {
  if (unmetPrecondition(isRoot ? undefined : 'the fence guard test needs root (the isolated lab\'s namespaces)', (r) => t.skip(r))) return;
  useFaultTestLab();
  try {
    await t.test('frozen past failover detection, then thawed: it stops accepting writes without an operator', async () => {
      const lab = await freshLab(O);
      const writer = await withTraffic(lab, async () => {
        assert.equal(labCli(O, ['lab', 'fault', 'freeze', 'node0'], lab.env).code, 0);
        // pgpool fails over to another node while node0 is frozen.
        assert.ok(await until(async () => (await writableNodes(lab)).some((n) => n !== 'node0'), 90_000), 'no other node became the primary while node0 was frozen');
        assert.equal(labCli(O, ['lab', 'heal'], lab.env).code, 0);
        assert.ok(await until(async () => (await writableNodes(lab)).length === 1 && !(await writable(lab, lab.nodes[0]!)), 60_000),
          `node0 still accepts writes after the thaw; its guard said:\n${await guardLog(lab, 'node0')}`);
      });
      const w = await writableNodes(lab);
      assert.equal(w.length, 1, `writable at the end: ${w.join(', ')}`);
      assert.notEqual(w[0], 'node0');
      // Who ends it is a race after the thaw: the guard (pgpool says node0 is down, or node1 is a primary on a newer
      // timeline) or pgpool's follow_primary, which rewinds a primary at once. Either way no operator acted.
      assert.deepEqual((await lostOn(lab, w[0]!, writer)).slice(0, 5), []);
    });

    await t.test('isolated from everything: it stops itself, and stays stopped after the heal', async () => {
      const lab = await freshLab(O);
      const writer = await withTraffic(lab, async () => {
        assert.equal(labCli(O, ['lab', 'fault', 'isolate', 'node0'], lab.env).code, 0);
        // Seen inside its host (not over the network, which is cut): the guard stops the postmaster.
        assert.ok(await until(async () => programPids(lab, 'node0', 'postgres').length === 0, 90_000),
          `node0's PostgreSQL still runs while isolated; its guard said:\n${await guardLog(lab, 'node0')}`);
        assert.ok(await until(async () => (await writableNodes(lab)).length === 1, 90_000), 'pgpool promoted no other node');
        assert.equal(labCli(O, ['lab', 'heal'], lab.env).code, 0);
        await sleep(2000);
      });
      const w = await writableNodes(lab);
      assert.equal(w.length, 1, `writable at the end: ${w.join(', ')}`);
      assert.notEqual(w[0], 'node0');
      assert.match(await guardLog(lab, 'node0'), /stopping: no pgpool answered and no standby replied/);
      assert.deepEqual((await lostOn(lab, w[0]!, writer)).slice(0, 5), []);
    });
  } finally {
    // Leave a healthy lab (without the guard) for the tests that follow.
    labCli(O, ['lab', 'up', '--isolated', '--quiet']);
  }
});
