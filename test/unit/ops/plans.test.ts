import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcpEndpoint, type OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { CLEAN_STOP_MARKER, TARGET_FILE_MARKER } from '../../../src/core/ops/setup/pgpoolConfig';
import { failoverFacts, failoverWaitsForCleanStop } from '../../../src/core/ops/handover/pgpoolScriptFacts';
import { commandText, renderPlan, type Plan, type PlanResult } from '../../../src/core/ops/engine/plan';
import { cluster, HEALTHY, status, planFor } from './fixtures';
import { waitScriptsIdleArgv } from '../../../src/core/ops/preflight/pgpoolBusy';

const PG = ['9.6', '11', '12', '15', '16'];
const PGPOOL = ['3.7', '4.1', '4.3', '4.7'];

function ok(r: PlanResult): Plan {
  if (!r.ok) assert.fail(`plan refused: ${r.reason}`);
  return r.plan;
}
const texts = (p: Plan): string[] => p.steps.map((s) => commandText(s.action));
const ids = (p: Plan): string[] => p.steps.map((s) => s.id);

test('promote is refused while the primary answers, on every version', () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = cluster(pg, pgpool);
    const r = planFor('promote', { cluster: c, status: status(c, HEALTHY, pg) }, 'db1');
    assert.equal(r.ok, false, `${pg}/${pgpool}`);
    if (!r.ok) assert.match(r.reason, /two primaries.*switchover.*--fence/s);
  }
});

test('promote with fencing stops the old primary before promoting, and detaches the other standby first', () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = cluster(pg, pgpool);
    // The target is db2: db1 is numbered below it, so pgpool could name db1; it is detached first.
    const p = ok(planFor('promote', { cluster: c, status: status(c, HEALTHY, pg), options: { fence: true }, failoverWaitsForCleanStop: true }, 'db2'));
    const order = ids(p);
    const at = (id: string): number => { const i = order.indexOf(id); assert.ok(i >= 0, `${id} in ${order.join(',')}`); return i; };
    assert.ok(at('detach-db1') < at('stop-db0'), 'others detached before the primary stops');
    assert.ok(at('stop-db0') < at('promote-db2'), 'fenced before promotion');
    assert.ok(at('no-other-primary') === at('promote-db2') - 1, 'checked right before the promotion that nobody else promoted a node');
    assert.ok(at('promote-db2') < at('detach-db0') && at('detach-db0') < at('pgpool-sees-primary'), 'promoted, then pgpool told');
    assert.deepEqual(p.versions, { postgres: pg, pgpool });
    const promote = p.steps.find((s) => s.id === 'promote-db2')!;
    if (pg === '9.6' || pg === '11') {
      assert.equal(promote.action.kind, 'ssh');
      assert.match(commandText(promote.action), pg === '9.6' ? /pg_ctl -D \/data\/db2 promote$/ : /pg_ctl -D \/data\/db2 -w -t 60 promote$/);
    } else {
      // pg_promote without its 100 ms wait, then a 10 ms wait for the end of recovery, bounded to 60 s.
      assert.match(commandText(promote.action), /^DO \$\$BEGIN PERFORM pg_promote\(false\); FOR i IN 1\.\.6000 LOOP EXIT WHEN NOT pg_is_in_recovery\(\); PERFORM pg_sleep\(0\.01\); END LOOP; END\$\$$/);
    }
    assert.ok(p.lostWal, 'fenced promote reports lost WAL');
  }
});

test('only standbys pgpool could name instead of the target are detached first: those numbered below it', () => {
  const c = cluster('15', '4.3');
  for (const kind of ['promote', 'switchover'] as const) {
    const options = kind === 'promote' ? { fence: true } : {};
    // pgpool names the lowest-numbered attached node as the new main node: db2 can never win over db1.
    const toDb1 = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: true }, 'db1'));
    assert.ok(!ids(toDb1).includes('detach-db2'), `${kind}: ${ids(toDb1).join(',')}`);
    assert.ok(ids(toDb1).indexOf('pgpool-uses-db1') < ids(toDb1).indexOf('stop-db0'), kind);
    assert.ok(ids(toDb1).includes('attach-db2'), `${kind}: db2 is still re-pointed and attached`);
    assert.deepEqual(toDb1.warnings, [], kind);
    // The target is detached in pgpool: any other standby could be named, so all go.
    const detachedTarget = status(c, [{ role: 'primary' }, { role: 'standby', pgpool: 'down' }, { role: 'standby' }]);
    const all = ok(planFor(kind, { cluster: c, status: detachedTarget, options, failoverWaitsForCleanStop: true }, 'db1'));
    assert.ok(ids(all).indexOf('detach-db2') < ids(all).indexOf('stop-db0'), `${kind}: ${ids(all).join(',')}`);
    assert.ok(!ids(all).includes('pgpool-uses-db1'), kind);
  }
});

test('a failover_command that may promote during the clean stop: every other standby is detached first, with a warning', () => {
  const c = cluster('15', '4.3');
  for (const kind of ['promote', 'switchover'] as const) {
    const options = kind === 'promote' ? { fence: true } : {};
    for (const known of [false, undefined]) {
      const p = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, ...(known === undefined ? {} : { failoverWaitsForCleanStop: known }) }, 'db1'));
      assert.ok(ids(p).indexOf('detach-db2') < ids(p).indexOf('stop-db0'), `${kind}/${known}: ${ids(p).join(',')}`);
      assert.match(p.warnings.join('\n'), known === false ? /does not wait for the old primary's clean shutdown.*configure-pgpool/s : /Could not read pgpool's failover_command script/, `${kind}/${known}`);
    }
  }
  // Nothing stops cleanly when the primary is already down: the script does not matter there.
  const s = status(c, [{ role: 'primary', reachable: false }, { role: 'standby' }, { role: 'standby' }]);
  const p = ok(planFor('promote', { cluster: c, status: s, failoverWaitsForCleanStop: false }, 'db1'));
  assert.ok(!ids(p).includes('detach-db2'), ids(p).join(','));
});

test('a failover script that reads a target file: promote and switchover write it instead of detaching any standby', () => {
  const c = cluster('15', '4.3');
  const file = '/etc/pgpool2/failover.target';
  for (const kind of ['promote', 'switchover'] as const) {
    const options = kind === 'promote' ? { fence: true } : {};
    const p = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: true, failoverTargetFile: file }, 'db2'));
    const order = ids(p);
    assert.ok(!order.some((id) => id === 'detach-db1'), `${kind}: no standby detached: ${order.join(',')}`);
    assert.ok(order.indexOf('failover-target') >= 0 && order.indexOf('failover-target') < order.indexOf('stop-db0'), `${kind}: ${order.join(',')}`);
    assert.ok(order.indexOf('pgpool-uses-db2') < order.indexOf('stop-db0'), kind);
    // The read-only check comes first (it may run alongside the wait for pgpool's scripts), the write after it.
    assert.ok(order.indexOf('pgpool-uses-db2') < order.indexOf('failover-target'), `${kind}: ${order.join(',')}`);
    const write = p.steps.find((s) => s.id === 'failover-target')!;
    assert.equal(write.action.kind, 'ssh');
    // "<target id> <old primary id>", renamed into place; every word through the quoting helper.
    assert.match(commandText(write.action), /mv -f -- "\$1\.\$\$" "\$1"' pgpool-cluster-failover-target \/etc\/pgpool2\/failover\.target 2 0$/);
    assert.deepEqual(p.warnings, [], kind);
    // A script that may promote during the clean stop, or a detached target: the detaches as before.
    const unsafe = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: false, failoverTargetFile: file }, 'db2'));
    assert.ok(!ids(unsafe).includes('failover-target') && ids(unsafe).includes('detach-db1'), kind);
    const detachedTarget = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby', pgpool: 'down' }]);
    const d = ok(planFor(kind, { cluster: c, status: detachedTarget, options, failoverWaitsForCleanStop: true, failoverTargetFile: file }, 'db2'));
    assert.ok(!ids(d).includes('failover-target') && ids(d).includes('detach-db1'), kind);
  }
});

test('promote of a standby when the primary is down needs no fencing and warns about a standby further ahead', () => {
  const c = cluster('15', '4.3');
  const s = status(c, [{ role: 'primary', reachable: false, pgpool: 'down' }, { role: 'standby', lsn: '0/5000000' }, { role: 'standby', lsn: '0/5001000' }]);
  const p = ok(planFor('promote', { cluster: c, status: s }, 'db1'));
  assert.ok(!ids(p).includes('stop-db0'));
  assert.match(p.warnings.join('\n'), /db2 has received 4\.0 kB more WAL than db1/);
});

test('re-pointing standbys: reload on 13+, restart on 12, recovery.conf + restart before 12', () => {
  const expect: Record<string, RegExp> = { '9.6': /recovery\.conf.*restart/s, '11': /recovery\.conf.*restart/s, '12': /ALTER SYSTEM.*restart/s, '15': /ALTER SYSTEM.*pg_reload_conf/s, '16': /ALTER SYSTEM.*pg_reload_conf/s };
  for (const pg of PG) {
    const c = cluster(pg, '4.3');
    const p = ok(planFor('switchover', { cluster: c, status: status(c, HEALTHY, pg) }, 'db1'));
    const db2 = texts(p).filter((t) => t.includes('db2') || /ALTER SYSTEM|pg_reload_conf/.test(t)).join('\n');
    assert.match(db2, expect[pg]!, pg);
  }
});

test('switchover: stop, checkpoint, replay check, then promote; old primary rejoins without rewind; 9.6 uses xlog names', () => {
  for (const pg of PG) {
    const c = cluster(pg, '4.3');
    const p = ok(planFor('switchover', { cluster: c, status: status(c, HEALTHY, pg) }, 'db1'));
    const order = ids(p);
    const at = (id: string): number => { const i = order.indexOf(id); assert.ok(i >= 0, `${id} in ${order.join(',')}`); return i; };
    assert.ok(at('caught-up') < at('stop-db0') && at('stop-db0') < at('controldata-db0') && at('controldata-db0') < at('replayed-db1')
      && at('replayed-db1') < at('no-other-primary') && at('no-other-primary') < at('promote-db1') && at('promote-db1') < at('detach-db0')
      && at('detach-db0') < at('pgpool-sees-primary') && at('pgpool-sees-primary') < at('start-db0') && at('start-db0') < at('attach-db0'));
    assert.ok(!order.some((x) => x.startsWith('rewind')));
    const caught = p.steps[0]!.check!;
    assert.equal(caught.kind, 'sql-true');
    if (caught.kind === 'sql-true') assert.match(caught.sql, pg === '9.6' ? /pg_xlog_location_diff\(pg_current_xlog_location\(\), replay_location\)/ : /pg_wal_lsn_diff\(pg_current_wal_lsn\(\), replay_lsn\)/);
    const config = texts(p).filter((t) => t.includes('/data/db0') && /standby|recovery|primary_conninfo/.test(t)).join('\n');
    if (pg === '9.6' || pg === '11') assert.match(config, /recovery\.conf.*standby_mode/s);
    else {
      assert.match(config, /standby\.signal/);
      // The standby's own ~/.pgpass on its host: no passfile= at all, never the workstation's database.passfile.
      assert.match(config, /primary_conninfo = '\\''host=10\.0\.0\.12 port=5432 user=repl application_name=db0'\\''/);
      assert.doesNotMatch(texts(p).join('\n'), /\/etc\/pgc\/pgpass/);
      assert.doesNotMatch(config, /standby_mode|trigger_file/);
    }
  }
});

test('switchover is refused without a live primary or to an unreachable node', () => {
  const c = cluster('15', '4.3');
  assert.equal(planFor('switchover', { cluster: c, status: status(c, [{ role: 'primary', reachable: false }, { role: 'standby' }, { role: 'standby' }]) }, 'db1').ok, false);
  assert.equal(planFor('switchover', { cluster: c, status: status(c, [{ role: 'primary' }, { role: 'standby', reachable: false }, { role: 'standby' }]) }, 'db1').ok, false);
  assert.equal(planFor('switchover', { cluster: c, status: status(c, HEALTHY) }, 'db0').ok, false);
});

test('recover: default method is rewind for the same system, basebackup otherwise; crash recovery step before 13', () => {
  for (const pg of PG) {
    const c = cluster(pg, '4.3');
    const s = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }], pg);
    const same = ok(planFor('recover', { cluster: c, status: s, facts: { nodeSystemId: '7', primarySystemId: '7' } }, 'db1'));
    assert.ok(ids(same).includes('rewind-db1'), pg);
    assert.equal(ids(same).includes('crash-recovery-db1'), pg === '9.6' || pg === '11' || pg === '12', pg);
    assert.match(texts(same).join('\n'), /^\/usr\/pgsql\/bin\/pg_rewind -D \/data\/db1 '--source-server=host=10\.0\.0\.11 port=5432 user=postgres dbname=postgres'$/m);
    assert.doesNotMatch([...texts(same), ...texts(ok(planFor('recover', { cluster: c, status: s, options: { method: 'basebackup' } }, 'db1')))].join('\n'), /\/etc\/pgc\/pgpass/);
    const other = ok(planFor('recover', { cluster: c, status: s, facts: { nodeSystemId: '8', primarySystemId: '7' } }, 'db1'));
    assert.ok(ids(other).includes('basebackup-db1') && ids(other).includes('move-aside-db1'));
    assert.ok(!texts(other).some((t) => /\brm -rf\b/.test(t)), 'never deletes the old data directory');
    const pcp = ok(planFor('recover', { cluster: c, status: s, options: { method: 'pcp' } }, 'db1'));
    assert.match(texts(pcp).join('\n'), /pcp_recovery_node -n 1$/m);
  }
});

test('recover refuses a healthy standby and the live primary', () => {
  const c = cluster('15', '4.3');
  assert.equal(planFor('recover', { cluster: c, status: status(c, HEALTHY) }, 'db1').ok, false);
  assert.equal(planFor('recover', { cluster: c, status: status(c, HEALTHY) }, 'db0').ok, false);
});

test('attach refuses a false primary; detach of the primary is destructive', () => {
  const c = cluster('15', '4.7');
  const s = status(c, [{ role: 'primary' }, { role: 'primary', pgpool: 'down' }, { role: 'standby' }]);
  assert.equal(planFor('attach', { cluster: c, status: s }, 'db1').ok, false);
  const d = ok(planFor('detach', { cluster: c, status: status(c, HEALTHY) }, 'db0'));
  assert.equal(d.destructive, true);
  assert.match(commandText(d.steps[0]!.action, pcpEndpoint(c)), /^env PCPPASSFILE=\/etc\/pgc\/pcppass timeout -k 5 10 \/usr\/sbin\/pcp_detach_node -h 10\.0\.0\.10 -p 9898 -U pcpadmin -w -n 0$/);
  assert.equal(ok(planFor('detach', { cluster: c, status: status(c, HEALTHY) }, 'db2')).destructive, false);
});

test('hostile names and paths only ever appear quoted', () => {
  const evil = "/data/x'; touch /tmp/pwned; echo '$(id)`id`";
  const c = cluster('15', '4.3', [{}, { name: 'db1;reboot', dataDirectory: evil }, {}]);
  const s = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]);
  for (const method of ['rewind', 'basebackup'] as const) {
    const p = ok(planFor('recover', { cluster: c, status: s, options: { method } }, 'db1;reboot'));
    for (const step of p.steps) {
      if (step.action.kind !== 'ssh') continue;
      for (const word of step.action.argv) {
        if (!word.includes('touch')) continue;
        const t = commandText(step.action);
        // The whole word, quoted: its single quotes are closed-escaped-reopened, never bare.
        assert.ok(t.includes(`'${word.replace(/'/g, `'\\''`)}'`), t);
      }
    }
    assert.match(renderPlan(p), /db1;reboot/);
  }
});

test('renderPlan lists every step with where, what and why', () => {
  const c = cluster('16', '4.7');
  const p = ok(planFor('switchover', { cluster: c, status: status(c, HEALTHY, '16') }, 'db2'));
  const text = renderPlan(p);
  assert.match(text, /# switchover db2 on cluster c1 {3}\[DESTRUCTIVE\]/);
  for (const s of p.steps) assert.ok(text.includes(s.title), s.title);
  assert.match(text, /Verify at the end:/);
});

test('the installed failover_command script is read from pgpool.conf and recognised by its marker', async () => {
  const c = cluster('15', '4.3');
  const files: Record<string, string> = {
    '/etc/pgpool2/pgpool.conf': "failover_command = '/etc/pgpool2/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'\nsr_check_user = 'pgpool'\nsr_check_period = 5\n",
    '/etc/pgpool2/failover.sh': `#!/bin/bash\n${CLEAN_STOP_MARKER}: ...\n`,
  };
  const env = {
    nodes: [], sql: () => { throw new Error('no sql'); }, pcp: async () => '', pgpoolNode: async () => { throw new Error('no pcp'); }, close: async () => undefined,
    remote: () => ({
      label: 'fake', exec: async () => ({ code: 0, signal: null, stdout: '', stderr: '' }), writeFile: async () => undefined,
      readFile: async (p: string) => { if (files[p] === undefined) throw new Error(`No such file: ${p}`); return Buffer.from(files[p]); },
    }),
  } as unknown as OpsEnvironment;
  assert.equal(await failoverWaitsForCleanStop(c, env), true);
  files['/etc/pgpool2/failover.sh'] = '#!/bin/bash\npg_promote\n';
  assert.equal(await failoverWaitsForCleanStop(c, env), false);
  files['/etc/pgpool2/failover.sh'] = `#!/bin/bash\n${CLEAN_STOP_MARKER}: ...\n${TARGET_FILE_MARKER}: /etc/pgpool2/failover.target\nTARGET_FILE=x\n`;
  const srCheck = { user: 'pgpool', periodS: 5 };
  assert.deepEqual(await failoverFacts(c, env), { srCheck, waitsForCleanStop: true, script: '/etc/pgpool2/failover.sh', targetFile: '/etc/pgpool2/failover.target' });
  delete files['/etc/pgpool2/failover.sh'];
  assert.equal(await failoverWaitsForCleanStop(c, env), undefined);
  // What pgpool.conf says of its replication check stays known without the script.
  assert.deepEqual(await failoverFacts(c, env), { srCheck });
});

test('steps run alongside the next only when both change nothing: the pre-stop checks and the post-stop reads of promote and switchover', () => {
  const c = cluster('15', '4.3');
  const file = '/etc/pgpool2/failover.target';
  const readOnly = (s: Plan['steps'][number]): boolean => !s.destructive && (s.action.kind === 'wait' || s.action.kind === 'sql');
  for (const kind of ['promote', 'switchover'] as const) {
    const options = kind === 'promote' ? { fence: true } : {};
    for (const target of [{ failoverWaitsForCleanStop: true, failoverTargetFile: file }, { failoverWaitsForCleanStop: false }]) {
      const p = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, ...target }, 'db2'));
      p.steps.forEach((s, i) => {
        if (!s.alongsideNext) return;
        const next = p.steps[i + 1]!;
        assert.ok(readOnly(s) && readOnly(next), `${kind}: ${s.id} alongside ${next.id}`);
      });
      const together = p.steps.filter((s) => s.alongsideNext).map((s) => s.id);
      assert.ok(together.includes('received-db2'), `${kind}: ${together.join(',')}`);
      if (kind === 'switchover' && target.failoverTargetFile) assert.ok(together.includes('caught-up'), together.join(','));
      // With the detaches (no target file) the switchover's check is not alongside a detach.
      if (kind === 'switchover' && !target.failoverTargetFile) assert.ok(!together.includes('caught-up'), together.join(','));
    }
  }
});

test('switchover with a failover target file: a failure after the stop and before the promotion undoes it, guards first', () => {
  const c = cluster('15', '4.3');
  const file = '/etc/pgpool2/failover.target';
  const input = { cluster: c, status: status(c, HEALTHY), failoverWaitsForCleanStop: true, failoverTargetFile: file, failoverScript: '/etc/pgpool2/failover.sh' };
  const p = ok(planFor('switchover', input, 'db1'));
  const withUndo = p.steps.filter((s) => s.undo).map((s) => s.id);
  assert.deepEqual(withUndo, ['controldata-db0', 'replayed-db1', 'received-db1', 'no-other-primary']);
  // Never once the promotion was asked for (it may still finish), nor before the stop.
  for (const id of ['stop-db0', 'promote-db1', 'failover-target']) assert.equal(p.steps.find((s) => s.id === id)!.undo, undefined, id);
  const undo = p.steps.find((s) => s.id === 'replayed-db1')!.undo!;
  assert.deepEqual(undo.steps.map((s) => s.id), ['failover-target-guard', 'failover-idle', 'undo-standby-db1', 'undo-standby-db2', 'restart-db0', 'attach-db0', 'undo-pgpool-sees-primary', 'failover-target-remove']);
  const [guard, idle, db1, db2, restart] = undo.steps;
  // The file names the old primary for both: pgpool's failover for db0 can then promote no other node.
  assert.match(commandText(guard!.action), /pgpool-cluster-failover-target \/etc\/pgpool2\/failover\.target 0 0$/);
  // The wait the preflight uses: a process whose argv names the script exactly; here bounded by the script's own limits.
  assert.deepEqual(idle!.action.kind === 'ssh' ? idle!.action.argv : [], waitScriptsIdleArgv(['/etc/pgpool2/failover.sh'], 150));
  // Every other node must answer as a standby: one that does not answer might be a primary.
  for (const [u, n] of [[db1, 'db1'], [db2, 'db2']] as const) assert.deepEqual(u!.check?.kind === 'sql-true' ? [u!.check.node, u!.check.sql] : [], [n, 'SELECT pg_is_in_recovery() AS ok']);
  assert.deepEqual(restart!.check?.kind === 'sql-true' ? [restart!.check.node, restart!.check.sql] : [], ['db0', 'SELECT NOT pg_is_in_recovery() AS ok']);
  assert.match(undo.done, /db0 runs again as the primary.*db1 was not promoted/);
  assert.match(renderPlan(p), /undo: {2}if steps \d+-\d+ fail\(s\): \(1\) Tell pgpool's failover script to promote no node other than db0/);
  assert.match(p.steps.find((s) => s.id === 'promote-db1')!.onFailure, /may still finish, so nothing was undone.*pgpool-cluster status/);
  // pgpool may detach the new primary (a health check timing out during its promotion): attached again, not left without a primary.
  const sees = p.steps.find((s) => s.id === 'pgpool-sees-primary')!;
  assert.equal(sees.retry && commandText(sees.retry.action), 'pcp_attach_node -n 1');
  assert.equal(sees.retry?.check?.kind === 'pgpool-node' && sees.retry.check.role, 'primary');
});

test('switchover without a target file has no undo: the message says not to start the old primary blindly and what to run', () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('switchover', { cluster: c, status: status(c, HEALTHY), failoverWaitsForCleanStop: true }, 'db1'));
  assert.ok(p.steps.every((s) => !s.undo));
  const msg = p.steps.find((s) => s.id === 'replayed-db1')!.onFailure;
  assert.match(msg, /db0 is stopped and db1 has not replayed all of its WAL, so it was not promoted\. Do not start db0 while pgpool's failover may still promote db1: run "pgpool-cluster status" first/);
  assert.match(msg, /if no node is, start db0 \(pg_ctl start\) and "pgpool-cluster attach db0"/);
});

test('a standby\'s restart onto the new primary counts as done once it streams from it, even when pgpool\'s follow_primary stopped it meanwhile', () => {
  let restarts = 0;
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = cluster(pg, pgpool);
    const p = ok(planFor('promote', { cluster: c, status: status(c, HEALTHY, pg), options: { fence: true }, failoverWaitsForCleanStop: true }, 'db2'));
    for (const s of p.steps.filter((x) => /^restart-/.test(x.id))) {
      restarts++;
      assert.equal(s.tolerateFailureIfCheckPasses, true, `${pg}/${pgpool} ${s.id}`);
      assert.match(s.check?.describe ?? '', /streams/, `${pg}/${pgpool} ${s.id}: its check is the streaming`);
    }
  }
  assert.ok(restarts > 0, 'the versions without reload-on-primary_conninfo restart the other standby');
});

test("a primary's stop waits first until pgpool's replication check is not connected to it (switchover, fenced promote)", () => {
  const c = cluster('15', '4.3');
  const sr = { user: 'pgpool', periodS: 10 };
  for (const [kind, options] of [['switchover', {}], ['promote', { fence: true }]] as const) {
    const p = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: true, pgpoolSrCheck: sr }, 'db1'));
    const order = ids(p);
    assert.equal(order.indexOf('sr-check-idle-db0'), order.indexOf('stop-db0') - 1, `${kind}: right before the stop: ${order.join(',')}`);
    const step = p.steps.find((s) => s.id === 'sr-check-idle-db0')!;
    assert.equal(step.optional, true, 'never stops the plan');
    assert.equal(step.destructive, false);
    assert.ok(step.check?.kind === 'sql-true' && step.check.node === 'db0' && step.check.params?.[0] === 'pgpool', JSON.stringify(step.check));
    assert.match(step.why, /sleep 10 s \(sr_check_period\)/);
    // Without the facts (pgpool.conf not read) or when the check logs in as our own user, there is no such step.
    const without = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: true }, 'db1'));
    assert.ok(!ids(without).some((id) => id.startsWith('sr-check-idle')), kind);
    const same = ok(planFor(kind, { cluster: c, status: status(c, HEALTHY), options, failoverWaitsForCleanStop: true, pgpoolSrCheck: { user: c.database.user ?? 'postgres', periodS: 10 } }, 'db1'));
    assert.ok(!ids(same).some((id) => id.startsWith('sr-check-idle')), `${kind}: same user`);
  }
});

test("pgpool's sr_check facts come from pgpool.conf, with pgpool's defaults, and none when the check is off", async () => {
  const { srCheckOf } = await import('../../../src/core/ops/handover/pgpoolScriptFacts');
  assert.deepEqual(srCheckOf(new Map([['sr_check_user', 'pgpool'], ['sr_check_period', '5']])), { user: 'pgpool', periodS: 5 });
  assert.deepEqual(srCheckOf(new Map([['backend_hostname0', 'a']])), { user: 'nobody', periodS: 10 });
  assert.equal(srCheckOf(new Map([['sr_check_user', 'pgpool'], ['sr_check_period', '0']])), undefined);
  assert.equal(srCheckOf(new Map()), undefined, 'pgpool.conf not read');
});

test("recover detaches first when pgpool's view of the node is unknown (a failover for its crash may be pending), optionally; never when pgpool lists it down", () => {
  const c = cluster('15', '4.3');
  const crashed = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false }, { role: 'standby' }]);
  const unknown = { ...crashed, nodes: crashed.nodes.map((n) => (n.name === 'db1' ? (({ pgpool: _p, ...rest }) => rest)(n) : n)) };
  const p = ok(planFor('recover', { cluster: c, status: unknown as typeof crashed, options: { method: 'restart' } }, 'db1'));
  const order = ids(p);
  const detach = p.steps.find((s) => s.id === 'detach-db1');
  assert.ok(detach, order.join(','));
  assert.equal(detach.optional, true, 'pgpool down must not stop the rebuild');
  assert.ok(detach.check?.kind === 'pgpool-node' && detach.check.status?.[0] === 'down' && detach.check.waitMs === 5000, JSON.stringify(detach.check));
  assert.ok(order.indexOf('detach-db1') < order.indexOf('stop-db1') && order.indexOf('attach-db1') > order.indexOf('start-db1'), order.join(','));
  // pgpool lists it down already: nothing to detach; it lists it up: the detach is required (not optional).
  const down = ok(planFor('recover', { cluster: c, status: status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]), options: { method: 'restart' } }, 'db1'));
  assert.ok(!ids(down).includes('detach-db1'));
  const up = ok(planFor('recover', { cluster: c, status: crashed, options: { method: 'restart' } }, 'db1'));
  assert.equal(up.steps.find((s) => s.id === 'detach-db1')?.optional, undefined);
});
