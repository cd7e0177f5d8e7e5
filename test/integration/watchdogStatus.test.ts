// Seeing and operating the pgpool nodes of the watchdog lab through the real CLI: `status --json` (roles, leader,
// quorum, VIP holders checked on the hosts), `pgpool stop|start|recover`, operations through the leader while a
// pgpool node is down, and the orphans a killed pgpool parent leaves. The lab comes from wd-lab's fixture
// (ensureWatchdogLab reuses a running one); this file takes it down only if it brought it up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabLayout, LabPgpoolHost } from '../../src/core/lab/layout';
import { pgpoolPidsOn } from '../../src/core/lab/isolatedLab';
import { cli } from '../lab/labFixture';
import { ensureWatchdogLab, pgpoolHost, vipHolders, waitForLeader, watchdogLab, watchdogLabDown } from '../lab/watchdogFixture';
import { waitFor } from '../harness/wait';
import { PreconditionFailed, strictPreconditions } from '../harness/precondition';

const root = process.getuid?.() === 0;
const unmet = root ? undefined : 'the watchdog lab needs root (network and mount namespaces)';
const skip = unmet ?? false;

let layout: LabLayout;
let broughtUp = false;

interface PgpoolJson { name: string; host: string; port: number; reachable: boolean; watchdog?: { role: string; priority?: number; holdsVip?: boolean }; backends?: { primary?: string; down: string[] } }
interface StatusJson { clusters: { health: string; pgpool: PgpoolJson[]; watchdog: { quorum: string; leader: string | null; vip?: string; vipHolders: string[] }; problems: { code: string; message: string }[] }[] }

// A state folder (locks, audit) of its own: the lab's cluster is named "lab" like every other lab on the machine.
const stateDir = mkdtempSync(join(tmpdir(), 'wd-status-state-'));
const run = (args: string[]): { code: number; stdout: string; stderr: string } =>
  cli(args, { PGPOOL_CLUSTER_FILE: layout.clusterFile, PGPASSFILE: layout.pgpassFile, PGPOOL_CLUSTER_STATE_DIR: stateDir });

function status(): StatusJson['clusters'][number] {
  const r = run(['status', '--json']);
  assert.ok(r.code <= 1, `status exit ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as StatusJson).clusters[0]!;
}

/** Waits until status says every pgpool is LEADER or STANDBY with one leader holding the VIP alone. */
function whole(): Promise<StatusJson['clusters'][number]> {
  return waitFor('status: three pgpool nodes, one leader holding the VIP', () => {
    const s = status();
    const roles = s.pgpool.map((p) => p.watchdog?.role).sort();
    return JSON.stringify(roles) === JSON.stringify(['LEADER', 'STANDBY', 'STANDBY']) && s.watchdog.leader && s.watchdog.vipHolders.length === 1 ? s : undefined;
  }, 60_000, 500);
}

/** The pgpool main process of a host (its parent is not a pgpool), as pids on this machine. */
function mainPid(h: LabPgpoolHost): number | undefined {
  const pids = pgpoolPidsOn(layout, h);
  return pids.find((p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return !pids.includes(ppid) && !readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('pgpool:');
  });
}

before(async () => {
  if (unmet !== undefined) {
    if (strictPreconditions()) throw new PreconditionFailed(unmet);
    return;
  }
  broughtUp = !existsSync(`${watchdogLab().dir}/lab.json`);
  layout = ensureWatchdogLab();
  await waitForLeader(layout);
});

after(() => {
  if (root && broughtUp) watchdogLabDown();
});

test('status --json lists the three pgpool nodes with role, priority and the VIP as the hosts have it', { skip }, async () => {
  const s = await whole();
  assert.deepEqual(s.pgpool.map((p) => p.name), layout.pgpools.map((p) => p.name), 'names as the cluster file gives them');
  assert.equal(s.watchdog.quorum, 'exist');
  assert.equal(s.watchdog.vip, layout.watchdog?.vip);
  assert.deepEqual(s.watchdog.vipHolders, await vipHolders(layout), 'VIP holders as each host\'s own addresses say');
  assert.deepEqual(s.watchdog.vipHolders, [s.watchdog.leader]);
  const leader = s.pgpool.find((p) => p.name === s.watchdog.leader)!;
  assert.equal(leader.watchdog?.holdsVip, true);
  for (const p of s.pgpool) {
    assert.equal(p.reachable, true);
    assert.equal(typeof p.watchdog?.priority, 'number');
    assert.equal(p.backends?.primary, 'node0', `${p.name} routes writes to node0`);
  }
  assert.deepEqual(s.problems.filter((p) => /watchdog|vip|pgpool/.test(p.code)), []);
  const text = run(['status']).stdout;
  assert.match(text, new RegExp(`Watchdog: quorum exist, leader ${s.watchdog.leader!}`));
});

test('pgpool stop of the leader: the plan names the next leader; the VIP moves there; start brings it back as a standby', { skip }, async () => {
  const before = await whole();
  const old = before.watchdog.leader!;
  const dry = run(['pgpool', 'stop', old, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`${old} is the watchdog leader: the 2 remaining pgpool node\\(s\\)`));
  const stop = run(['pgpool', 'stop', old, '--yes']);
  assert.equal(stop.code, 0, `${stop.stdout}${stop.stderr}`);
  const after = await waitFor('a new leader holding the VIP', () => {
    const s = status();
    return s.watchdog.leader && s.watchdog.leader !== old && s.watchdog.vipHolders.length === 1 && s.watchdog.vipHolders[0] === s.watchdog.leader ? s : undefined;
  }, 60_000, 500);
  assert.equal(after.pgpool.find((p) => p.name === old)?.reachable, false);
  assert.ok(after.problems.some((p) => p.code === 'pgpool-node-down' && p.message.includes(old)), 'a pgpool node down is a problem');
  assert.equal(after.watchdog.quorum, 'exist', 'two of three keep quorum');

  // Operations keep working with that pgpool down: pcp goes through the new leader.
  const detach = run(['detach', 'node2', '--yes', '--json']);
  assert.equal(detach.code, 0, `${detach.stdout}${detach.stderr}`);
  const attach = run(['attach', 'node2', '--yes', '--json']);
  assert.equal(attach.code, 0, `${attach.stdout}${attach.stderr}`);
  const plan = run(['detach', 'node2', '--dry-run']);
  assert.match(`${plan.stdout}${plan.stderr}`, new RegExp(`-h ${after.pgpool.find((p) => p.name === after.watchdog.leader)!.host.replace(/\./g, '\\.')} `), 'pcp through the leader');

  const start = run(['pgpool', 'start', old, '--yes']);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  const back = await whole();
  assert.equal(back.pgpool.find((p) => p.name === old)?.watchdog?.role, 'STANDBY', 'pgpool does not hand leadership back');
});

test('kill -9 of a pgpool parent leaves children serving; status says so; pgpool start stops them and starts a new one', { skip }, async () => {
  const s = await whole();
  const victim = s.pgpool.find((p) => p.name !== s.watchdog.leader)!.name;
  const host = pgpoolHost(layout, victim);
  const parent = mainPid(host);
  assert.ok(parent, `a pgpool main process runs on ${victim}`);
  process.kill(parent, 'SIGKILL');
  const seen = await waitFor(`the watchdog to see ${victim} gone while its port still answers`, () => {
    const x = status();
    const p = x.problems.find((q) => q.code === 'pgpool-node-down' && q.message.includes(victim));
    return p && x.pgpool.find((q) => q.name === victim)?.reachable ? p : undefined;
  }, 60_000, 500);
  assert.match(seen.message, /children of a killed pgpool parent/);
  assert.ok(pgpoolPidsOn(layout, host).length > 0, 'orphans still run');
  const start = run(['pgpool', 'start', victim, '--yes']);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  assert.match(start.stderr, /orphaned pgpool processes \(their parent was killed\)/);
  await whole();
  assert.ok(mainPid(host), 'a new pgpool main process runs');
});

test('pgpool recover restarts with -D (discarding the saved backend states) and the node rejoins', { skip }, async () => {
  const s = await whole();
  const victim = s.pgpool.find((p) => p.name !== s.watchdog.leader)!.name;
  const r = run(['pgpool', 'recover', victim, '--yes']);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  await whole();
  const pid = mainPid(pgpoolHost(layout, victim));
  assert.ok(pid);
  assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('-D'), 'started with -D');
});
