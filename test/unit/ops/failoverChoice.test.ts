/*
 * The generated failover.sh run for real (bash), with a stand-in psql that answers from files: which node it
 * promotes with and without the operator's target file, and when it refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectionProfiles, failoverTargetFileOf, failoverTargetPath, generateScripts, TARGET_FILE_MARKER, type PgpoolConfigInput } from '../../../src/core/ops/setup/pgpoolConfig';

/** psql stand-in: `-c` (the position query) prints FAKE/<host>.pos; stdin SQL: pg_promote is recorded and prints FAKE/<host>.promote or t, pg_is_in_recovery prints FAKE/<host>.rec or t. */
const FAKE_PSQL = `#!/bin/bash
host= cmd=
while [ $# -gt 0 ]; do case "$1" in -h) host=$2; shift ;; -c) cmd=$2; shift ;; esac; shift; done
if [ -n "$cmd" ]; then [ -f "$FAKE/$host.pos" ] || exit 2; cat "$FAKE/$host.pos"; exit 0; fi
sql=$(cat)
case "$sql" in
  *pg_promote*) echo "$host" >> "$FAKE/promoted"; cat "$FAKE/$host.promote" 2>/dev/null || echo t ;;
  *pg_is_in_recovery*) cat "$FAKE/$host.rec" 2>/dev/null || echo t ;;
esac
`;

interface Run { code: number; promoted: string[]; log: string; targetLeft: boolean }

function setup(maxLag?: number): { dir: string; input: PgpoolConfigInput; script: string } {
  const dir = mkdtempSync(join(tmpdir(), 'failover-choice-'));
  for (const d of ['bin', 'etc', 'log', 'fake']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'bin', 'psql'), FAKE_PSQL);
  chmodSync(join(dir, 'bin', 'psql'), 0o755);
  const input: PgpoolConfigInput = {
    pgpoolVersion: '4.3', postgresMajor: 15, listenAddresses: '*', port: 9999, pcpListenAddresses: '*', pcpPort: 9898,
    socketDir: '/var/run/postgresql', pidFile: '/var/run/pgpool/pgpool.pid', workDir: join(dir, 'log'),
    backends: [0, 1, 2].map((id) => ({ id, host: `db${id}.test`, port: 5432, dataDirectory: `/data/pg ${id}`, applicationName: `db${id}` })),
    healthCheckUser: 'pgpool', srCheckUser: 'pgpool', recoveryUser: 'postgres', replicationUser: 'repl', superuser: 'postgres',
    profile: detectionProfiles.fast, scriptsDir: join(dir, 'etc'), ssh: { user: 'postgres', port: 22 },
    pcp: { host: 'localhost', user: 'pcpadmin', passFile: '/nonexistent/.pcppass', binDir: '/usr/sbin' },
    pgBinDir: join(dir, 'bin'), ...(maxLag !== undefined ? { failoverMaxLagBytes: maxLag } : {}),
  };
  const script = generateScripts(input)[0]!.content;
  writeFileSync(join(dir, 'etc', 'failover.sh'), script);
  return { dir, input, script };
}

/** pgpool's call after node `failed` (the primary, 0 unless said) went down, naming `proposed` as the new main node. */
function failover(dir: string, proposed: number, failed = 0, oldPrimary = 0): Run {
  // The failed host is a closed local port: no clean shutdown to wait for.
  const args = [String(failed), '127.0.0.1', '1', '/data/pg 0', String(proposed), `db${proposed}.test`, '0', String(oldPrimary), '5432', `/data/pg ${proposed}`, 'db0.test', '5432'];
  const r = spawnSync('bash', [join(dir, 'etc', 'failover.sh'), ...args], { encoding: 'utf8', env: { ...process.env, FAKE: join(dir, 'fake') }, timeout: 20_000 });
  const promotedFile = join(dir, 'fake', 'promoted');
  return {
    code: r.status ?? -1, log: r.stderr,
    promoted: existsSync(promotedFile) ? readFileSync(promotedFile, 'utf8').trim().split('\n') : [],
    targetLeft: existsSync(join(dir, 'etc', 'failover.target')),
  };
}

const script = (dir: string): string => readFileSync(join(dir, 'etc', 'failover.sh'), 'utf8');

/** A standby's answer to the position query: in recovery, received bytes, the primary's last reported end. */
const standby = (dir: string, host: string, received: number, primaryEnd = -1): void =>
  writeFileSync(join(dir, 'fake', `${host}.pos`), `t|${received}|${primaryEnd}|0/${received.toString(16).toUpperCase()}\n`);

test('the script names its target file on the marker line; older scripts have none', () => {
  const { input, script } = setup();
  assert.equal(failoverTargetFileOf(script), failoverTargetPath(input.scriptsDir));
  assert.equal(failoverTargetPath('/etc/pgpool2/'), '/etc/pgpool2/failover.target');
  assert.equal(failoverTargetFileOf(script.replace(TARGET_FILE_MARKER, '# something else')), undefined);
});

test('with the operator\'s target file, that node is promoted whatever pgpool proposed, and the file is removed', () => {
  const { dir } = setup();
  standby(dir, 'db1.test', 900); standby(dir, 'db2.test', 100);
  writeFileSync(join(dir, 'etc', 'failover.target'), '2 0\n');
  const r = failover(dir, 1);
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(r.promoted, ['db2.test']);
  assert.equal(r.targetLeft, false);
  assert.match(r.log, /promoting node 2 .*the operator chose/);
  // The line the History reads: "YYYY-MM-DD HH:MM:SS.mmm failover.sh: ..." (bash's clock and $0, no date or basename
  // process; milliseconds from EPOCHREALTIME, which the bash running these tests has).
  assert.match(r.log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} failover\.sh: promoting node 2 /m);
  const logFunction = /^log\(\) \{\n[\s\S]*?\n\}$/m.exec(script(dir))?.[0] ?? '';
  assert.match(logFunction, /EPOCHREALTIME/);
  assert.doesNotMatch(logFunction, /\$\((date|basename) /);
});

test('a target node that is already the primary (promoted by the operation) is not promoted again', () => {
  const { dir } = setup();
  writeFileSync(join(dir, 'fake', 'db2.test.rec'), 'f\n');
  writeFileSync(join(dir, 'etc', 'failover.target'), '2 0\n');
  const r = failover(dir, 1);
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(r.promoted, []);
  assert.match(r.log, /node 2 is already the primary/);
});

test('a stale target file, or one written for another node\'s failover, is ignored and removed', () => {
  for (const [content, old] of [['2 0\n', true], ['2 1\n', false]] as const) {
    const { dir } = setup();
    standby(dir, 'db1.test', 500); standby(dir, 'db2.test', 100);
    const file = join(dir, 'etc', 'failover.target');
    writeFileSync(file, content);
    if (old) utimesSync(file, new Date(Date.now() - 600_000), new Date(Date.now() - 600_000));
    const r = failover(dir, 2);
    assert.equal(r.code, 0, r.log);
    assert.deepEqual(r.promoted, ['db1.test'], 'the automatic choice: the most advanced standby');
    assert.equal(r.targetLeft, false);
    assert.match(r.log, old ? /ignoring .*written \d+ s ago/ : /ignoring .*failover of node 1/);
  }
});

test('without a target file the standby that received the most WAL is promoted, not pgpool\'s lowest-numbered one', () => {
  const { dir } = setup();
  standby(dir, 'db1.test', 1000); standby(dir, 'db2.test', 5000);
  const r = failover(dir, 1);
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(r.promoted, ['db2.test']);
  assert.match(r.log, /chose node 2 \(db2\.test:5432\) to promote: it received the most WAL \(0\/1388\) of the 2 standby\(s\) that answered; pgpool proposed node 1/);
});

test('on a tie pgpool\'s proposal wins; a standby that does not answer is not a candidate', () => {
  const { dir } = setup();
  standby(dir, 'db1.test', 3000); standby(dir, 'db2.test', 3000);
  assert.deepEqual(failover(dir, 2).promoted, ['db2.test']);
  const second = setup();
  standby(second.dir, 'db2.test', 10);
  assert.deepEqual(failover(second.dir, 1).promoted, ['db2.test']);
});

test('a standby pgpool has detached is not a candidate, however far it got', () => {
  const { dir } = setup();
  standby(dir, 'db1.test', 9000); standby(dir, 'db2.test', 100);
  writeFileSync(join(dir, 'log', 'pgpool_status'), 'down\ndown\nup\n');
  const r = failover(dir, 2);
  assert.deepEqual(r.promoted, ['db2.test'], r.log);
  assert.match(r.log, /node 1 is detached in pgpool/);
});

test('the most advanced standby is refused when it lags the primary\'s last known position by more than the bound', () => {
  const { dir } = setup(4096);
  standby(dir, 'db1.test', 1000, 1000 + 4097); standby(dir, 'db2.test', 900);
  const r = failover(dir, 1);
  assert.equal(r.code, 1);
  assert.deepEqual(r.promoted, []);
  assert.match(r.log, /refusing to promote: the most advanced standby, node 1 .* is 4097 bytes behind .*bound 4096 bytes/);
  const within = setup(4096);
  standby(within.dir, 'db1.test', 1000, 1000 + 4096);
  assert.deepEqual(failover(within.dir, 1).promoted, ['db1.test']);
});

test('a node already out of recovery is taken as the new primary: never a second one', () => {
  const { dir } = setup();
  standby(dir, 'db1.test', 100);
  writeFileSync(join(dir, 'fake', 'db2.test.pos'), 'f|-1|-1|\n');
  const r = failover(dir, 1);
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(r.promoted, []);
  assert.match(r.log, /node 2 is already the primary/);
});

test('a standby going down promotes nothing and leaves the target file alone', () => {
  const { dir } = setup();
  standby(dir, 'db2.test', 100);
  writeFileSync(join(dir, 'etc', 'failover.target'), '2 0\n');
  const r = failover(dir, 0, 1, 0);
  assert.equal(r.code, 0, r.log);
  assert.deepEqual(r.promoted, []);
  assert.equal(r.targetLeft, true);
});

test('the promotion returns once the node is out of recovery, seen every 10 ms in the same session; a node still in recovery fails the script', () => {
  const { dir, script: text } = setup();
  // One psql: pg_promote(false), then pg_is_in_recovery() until it is false (60 s at most), then one answer.
  assert.match(text, /DO \$\$BEGIN IF NOT pg_promote\(false\)[^\n]*FOR i IN 1\.\.6000 LOOP EXIT WHEN NOT pg_is_in_recovery\(\); PERFORM pg_sleep\(0\.01\)[^\n]*SELECT NOT pg_is_in_recovery\(\)/);
  assert.doesNotMatch(text, /pg_promote\(true/);
  standby(dir, 'db1.test', 900); standby(dir, 'db2.test', 100);
  writeFileSync(join(dir, 'fake', 'db1.test.promote'), 'f\n');
  const r = failover(dir, 1);
  assert.equal(r.code, 1, r.log);
  assert.deepEqual(r.promoted, ['db1.test']);
  assert.match(r.log, /node 1 is still in recovery 60 s after pg_promote\(\) on db1\.test/);
});
