/**
 * The move-aside step recover (basebackup) and setup-replication share: its skip check and its command run here,
 * with sh, on a missing, an empty and a non-empty data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Plan, PlanResult, PlanStep } from '../../../src/core/ops/engine/plan';
import { cluster, HEALTHY, status, planFor, setupPlanFor } from './fixtures';

const NOW = new Date('2024-05-06T07:08:09Z');
const ok = (r: PlanResult): Plan => { assert.ok(r.ok, r.ok ? '' : r.reason); return r.plan; };
const step = (p: Plan, id: string): PlanStep => { const s = p.steps.find((x) => x.id === id); assert.ok(s, `${id} in ${p.steps.map((x) => x.id).join(' ')}`); return s; };

/** The move-aside step of both plans for node db2 whose data directory is `data`. */
function moveAsideSteps(data: string): { recover: PlanStep; setup: PlanStep } {
  const c = cluster('15', '4.3', [{}, {}, { dataDirectory: data }]);
  const down = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby', reachable: false, pgpool: 'down' }]);
  const recover = ok(planFor('recover', { cluster: c, status: down, options: { method: 'basebackup', now: NOW } }, 'db2'));
  const setup = ok(setupPlanFor({ cluster: c, status: status(c, HEALTHY) }, 'db2', { method: 'basebackup', now: NOW }));
  return { recover: step(recover, 'move-aside-db2'), setup: step(setup, 'move-aside-db2') };
}

/** Runs an argv here (what the ssh step would run on the node's host); returns its exit code. */
function run(argv: readonly string[]): number | null {
  const [cmd, ...args] = argv;
  assert.ok(cmd);
  return spawnSync(cmd, args, { stdio: 'ignore' }).status;
}

function argvOf(s: PlanStep): readonly string[] {
  assert.equal(s.action.kind, 'ssh');
  return s.action.kind === 'ssh' ? s.action.argv : [];
}

function skipArgv(s: PlanStep): readonly string[] {
  assert.equal(s.skipIf?.kind, 'ssh-exit');
  return s.skipIf?.kind === 'ssh-exit' ? s.skipIf.argv : [];
}

/** Runs `body` with a fresh temporary folder, removed afterwards. */
function inTmp(body: (root: string) => void): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgc-aside-'));
  try {
    body(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('recover and setup-replication build the same move-aside step (one builder)', () => {
  const { recover, setup } = moveAsideSteps('/data/db2');
  assert.deepEqual(recover, setup);
  assert.deepEqual(argvOf(recover), ['mv', '--', '/data/db2', '/data/db2.pgpool-cluster-20240506-070809']);
  assert.equal(recover.destructive, true);
});

test('move-aside: a missing data directory is skipped (nothing to keep)', () => inTmp((root) => {
  const { recover, setup } = moveAsideSteps(path.join(root, 'data'));
  for (const s of [recover, setup]) assert.equal(run(skipArgv(s)), 0, 'skip check holds');
}));

test('move-aside: an empty data directory is skipped, and stays where pg_basebackup writes', () => inTmp((root) => {
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const { recover, setup } = moveAsideSteps(data);
  for (const s of [recover, setup]) assert.equal(run(skipArgv(s)), 0, 'skip check holds');
  assert.ok(fs.statSync(data).isDirectory());
}));

test('move-aside: a non-empty data directory (a dot file too) is moved, never deleted', () => inTmp((root) => {
  const data = path.join(root, 'data dir');
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(data, '.hidden'), 'x');
  fs.writeFileSync(path.join(data, 'PG_VERSION'), '15\n');
  const { recover, setup } = moveAsideSteps(data);
  for (const s of [recover, setup]) assert.notEqual(run(skipArgv(s)), 0, 'skip check fails: the step runs');
  const argv = argvOf(recover);
  const aside = argv[3];
  assert.equal(aside, `${data}.pgpool-cluster-20240506-070809`);
  assert.equal(run(argv), 0);
  assert.equal(fs.existsSync(data), false);
  assert.equal(fs.readFileSync(path.join(aside!, 'PG_VERSION'), 'utf8'), '15\n');
  assert.equal(fs.readFileSync(path.join(aside!, '.hidden'), 'utf8'), 'x');
  // Once moved, a re-run skips the step.
  assert.equal(run(skipArgv(setup)), 0);
}));
