import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { commandText, type Plan, type PlanResult } from '../../../src/core/ops/engine/plan';
import { runPlan } from '../../../src/core/ops/engine/runner';
import type { ExecResult, RemoteHost } from '../../../src/core/remote/types';
import { cluster, status, planFor } from './fixtures';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTLE_AS_STANDBY, SETTLE_AS_STANDBY_RECOVERY_CONF } from '../../../src/core/ops/recover/recover';

const ok = (r: PlanResult): Plan => { assert.ok(r.ok, r.ok ? '' : r.reason); return r.plan; };
const ids = (p: Plan): string[] => p.steps.map((s) => s.id);
const down = [{ role: 'primary' as const }, { role: 'standby' as const, reachable: false, pgpool: 'down' as const }, { role: 'standby' as const }];
const standbyFacts = { nodeSystemId: '7', primarySystemId: '7', nodeState: 'in archive recovery', nodeTimeline: 2, nodeLsn: '0/3000000', primaryTimeline: 2, primaryLsn: '0/4000000' };

test('recover default: restart for a standby on the primary\'s timeline, rewind for a former primary, copy when the tools are older', () => {
  const c = cluster('15', '4.3');
  const s = status(c, down);
  const restart = ok(planFor('recover', { cluster: c, status: s, facts: standbyFacts }, 'db1'));
  assert.match(restart.summary, /by restart/);
  assert.ok(!ids(restart).some((i) => /rewind|basebackup|copy/.test(i)), ids(restart).join());
  assert.deepEqual(ids(restart).slice(0, 2), ['reach-db1', 'stop-db1']);
  assert.ok(ids(restart).includes('start-db1') && ids(restart).includes('attach-db1'));
  for (const facts of [{ ...standbyFacts, nodeState: 'in production' }, { ...standbyFacts, nodeTimeline: 1 }, { ...standbyFacts, nodeLsn: '0/5000000' }]) {
    const p = ok(planFor('recover', { cluster: c, status: s, facts }, 'db1'));
    assert.ok(ids(p).includes('rewind-db1') && ids(p).includes('settle-db1'), JSON.stringify(facts));
  }
  const c17 = cluster('17', '4.3');
  const p17 = ok(planFor('recover', { cluster: c17, status: status(c17, down, '17'), facts: { ...standbyFacts, nodeState: 'in production', clientMajor: '15' } }, 'db1'));
  assert.match(p17.summary, /by copy/);
  const none = ok(planFor('recover', { cluster: c17, status: status(c17, down, '17'), facts: { primarySystemId: '7', clientMajor: '15' } }, 'db1'));
  assert.match(none.summary, /by copy .*no usable data directory/);
  // pg_rewind works within one major version only: a former primary on 11 with 15's tools gets a base backup.
  const c11 = cluster('11', '4.3');
  const p11 = ok(planFor('recover', { cluster: c11, status: status(c11, down, '11'), facts: { ...standbyFacts, nodeState: 'in production', clientMajor: '15' } }, 'db1'));
  assert.match(p11.summary, /by basebackup/);
  assert.ok(!ids(p11).includes('rewind-db1'), ids(p11).join());
});

test('recover --method copy: backup API in one session around an rsync pulled over ssh.hostToHost', () => {
  for (const [pg, start, stop] of [['15', /pg_backup_start\(\$1, true\)/, /pg_backup_stop\(true\)/], ['11', /pg_start_backup\(\$1, true, false\)/, /pg_stop_backup\(false, true\)/]] as const) {
    const c = cluster(pg, '4.3');
    const withH2h = { ...c, nodes: c.nodes.map((n) => ({ ...n, ssh: { ...n.ssh, user: 'postgres', port: 2222, hostToHost: { identityFile: '/var/lib/pg/.ssh/id', knownHostsFile: '/var/lib/pg/.ssh/kh' } } })) };
    const p = ok(planFor('recover', { cluster: withH2h, status: status(withH2h, down, pg), options: { method: 'copy' } }, 'db1'));
    const copy = p.steps.find((x) => x.id === 'copy-db1')!;
    const text = commandText(copy.action);
    assert.match(text, start);
    assert.match(text, stop);
    assert.match(text, /rsync -a --delete --ignore-times --block-size=8192 --protect-args -e 'ssh -p 2222 -i \/var\/lib\/pg\/.ssh\/id -o UserKnownHostsFile=\/var\/lib\/pg\/.ssh\/kh -o StrictHostKeyChecking=yes -o BatchMode=yes'/);
    for (const x of ['postmaster.pid', 'postmaster.opts', 'pg_wal/\\*', 'pg_replslot/\\*', 'standby.signal', 'recovery.conf', 'backup_label']) assert.match(text, new RegExp(`--exclude=${x}`));
    assert.match(text, /postgres@10\.0\.0\.11:\/data\/db0\/ \/data\/db1\//);
    assert.ok(ids(p).indexOf('prepare-copy-db1') < ids(p).indexOf('copy-db1') && ids(p).indexOf('copy-db1') < ids(p).indexOf('start-db1'));
  }
});

test('the copy action holds one session: start, rsync on the target, stop, backup_label written from the result', async () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('recover', { cluster: c, status: status(c, down), options: { method: 'copy' } }, 'db1'));
  const plan = { ...p, steps: p.steps.filter((s) => s.id === 'copy-db1'), verify: [] };
  const log: string[] = [];
  const result = (code: number, stdout = ''): ExecResult => ({ code, signal: null, stdout, stderr: '' });
  const host = (name: string): RemoteHost => ({
    label: name,
    exec: async (cmd, o) => { log.push(`${name}: ${Array.isArray(cmd) ? (cmd as string[])[0] : 'script'}${o?.stdin ? ` <${String(o.stdin)}` : ''}`); return result(0); },
  } as RemoteHost);
  let sessions = 0;
  const env: OpsEnvironment = {
    nodes: ['db0', 'db1', 'db2'], remote: host,
    sql: () => { throw new Error('the shared client must not be used'); },
    session: (n) => {
      const id = ++sessions;
      return { label: n, close: async () => { log.push(`close ${id}`); }, query: async (q: string) => { log.push(`sql ${id}: ${q.split(' ')[1]}`); return [{ labelfile: 'START WAL LOCATION: 0/2000028', spcmapfile: '' }] as never; } };
    },
    pcp: async () => '', pgpoolNode: async () => { throw new Error('unused'); }, close: async () => undefined,
  };
  const out = await runPlan(plan, env);
  assert.ok(out.ok, out.message);
  assert.deepEqual(log, ['sql 1: pg_backup_start($1,', 'db1: rsync', 'sql 1: labelfile,', 'db1: sh <START WAL LOCATION: 0/2000028', 'close 1']);
});

test('ssh.hostToHost is parsed with absolute remote paths and validated', () => {
  const base = (h2h: string): string => `version: 1\nclusters:\n  - name: c\n    ssh:\n      user: postgres\n      hostToHost:\n${h2h}\n    pgpool:\n      - host: 10.0.0.1\n    nodes:\n      - host: 10.0.0.2\n        dataDirectory: /d\n`;
  const good = parseClusterFile(base('        identityFile: /var/lib/postgresql/.ssh/id_ed25519\n        knownHostsFile: /var/lib/postgresql/.ssh/known_hosts\n        port: 2222'), { baseDir: '/elsewhere' });
  assert.ok(good.ok);
  assert.deepEqual(good.value.clusters[0]?.nodes[0]?.ssh.hostToHost, { port: 2222, identityFile: '/var/lib/postgresql/.ssh/id_ed25519', knownHostsFile: '/var/lib/postgresql/.ssh/known_hosts' });
  const bad = parseClusterFile(base('        identityFile: id_ed25519\n        colour: blue'));
  assert.ok(!bad.ok);
  assert.ok(bad.errors.some((e) => /absolute path/.test(e.message)));
  assert.ok(bad.errors.some((e) => /colour/.test(e.message)), bad.errors.map((e) => e.message).join('; '));
});

test('the copy method\'s rsync moves a primary data directory whose path has spaces and shell metacharacters, running nothing', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const { copySteps } = await import('../../../src/core/ops/recover/recoverCopy');
  const root = mkdtempSync(join(tmpdir(), 'rsync-protect-'));
  const marker = join(root, 'INJECTED');
  const src = join(root, `primary data $(touch ${marker}) \`touch ${marker}\` ;touch ${marker}; *`);
  mkdirSync(join(src, 'base'), { recursive: true });
  writeFileSync(join(src, 'base', 'page'), 'page bytes');
  writeFileSync(join(src, 'postmaster.pid'), 'excluded');
  // An "ssh" that behaves like sshd: the command line it is given is parsed by the remote login shell.
  const fakeSsh = join(root, 'fakessh');
  writeFileSync(fakeSsh, '#!/bin/sh\nshift\nexec /bin/sh -c "$*"\n');
  chmodSync(fakeSsh, 0o755);
  const c = cluster('15', '4.3', [{ dataDirectory: src }, { dataDirectory: join(root, 'target dir') }]);
  const copy = copySteps(c, c.nodes[1]!, c.nodes[0]!, { postgres: '15', pgpool: '4.3' })[1]!;
  assert.equal(copy.action.kind, 'backup-copy');
  const argv = copy.action.kind === 'backup-copy' ? [...copy.action.rsync] : [];
  argv[argv.indexOf('-e') + 1] = fakeSsh;
  // RSYNC_OLD_ARGS: behave like an rsync older than 3.2.4, which hands the remote path to the remote shell as is.
  execFileSync(argv[0]!, argv.slice(1), { env: { ...process.env, RSYNC_OLD_ARGS: '1' }, stdio: 'pipe' });
  assert.equal(readFileSync(join(root, 'target dir', 'base', 'page'), 'utf8'), 'page bytes');
  assert.ok(!existsSync(join(root, 'target dir', 'postmaster.pid')), 'excludes still apply');
  assert.ok(!existsSync(marker), 'the remote shell ran part of the path');
});

// The settle step's scripts run here in a real sh against a stand-in pg_ctl that records what the server would have been given.
const FAKE_PG_CTL = `#!/bin/sh
D=; prev=; for a; do [ "$prev" = -D ] && D=$a; prev=$a; done
printf '%s\\n' "$*" >> "$D/pg_ctl.calls"
case "$*" in *" start"*) [ -e "$D/recovery.conf" ] && cp "$D/recovery.conf" "$D/seen.conf"; exit "\${FAKE_START_RC:-0}";; esac
exit 0
`;

const settleDirs: string[] = [];
after(() => { for (const d of settleDirs) rmSync(d, { recursive: true, force: true }); });

function runSettle(script: string, files: Record<string, string>, startRc = 0, minRecoveryTimeline = 0): { code: number | null; dir: string; calls: string[]; read: (f: string) => string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-settle-'));
  settleDirs.push(dir);
  const pgCtl = join(dir, 'pg_ctl');
  writeFileSync(pgCtl, FAKE_PG_CTL, { mode: 0o755 });
  const controldata = join(dir, 'pg_controldata');
  writeFileSync(controldata, `#!/bin/sh\nprintf '%s\\n' "Database cluster state:               in archive recovery" "Min recovery ending loc's timeline:   ${minRecoveryTimeline}"\n`, { mode: 0o755 });
  const data = join(dir, 'data');
  mkdirSync(data);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(data, f), text);
  const r = spawnSync('sh', ['-c', script, '_', data, pgCtl, controldata], { encoding: 'utf8', env: { ...process.env, FAKE_START_RC: String(startRc) } });
  const read = (f: string): string | undefined => (existsSync(join(data, f)) ? readFileSync(join(data, f), 'utf8') : undefined);
  return { code: r.status, dir, calls: (read('pg_ctl.calls') ?? '').trim().split('\n').filter(Boolean), read };
}

test('recover\'s settle step (a crashed standby before pg_rewind) replays only its own timeline, without streaming, on 12+ and before', () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('recover', { cluster: c, status: status(c, down), facts: { ...standbyFacts, nodeTimeline: 1, nodeLsn: '0/5000000' } }, 'db1'));
  const settle = p.steps.find((s) => s.id === 'settle-db1')!;
  assert.ok(ids(p).indexOf('settle-db1') < ids(p).indexOf('rewind-db1'));
  assert.ok(settle.action.kind === 'ssh' && settle.action.argv.includes(SETTLE_AS_STANDBY), commandText(settle.action));
  const c11 = cluster('11', '4.3');
  const p11 = ok(planFor('recover', { cluster: c11, status: status(c11, down, '11'), facts: { ...standbyFacts, nodeTimeline: 1, nodeLsn: '0/5000000', clientMajor: '11' } }, 'db1'));
  const settle11 = p11.steps.find((s) => s.id === 'settle-db1')!;
  assert.ok(settle11.action.kind === 'ssh' && settle11.action.argv.includes(SETTLE_AS_STANDBY_RECOVERY_CONF), commandText(settle11.action));

  // 12+: the timeline and the (absent) primary come on the command line, which outranks postgresql.auto.conf.
  const s15 = runSettle(SETTLE_AS_STANDBY, { 'postgresql.auto.conf': "primary_conninfo = 'host=new'\n" });
  assert.equal(s15.code, 0);
  assert.equal(s15.calls.length, 2, s15.calls.join('\n'));
  assert.match(s15.calls[0]!, / -o -c recovery_target_timeline=current -c primary_conninfo= -w -t 60 start$/);
  assert.match(s15.calls[1]!, /-m fast -w -t 60 stop$/);
  assert.equal(s15.read('standby.signal'), '');
  assert.equal(s15.read('postgresql.auto.conf'), "primary_conninfo = 'host=new'\n", 'nothing else in the data directory changes');
  // A standby that crossed into a newer timeline before its next restartpoint is replayed up to its minimum recovery point there.
  assert.match(runSettle(SETTLE_AS_STANDBY, {}, 0, 3).calls[0]!, / -o -c recovery_target_timeline=3 -c primary_conninfo= -w/);
  const failed = runSettle(SETTLE_AS_STANDBY, {}, 1);
  assert.equal(failed.code, 1, 'a failed start fails the step');
  assert.equal(failed.calls.length, 1, 'and does not try to stop');

  // Before 12: recovery.conf without primary_conninfo / recovery_target_timeline for the settle, the original back afterwards, also when the start fails.
  const conf = "standby_mode = 'on'\nprimary_conninfo = 'host=new user=r'\n  recovery_target_timeline = 'latest'\nrestore_command = 'cp /a/%f %p'\n";
  for (const rc of [0, 1]) {
    const s11 = runSettle(SETTLE_AS_STANDBY_RECOVERY_CONF, { 'recovery.conf': conf }, rc);
    assert.equal(s11.code, rc);
    assert.equal(s11.read('seen.conf'), "standby_mode = 'on'\nrestore_command = 'cp /a/%f %p'\n");
    assert.equal(s11.read('recovery.conf'), conf);
    assert.equal(s11.read('recovery.conf.pgpool-cluster-settle'), undefined);
    assert.equal(s11.calls.length, rc === 0 ? 2 : 1);
  }
  assert.equal(runSettle(SETTLE_AS_STANDBY_RECOVERY_CONF, { 'recovery.conf': conf }, 0, 3).read('seen.conf'), "standby_mode = 'on'\nrestore_command = 'cp /a/%f %p'\nrecovery_target_timeline = '3'\n");
  const none = runSettle(SETTLE_AS_STANDBY_RECOVERY_CONF, {});
  assert.equal(none.code, 0);
  assert.deepEqual(none.calls, [], 'no recovery.conf: not a standby, nothing started');
});
