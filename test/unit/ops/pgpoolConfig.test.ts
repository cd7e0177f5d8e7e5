import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLEAN_STOP_MARKER, confString, detectionProfiles, failoverPlaceholders, generatePcpConf, generatePgpoolConf, generateScripts, passFileLine,
  pgpoolCommandProgram,
  worstCaseDetectionSeconds, type PgpoolConfigInput,
} from '../../../src/core/ops/setup/pgpoolConfig';
import { confValues } from '../../../src/core/ops/setup/configurePgpoolInput';

function input(pgpoolVersion: string, postgresMajor: number): PgpoolConfigInput {
  return {
    pgpoolVersion, postgresMajor, listenAddresses: '*', port: 9999, pcpListenAddresses: '*', pcpPort: 9898,
    socketDir: '/var/run/postgresql', pidFile: '/var/run/pgpool/pgpool.pid', workDir: '/var/log/pgpool',
    backends: [0, 1, 2].map((id) => ({ id, host: `db${id}.example`, port: 5432, dataDirectory: `/data/pg ${id}`, applicationName: `db${id}` })),
    healthCheckUser: 'pgpool', srCheckUser: 'pgpool', recoveryUser: 'postgres', replicationUser: 'repl', superuser: 'postgres',
    profile: detectionProfiles.fast, scriptsDir: '/etc/pgpool2/', ssh: { user: 'postgres', port: 22, identityFile: '/home/x/.ssh/id_pgpool' },
    pcp: { host: 'localhost', user: 'pcpadmin', passFile: '/var/lib/postgresql/.pcppass', binDir: '/usr/sbin' },
    pgBinDir: '/usr/lib/postgresql/15/bin',
  };
}

const lines = (conf: string): Map<string, string> =>
  new Map(conf.split('\n').filter((l) => /^\w+ = /.test(l)).map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)]));

test('pgpool 4.3 uses backend_clustering_mode, follow_primary_command, socket_dir and logdir', () => {
  const conf = lines(generatePgpoolConf(input('4.3', 15)));
  assert.equal(conf.get('backend_clustering_mode'), "'streaming_replication'");
  assert.ok(conf.has('follow_primary_command') && !conf.has('follow_master_command'));
  assert.ok(conf.has('socket_dir') && !conf.has('unix_socket_directories'));
  assert.ok(conf.has('logdir') && !conf.has('work_dir'));
  assert.equal(conf.get('failover_on_backend_error'), 'on');
  assert.equal(conf.get('health_check_period'), '1');
  assert.equal(conf.get('backend_application_name2'), "'db2'");
  assert.equal(conf.get('failover_command'), "'/etc/pgpool2/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'");
});

test('pgpool 3.7 uses master_slave_mode and the 3.x failover names', () => {
  const conf = lines(generatePgpoolConf(input('3.7', 11)));
  assert.equal(conf.get('master_slave_mode'), 'on');
  assert.equal(conf.get('master_slave_sub_mode'), "'stream'");
  assert.ok(conf.has('follow_master_command') && conf.has('fail_over_on_backend_error'));
  assert.ok(!conf.has('backend_application_name0'), 'backend_application_name arrived in 4.1');
  assert.match(conf.get('failover_command') ?? '', /%R'$/);
});

test('pgpool 4.7 uses unix_socket_directories, work_dir and recovery_database', () => {
  const conf = lines(generatePgpoolConf(input('4.7', 17)));
  assert.ok(conf.has('unix_socket_directories') && conf.has('work_dir') && conf.has('recovery_database'));
  assert.ok(!conf.has('logdir') && !conf.has('socket_dir'));
});

test('placeholder sets follow the version', () => {
  assert.equal(failoverPlaceholders('4.1'), '%d %h %p %D %m %H %M %P %r %R %N %S');
  assert.equal(failoverPlaceholders('3.6'), '%d %h %p %D %m %H %M %P %r %R');
});

test('values pgpool cannot escape are refused', () => {
  assert.throws(() => confString("it's"), /cannot be written/);
  assert.throws(() => confString('a\nb'), /cannot be written/);
  assert.equal(confString('/a b'), "'/a b'");
});

test('worst-case detection time follows the health-check settings', () => {
  assert.equal(worstCaseDetectionSeconds(detectionProfiles.fast), 2);
  assert.equal(worstCaseDetectionSeconds(detectionProfiles.balanced), 5 + 3 * 3 + 2 * 1);
  assert.equal(worstCaseDetectionSeconds({ ...detectionProfiles.fast, healthCheckPeriod: 0 }), Infinity);
});

test('pcp.conf holds md5 hashes, never the password', () => {
  const pcp = generatePcpConf([{ user: 'pcpadmin', password: 'secret' }]);
  assert.match(pcp, /^pcpadmin:5ebe2294ecd0e0f08eab7690d2a6ee69$/m);
  assert.doesNotMatch(pcp, /secret/);
  assert.throws(() => generatePcpConf([{ user: 'a:b', password: 'x' }]));
});

test('pass file lines escape colons and backslashes', () => {
  assert.equal(passFileLine(['*', 9898, 'u', 'p:a\\ss']), '*:9898:u:p\\:a\\\\ss');
});

for (const [pgpool, pg] of [['4.3', 15], ['4.3', 11], ['4.1', 12], ['4.7', 16], ['3.7', 9]] as const) {
  test(`generated scripts are valid bash (pgpool ${pgpool}, PostgreSQL ${pg})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgpool-scripts-'));
    const scripts = generateScripts(input(pgpool, pg));
    assert.deepEqual(scripts.map((s) => s.name), ['failover.sh', 'follow_primary.sh', 'recovery_1st_stage', 'pgpool_remote_start']);
    for (const s of scripts) {
      const path = join(dir, s.name);
      writeFileSync(path, s.content);
      const r = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${s.name}: ${r.stderr}`);
    }
    const failover = scripts[0]!.content;
    if (pg >= 12) assert.match(failover, /pg_promote/);
    else assert.match(failover, /pg_ctl" -D "\$NEW_MAIN_DATA" -w -t 60 promote/);
    // A node already promoted (by switchover/promote) is not promoted again; a clean shutdown is waited for (10+).
    assert.ok(failover.indexOf('pg_is_in_recovery') < failover.indexOf(pg >= 12 ? 'pg_promote' : 'promote >/dev/null'));
    if (pg >= 10) assert.match(failover, /sed -n 8p "\$1\/postmaster\.pid".*= stopping \]/);
    else assert.doesNotMatch(failover, /postmaster\.pid/);
    assert.equal(failover.includes(CLEAN_STOP_MARKER), pg >= 10, 'the marker switchover looks for');
    const follow = scripts[1]!.content;
    if (pg >= 13) assert.match(follow, /ALTER SYSTEM SET primary_conninfo/);
    else assert.doesNotMatch(follow, /ALTER SYSTEM/);
  });
}

test('on_host sends every word intact to the remote shell', () => {
  const script = generateScripts(input('4.3', 15))[0]!.content;
  const prelude = script.slice(script.indexOf('set -o nounset'), script.indexOf('FAILED_NODE_ID='));
  // Replace ssh with a local bash that runs the command string it would have sent.
  const harness = `${prelude}\nssh() { bash -c "\${@: -1}"; }\non_host somehost printf '<%s>' "$@"\n`;
  const dir = mkdtempSync(join(tmpdir(), 'on-host-'));
  writeFileSync(join(dir, 'h.sh'), harness);
  const hostile = ['a b', "it's", '$(id)', '`id`', 'x;y', 'new\nline', '*'];
  const out = execFileSync('bash', [join(dir, 'h.sh'), ...hostile], { encoding: 'utf8' });
  assert.equal(out, hostile.map((h) => `<${h}>`).join(''));
});

test('standby config for PostgreSQL 11 is recovery.conf with standby_mode and trigger_file', () => {
  const s = generateScripts(input('4.3', 11))[2]!.content;
  assert.match(s, /standby_mode/);
  assert.match(s, /trigger_file/);
  const s15 = generateScripts(input('4.3', 15))[2]!.content;
  assert.match(s15, /standby\.signal/);
});

/** pgpool's expansion (pgpool_main.c trigger_failover_command): %d %p %m get a leading space, %% is one %. */
function pgpoolExpand(line: string, values: Record<string, string>): string {
  return line.replace(/%(.?)/g, (_m, c: string) => (c === '%' ? '%' : ['d', 'p', 'm'].includes(c) ? ` ${values[c] ?? ''}` : values[c] ?? ''));
}

test('failover and follow_primary commands run the script from a directory with spaces and shell/pgpool metacharacters', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgpool-cmd-'));
  const scriptsDir = join(root, 'pg pool $HOME `id` "q" 50%d; x\\y');
  mkdirSync(scriptsDir, { recursive: true });
  for (const name of ['failover.sh', 'follow_primary.sh']) {
    writeFileSync(join(scriptsDir, name), `#!/bin/sh\nprintf '%s|' ${JSON.stringify(name)} "$@"\n`);
    chmodSync(join(scriptsDir, name), 0o755);
  }
  const conf = confValues(generatePgpoolConf({ ...input('4.3', 15), scriptsDir }));
  const values = { d: '1', h: 'db1', p: '5432', D: '/data/pg 1', m: '0', H: 'db0', M: '1', P: '1', r: '5432', R: '/data/pg0', N: 'db1', S: '5432' };
  for (const [key, name] of [['failover_command', 'failover.sh'], ['follow_primary_command', 'follow_primary.sh']] as const) {
    const line = conf.get(key) ?? '';
    assert.equal(pgpoolCommandProgram(line), join(scriptsDir, name), `${key} names the script`);
    // pgpool hands the expanded line to system(), i.e. /bin/sh -c.
    const out = execFileSync('/bin/sh', ['-c', pgpoolExpand(line, values)], { encoding: 'utf8' });
    // Host names and directories are inserted raw by pgpool, so "/data/pg 1" is split by sh: that is pgpool's own behaviour.
    assert.equal(out, `${name}|1|db1|5432|/data/pg|1|0|db0|1|1|5432|/data/pg0|db1|5432|`, key);
  }
});

test('a quote in the scripts directory is refused with a clear message (pgpool.conf cannot hold one)', () => {
  assert.throws(() => generatePgpoolConf({ ...input('4.3', 15), scriptsDir: "/etc/it's" }), /cannot be written to pgpool.conf/);
});

test('follow_primary rewinds at once a node that cannot follow (a primary, or replayed past the fork), and only from PostgreSQL 10', () => {
  const follow = (major: number): string => generateScripts(input('4.3', major)).find((s) => s.name === 'follow_primary.sh')!.content;
  const s15 = follow(15);
  assert.match(s15, /forked_past\(\) \{\n/);
  assert.match(s15, /pg_read_file\('\\''pg_wal\/'\\'' \|\| lpad\(upper\(to_hex\(t\.tli\)\), 8/);
  assert.match(s15, /NOT pg_is_in_recovery\(\) OR \(pg_last_wal_replay_lsn\(\) > :'sw'::pg_lsn AND COALESCE\(\(SELECT received_tli FROM pg_stat_wal_receiver\), 0\) < :'tli'::int\)/);
  // The check comes before the re-point and its wait; the wait stays for nodes that may still follow.
  assert.ok(s15.indexOf('if forked_past; then') < s15.indexOf('ALTER SYSTEM SET primary_conninfo') && s15.indexOf('ALTER SYSTEM SET primary_conninfo') < s15.indexOf('wait_streaming "$NODE_HOST"'));
  assert.match(follow(9), /forked_past\(\) \{ return 1; \}/);
  // pg_rewind right after a promotion sees the source's old timeline ("no rewind required") unless the new primary checkpoints first.
  const checkpoint = s15.indexOf(`echo 'CHECKPOINT' | sql "$NEW_PRIMARY_HOST" "$NEW_PRIMARY_PORT"`);
  assert.ok(checkpoint > s15.indexOf('-m fast -w stop') && checkpoint < s15.indexOf('"$PGCLIENT/pg_rewind" -D "$NODE_DATA"'), 'CHECKPOINT on the new primary between the stop and pg_rewind');
  for (const major of [9, 11, 15]) assert.equal(spawnSync('bash', ['-n'], { input: follow(major), encoding: 'utf8' }).status, 0, `bash -n of follow_primary.sh for ${major}`);
});

test('failover.sh asks the failed primary with pg_isready before it waits over SSH: a frozen host answers neither', () => {
  const failover = generateScripts(input('4.3', 15)).find((s) => s.name === 'failover.sh')!.content;
  const body = failover.slice(failover.indexOf('wait_clean_stop() {'));
  assert.ok(body.indexOf('"$PGCLIENT/pg_isready" -q -h "$FAILED_HOST" -p "$FAILED_PORT" -t 3') > 0);
  assert.ok(body.indexOf('pg_isready') < body.indexOf('on_host "$FAILED_HOST"'), 'pg_isready comes before the SSH wait');
  // Only "rejecting" (shutting down) goes on to the SSH wait; no answer and "accepting" return at once.
  assert.match(body, /case \$ready in\n {4}1\) ;;\n {4}0\) return 0 ;;\n {4}\*\) log .*; return 0 ;;\n {2}esac/);
});
