/**
 * setup-replication's copy methods (pg_basebackup, or the backup API + rsync of recoverCopy.ts) on PostgreSQL
 * 11/15/17, and its default: the same fact and rule recover uses (the node's pg_basebackup against the server).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import type { CopyMethod, RecoveryFacts } from '../../../src/core/ops/engine/input';
import { commandText, type Plan, type PlanResult } from '../../../src/core/ops/engine/plan';
import { defaultRecoverMethod, fullCopyMethod } from '../../../src/core/ops/recover/recoverFacts';
import { probeSetupReplicationFacts } from '../../../src/core/ops/setup/setupReplication';
import type { ExecResult, RemoteCommand } from '../../../src/core/remote/types';
import { cluster, HEALTHY, status, setupPlanFor, nodeNamed } from './fixtures';

const ok = (r: PlanResult): Plan => { assert.ok(r.ok, r.ok ? '' : r.reason); return r.plan; };
const ids = (p: Plan): string[] => p.steps.map((s) => s.id);
const texts = (p: Plan): string => p.steps.map((s) => commandText(s.action)).join('\n');
/** The argv of each ssh step, by step id. */
const argv = (p: Plan, id: string): readonly string[] => { const s = p.steps.find((x) => x.id === id); return s?.action.kind === 'ssh' ? s.action.argv : []; };
const NOW = new Date('2024-05-06T07:08:09Z');
const ASIDE = '/data/db2.pgpool-cluster-20240506-070809';
/** The hosts' pg_basebackup, as on Debian with PostgreSQL 15's client tools. */
const TOOLS_15: RecoveryFacts = { clientMajor: '15' };

function plan(pg: string, o: { method?: CopyMethod; slot?: string; facts?: RecoveryFacts } = {}): Plan {
  const c = cluster(pg, '4.3');
  return ok(setupPlanFor({ cluster: c, status: status(c, HEALTHY, pg), ...(o.facts ? { facts: o.facts } : {}) }, 'db2',
    { now: NOW, ...(o.method ? { method: o.method } : {}), ...(o.slot ? { slot: o.slot } : {}) }));
}

/** Each id appears, in this order. */
function assertOrder(p: Plan, order: string[]): void {
  const at = order.map((id) => ids(p).indexOf(id));
  assert.ok(at.every((i) => i >= 0), `missing ${order.filter((_, k) => at[k]! < 0).join(', ')} in ${ids(p).join(' ')}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, `order ${order.join(' < ')} in ${ids(p).join(' ')}`);
}

test('setup-replication default: pg_basebackup when the node\'s pg_basebackup is as new as the server (11, 15), the backup API + rsync on 17', () => {
  for (const [pg, want] of [['11', 'basebackup'], ['15', 'basebackup'], ['17', 'copy']] as const) {
    const p = plan(pg, { facts: TOOLS_15 });
    assert.match(p.summary, new RegExp(`copied by ${want} \\(pg_basebackup 15 on the node can${want === 'copy' ? 'not' : ''} copy PostgreSQL ${pg}`), p.summary);
    assert.equal(ids(p).includes('basebackup-db2'), want === 'basebackup', `${pg}: ${ids(p).join(' ')}`);
    assert.equal(ids(p).includes('copy-db2'), want === 'copy', `${pg}: ${ids(p).join(' ')}`);
    // The same rule recover uses for its full copy.
    const c = cluster(pg, '4.3');
    assert.equal(defaultRecoverMethod({ cluster: c, status: status(c, HEALTHY, pg), facts: { ...TOOLS_15, primarySystemId: '7' } }).method, want);
  }
  // Tools as new as the server (a node with binDir pointing at 17's client programs): pg_basebackup.
  assert.ok(ids(plan('17', { facts: { clientMajor: '17' } })).includes('basebackup-db2'));
  // Unknown tools (the probe failed): pg_basebackup, as before; the user can still ask for copy.
  const unknown = plan('17');
  assert.ok(ids(unknown).includes('basebackup-db2'));
  assert.match(unknown.summary, /version is unknown/);
  assert.equal(fullCopyMethod(undefined, { postgres: '17', pgpool: '4.3' }).method, 'basebackup');
  assert.equal(fullCopyMethod('16', { postgres: '17', pgpool: '4.3' }).method, 'copy');
  assert.equal(fullCopyMethod('17', { postgres: '11', pgpool: '4.3' }).method, 'basebackup');
  // --method wins over the facts, both ways.
  assert.ok(ids(plan('17', { facts: TOOLS_15, method: 'basebackup' })).includes('basebackup-db2'));
  assert.ok(ids(plan('11', { facts: TOOLS_15, method: 'copy' })).includes('copy-db2'));
  assert.match(plan('11', { method: 'copy' }).summary, /copied by copy \(chosen by the user\)/);
});

test('setup-replication with each method on 11, 15 and 17: old directory moved aside, copy, standby config of the version, start, stream, attach', () => {
  for (const pg of ['11', '15', '17']) for (const method of ['basebackup', 'copy'] as const) {
    const p = plan(pg, { method });
    const what = `${pg}/${method}`;
    const copy = method === 'copy' ? ['prepare-copy-db2', 'copy-db2'] : ['basebackup-db2'];
    assertOrder(p, ['stop-db2', 'move-aside-db2', ...copy, 'standby-config-db2-1', 'standby-config-db2-2', 'start-db2', 'streaming-db2', 'attach-db2']);
    // The old data directory is moved, never deleted.
    const aside = p.steps.find((s) => s.id === 'move-aside-db2')!;
    assert.deepEqual(aside.action.kind === 'ssh' ? aside.action.argv : [], ['mv', '--', '/data/db2', ASIDE], what);
    assert.match(p.summary, new RegExp(`kept as ${ASIDE}`));
    assert.doesNotMatch(texts(p), /rm -r|rm -fr|rm -rf/, what);
    const all = texts(p);
    if (method === 'copy') {
      const c = p.steps.find((s) => s.id === 'copy-db2')!;
      assert.equal(c.action.kind, 'backup-copy');
      assert.match(commandText(c.action), pg === '11' ? /pg_start_backup\(\$1, true, false\).*pg_stop_backup\(false, true\)/s : /pg_backup_start\(\$1, true\).*pg_backup_stop\(true\)/s, what);
      assert.match(commandText(c.action), /"pgpool-cluster setup-replication db2"/);
      assert.match(commandText(c.action), /\[ssh db2\] rsync -a --delete .* 10\.0\.0\.11:\/data\/db0\/ \/data\/db2\//);
      assert.doesNotMatch(all, /pg_basebackup -d/, what);
    } else {
      assert.match(all, /\/usr\/pgsql\/bin\/pg_basebackup -d .* -D \/data\/db2 -X stream -c fast/, what);
      assert.ok(!p.steps.some((s) => s.action.kind === 'backup-copy'), what);
    }
    const config = argv(p, 'standby-config-db2-2');
    if (pg === '11') {
      assert.deepEqual(config.slice(4, 6), ['/data/db2/recovery.conf', "standby_mode = 'on'"], what);
      assert.match(config[6] ?? '', /^primary_conninfo = 'host=10\.0\.0\.11 port=5432 user=repl application_name=db2'$/, what);
      assert.deepEqual(argv(p, 'standby-extra-db2').slice(4), ['/data/db2/recovery.conf', "trigger_file = '/data/db2/promote.trigger'"], what);
      assert.ok(!p.steps.some((x) => x.action.kind === 'ssh' && x.action.argv.some((w) => /standby\.signal/.test(w))), `${what}: no standby.signal before 12`);
    } else {
      assert.match(argv(p, 'standby-config-db2-1')[2] ?? '', /touch "\$1\/standby\.signal"/, what);
      assert.equal(config[4], '/data/db2/postgresql.auto.conf', what);
      assert.match(config[5] ?? '', /^primary_conninfo = 'host=10\.0\.0\.11 port=5432 user=repl application_name=db2'$/, what);
      assert.doesNotMatch(all, /standby_mode|trigger_file/, what);
      assert.ok(!ids(p).includes('standby-extra-db2'), what);
    }
    assert.doesNotMatch(all, /\/etc\/pgc\/pgpass/, `${what}: the workstation's pass file never reaches a host`);
    assert.deepEqual(p.verify.map((v) => v.describe), ['db0 streams WAL to db2', 'db2 is in recovery (a standby)', 'pgpool lists node 2 as up'], what);
  }
});

test('setup-replication --slot: pg_basebackup -C -S creates it; the copy creates it on the primary before copying', () => {
  const bb = plan('15', { method: 'basebackup', slot: 'db2_slot' });
  assert.match(texts(bb), /-X stream -c fast -C -S db2_slot/);
  assert.ok(!ids(bb).includes('create-slot-db2_slot'));
  for (const pg of ['11', '17']) {
    const cp = plan(pg, { method: 'copy', slot: 'db2_slot' });
    assertOrder(cp, ['drop-slot-db2_slot', 'create-slot-db2_slot', 'move-aside-db2', 'copy-db2', 'standby-extra-db2', 'start-db2']);
    const create = cp.steps.find((s) => s.id === 'create-slot-db2_slot')!;
    assert.deepEqual(create.action.kind === 'sql' ? [create.action.node, create.action.sql, create.action.params] : [],
      ['db0', 'SELECT pg_create_physical_replication_slot($1, true)', ['db2_slot']]);
    assert.equal(argv(cp, 'standby-extra-db2').at(-1), "primary_slot_name = 'db2_slot'");
    assert.equal(argv(cp, 'standby-extra-db2')[4], pg === '11' ? '/data/db2/recovery.conf' : '/data/db2/postgresql.auto.conf');
  }
});

test('the default method\'s probe asks the node\'s pg_basebackup (binDir) for its version; a failed probe leaves the choice to pg_basebackup', async () => {
  const c = cluster('17', '4.3');
  const asked: { host: string; argv: string[] }[] = [];
  const env = (answer: (argv: string[]) => ExecResult | Error): OpsEnvironment => ({
    nodes: c.nodes.map((n) => n.name),
    remote: (host) => ({
      label: host,
      exec: async (cmd: RemoteCommand) => {
        const argv = [...(cmd as readonly string[])];
        asked.push({ host, argv });
        const a = answer(argv);
        if (a instanceof Error) throw a;
        return a;
      },
    }) as never,
    sql: () => { throw new Error('not used'); }, pcp: async () => '', pgpoolNode: async () => { throw new Error('not used'); }, close: async () => undefined,
  });
  const debian = (): ExecResult => ({ code: 0, signal: null, stdout: 'pg_basebackup (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)\n', stderr: '' });
  assert.deepEqual(await probeSetupReplicationFacts(nodeNamed(c, 'db2'), env(debian)), { clientMajor: '15' });
  assert.deepEqual(asked, [{ host: 'db2', argv: ['/usr/pgsql/bin/pg_basebackup', '--version'] }]);
  assert.deepEqual(await probeSetupReplicationFacts(nodeNamed(c, 'db2'), env(() => ({ code: 127, signal: null, stdout: '', stderr: 'not found' }))), {});
  assert.deepEqual(await probeSetupReplicationFacts(nodeNamed(c, 'db2'), env(() => new Error('ssh: connection refused'))), {});
});
