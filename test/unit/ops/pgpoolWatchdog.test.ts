import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectionProfiles, generatePgpoolConf, generateScripts, maskSecretParams, worstCaseLeaderLossSeconds, type PgpoolConfigInput, type WatchdogSpec,
} from '../../../src/core/ops/setup/pgpoolConfig';
import { PGPOOL_RELEASE_LIST, pgpoolCatalog, resolvePgpoolName } from '../../../src/core/conf/catalog/pgpool';
import { lintDocument } from '../../../src/core/conf/lint';
import { editPgpoolConf, describeChanges } from '../../../src/core/ops/setup/pgpoolConfig/editPgpoolConf';
import { buildConfigurePgpoolPlan, fileKey, type CurrentFiles } from '../../../src/core/ops/setup/configurePgpool';
import { cluster as opsCluster, HEALTHY, status as opsStatus } from './fixtures';

const HOSTS = ['pg-a.example', 'pg-b.example', 'pg-c.example'];

function spec(self: number, count = 3, extra: Partial<WatchdogSpec> = {}): WatchdogSpec {
  return {
    nodes: HOSTS.slice(0, count).concat(count > 3 ? ['pg-d.example'] : []).map((host) => ({ host, pgpoolPort: 9999, wdPort: 9000, heartbeatPort: 9694 })),
    self, vip: '192.0.2.100', ...extra,
  };
}

function input(pgpoolVersion: string, w: WatchdogSpec): PgpoolConfigInput {
  return {
    pgpoolVersion, postgresMajor: 15, listenAddresses: '*', port: 9999, pcpListenAddresses: '*', pcpPort: 9898,
    socketDir: '/var/run/postgresql', pidFile: '/var/run/pgpool/pgpool.pid', workDir: '/var/log/pgpool',
    backends: [0, 1].map((id) => ({ id, host: `db${id}.example`, port: 5432, dataDirectory: '/data', applicationName: `db${id}` })),
    healthCheckUser: 'pgpool', srCheckUser: 'pgpool', recoveryUser: 'postgres', replicationUser: 'repl', superuser: 'postgres',
    profile: detectionProfiles.fast, scriptsDir: '/etc/pgpool2', ssh: { user: 'postgres', port: 22, identityFile: '~/.ssh/id_pgpool' },
    pcp: { host: 'localhost', user: 'pcpadmin', passFile: '/var/lib/postgresql/.pcppass', binDir: '/usr/sbin' },
    pgBinDir: '/usr/lib/postgresql/15/bin', watchdog: w,
  };
}

const settings = (conf: string): Map<string, string> =>
  new Map(conf.split('\n').filter((l) => /^\w+ = /.test(l)).map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)]));

/** The watchdog section's lines only (after its header, before the next section). */
function watchdogSection(conf: string): Map<string, string> {
  const start = conf.indexOf('# Watchdog (');
  assert.ok(start >= 0, 'the generated file has a watchdog section');
  const rest = conf.slice(start);
  const end = rest.indexOf('#---', rest.indexOf('\n#---') + 5);
  return settings(rest.slice(0, end > 0 ? end : undefined));
}

for (const release of PGPOOL_RELEASE_LIST) {
  test(`pgpool ${release}: every watchdog parameter written exists in that release and the file lints without errors`, () => {
    const conf = generatePgpoolConf(input(release, spec(1)));
    const catalog = pgpoolCatalog(release);
    for (const name of watchdogSection(conf).keys()) {
      assert.ok(resolvePgpoolName(catalog, name), `${name} is a pgpool ${release} parameter`);
    }
    const errors = lintDocument(conf, { languageId: 'pgpool-conf', pgpoolVersion: release, postgresVersion: '15', fileName: 'pgpool.conf' }).filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((e) => `${e.code}: ${e.message}`), []);
  });
}

test('4.2+ layout: every pgpool node listed identically (hostnameN, wd_portN, pgpool_portN, heartbeat_*N), pgpool_node_id per host', () => {
  const a = watchdogSection(generatePgpoolConf(input('4.3', spec(0))));
  const b = watchdogSection(generatePgpoolConf(input('4.3', spec(2))));
  for (const [i, h] of HOSTS.entries()) {
    assert.equal(a.get(`hostname${i}`), `'${h}'`);
    assert.equal(a.get(`wd_port${i}`), '9000');
    assert.equal(a.get(`pgpool_port${i}`), '9999');
    assert.equal(a.get(`heartbeat_hostname${i}`), `'${h}'`);
    assert.equal(a.get(`heartbeat_port${i}`), '9694');
  }
  for (const old of ['wd_hostname', 'wd_port', 'other_pgpool_hostname0', 'heartbeat_destination0', 'wd_heartbeat_port']) assert.ok(!a.has(old), `${old} is not written on 4.3`);
  // Only the priority differs between the hosts' files.
  const differing = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
  assert.deepEqual(differing, ['wd_priority']);
  assert.ok(Number(a.get('wd_priority')) > Number(b.get('wd_priority')));
  assert.equal(a.get('delegate_IP'), "'192.0.2.100'");
  assert.equal(a.get('use_watchdog'), 'on');
  assert.equal(a.get('failover_when_quorum_exists'), 'on');
  assert.equal(a.get('failover_require_consensus'), 'on');
  assert.equal(a.get('allow_multiple_failover_requests_from_node'), 'off');
  assert.equal(a.get('enable_consensus_with_half_votes'), 'off', 'three nodes: an odd count needs no half-vote rule');
  assert.equal(a.get('wd_escalation_command'), "'/etc/pgpool2/escalation.sh'");
  const whole = settings(generatePgpoolConf(input('4.3', spec(0))));
  assert.equal(whole.get('failover_on_backend_error'), 'off', 'with consensus only health checks vote (a duplicate client vote quarantines the primary)');
  assert.equal(settings(generatePgpoolConf(input('3.6', spec(0)))).get('fail_over_on_backend_error'), 'on', 'before 3.7: no consensus to wait for');
  const idFiles = generateScripts(input('4.3', spec(2))).filter((f) => f.name === 'pgpool_node_id');
  assert.deepEqual(idFiles.map((f) => [f.target, f.content]), [['pgpoolConf', '2\n']]);
});

test('3.x-4.1 layout: the host itself (wd_hostname, wd_port, wd_heartbeat_port) and the others (other_pgpool_*N, heartbeat_destination*N); no pgpool_node_id', () => {
  for (const release of ['3.7', '4.0', '4.1']) {
    const w = watchdogSection(generatePgpoolConf(input(release, spec(1))));
    assert.equal(w.get('wd_hostname'), `'${HOSTS[1]}'`);
    assert.equal(w.get('wd_port'), '9000');
    assert.equal(w.get('wd_heartbeat_port'), '9694');
    assert.deepEqual([w.get('other_pgpool_hostname0'), w.get('other_pgpool_hostname1')], [`'${HOSTS[0]}'`, `'${HOSTS[2]}'`]);
    assert.deepEqual([w.get('heartbeat_destination0'), w.get('heartbeat_destination1')], [`'${HOSTS[0]}'`, `'${HOSTS[2]}'`]);
    assert.equal(w.get('heartbeat_destination_port1'), '9694');
    assert.equal(w.get('other_wd_port1'), '9000');
    assert.ok(!w.has('other_pgpool_hostname2') && !w.has('hostname0') && !w.has('heartbeat_hostname0'));
    assert.equal(generateScripts(input(release, spec(1))).some((f) => f.name === 'pgpool_node_id'), false);
  }
  // Up to 4.0 pgpool prefixes if_cmd_path to the command; 4.1 runs an absolute one as given.
  assert.match(watchdogSection(generatePgpoolConf(input('4.0', spec(0)))).get('if_up_cmd') ?? '', /^'ip addr add \$_IP_\$\/24 dev eth0/);
  assert.match(watchdogSection(generatePgpoolConf(input('4.1', spec(0)))).get('if_up_cmd') ?? '', /^'\/usr\/bin\/sudo \/sbin\/ip addr add/);
});

test('delegate_IP up to 4.3, delegate_ip from 4.4', () => {
  assert.ok(watchdogSection(generatePgpoolConf(input('4.3', spec(0)))).has('delegate_IP'));
  const w44 = watchdogSection(generatePgpoolConf(input('4.4', spec(0))));
  assert.ok(w44.has('delegate_ip') && !w44.has('delegate_IP'));
});

test('an even count turns on enable_consensus_with_half_votes', () => {
  const w = watchdogSection(generatePgpoolConf(input('4.3', spec(0, 4))));
  assert.equal(w.get('enable_consensus_with_half_votes'), 'on');
  assert.ok(w.has('hostname3'));
});

test('the profile chooses the watchdog timings, and the section header shows the worst case', () => {
  for (const p of Object.values(detectionProfiles)) {
    const conf = generatePgpoolConf({ ...input('4.3', spec(0)), profile: p });
    const w = watchdogSection(conf);
    assert.equal(w.get('wd_heartbeat_deadtime'), String(p.watchdog.heartbeatDeadtime));
    assert.equal(w.get('wd_heartbeat_keepalive'), String(p.watchdog.heartbeatKeepalive));
    assert.ok(p.watchdog.heartbeatDeadtime > p.watchdog.heartbeatKeepalive, `${p.name}: dead time outlasts at least one missed heartbeat`);
    assert.ok(conf.includes(`a lost leader is noticed within ${worstCaseLeaderLossSeconds(p.watchdog)} s`));
  }
  assert.ok(worstCaseLeaderLossSeconds(detectionProfiles.fast.watchdog) < worstCaseLeaderLossSeconds(detectionProfiles.conservative.watchdog));
});

test('wd_authkey is written into the file and masked in a diff or a change list', () => {
  const conf = generatePgpoolConf(input('4.3', spec(0, 3, { authkey: 's3cret-Key' })));
  assert.equal(settings(conf).get('wd_authkey'), "'s3cret-Key'");
  const masked = maskSecretParams(`+wd_authkey = 's3cret-Key'\n wd_port0 = 9000\n`);
  assert.ok(!masked.includes('s3cret'));
  assert.ok(masked.includes('wd_port0 = 9000'));
  const edit = editPgpoolConf('port = 9999\n', conf);
  assert.ok(!describeChanges(edit.changes).join('\n').includes('s3cret'), 'the change list never shows the key');
});

test('a watchdog section refuses a node list it cannot describe', () => {
  assert.throws(() => generatePgpoolConf(input('4.3', spec(5))), /not in the list/);
  assert.throws(() => generatePgpoolConf(input('4.3', { ...spec(0), nodes: spec(0).nodes.slice(0, 1) })), /at least two/);
});

test('editing an existing pgpool.conf adds the watchdog settings and keeps the other lines', () => {
  const current = "# site file\nport = 9999\nuse_watchdog = off\nwd_priority = 7 # mine\nlisten_addresses = '*'\n";
  const edit = editPgpoolConf(current, generatePgpoolConf(input('4.3', spec(1))));
  assert.ok(edit.text.startsWith('# site file\nport = 9999\nuse_watchdog = on\n'));
  assert.ok(edit.text.includes("listen_addresses = '*'"));
  assert.ok(edit.changes.some((c) => c.name === 'hostname2' && c.kind === 'added'));
  assert.ok(edit.changes.some((c) => c.name === 'use_watchdog' && c.kind === 'changed'));
  // Idempotent: a second edit changes nothing.
  assert.equal(editPgpoolConf(edit.text, generatePgpoolConf(input('4.3', spec(1)))).text, edit.text);
});

test('the escalation script is valid bash, names the other hosts only and removes the VIP with if_down_cmd', () => {
  const f = generateScripts(input('4.3', spec(1))).find((s) => s.name === 'escalation.sh');
  assert.ok(f && f.target === 'pgpool' && f.mode === 0o750);
  const dir = mkdtempSync(join(tmpdir(), 'wd-esc-'));
  const path = join(dir, 'escalation.sh');
  writeFileSync(path, f.content);
  const r = spawnSync('bash', ['-n', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(f.content, /OTHERS=\(pg-a\.example pg-c\.example\)/);
  assert.match(f.content, /CLEAR_CMD='if ip -o addr show dev eth0 \| grep -qF '\\'' 192\.0\.2\.100\/'\\''; then \/usr\/bin\/sudo \/sbin\/ip addr del 192\.0\.2\.100\/24 dev eth0 && echo removed/);
  assert.match(f.content, /ConnectTimeout=2 /, 'an unreachable host costs at most two seconds');
  assert.match(f.content, /\nif ssh -G '-oKexAlgorithms=\^curve25519-sha256' localhost >\/dev\/null 2>&1; then SSH_OPTS\+=\(-o 'KexAlgorithms=\^curve25519-sha256'\); fi\n/,
    'the cheaper key exchange goes ahead of the defaults, only when this ssh parses it');
});

test('a hostile host name is one quoted word in the escalation script', () => {
  const w = spec(0);
  const hostile = { ...w, nodes: [w.nodes[0]!, { ...w.nodes[1]!, host: "x'; rm -rf / #" }, w.nodes[2]!] };
  const f = generateScripts(input('4.3', hostile)).find((s) => s.name === 'escalation.sh');
  assert.ok(f?.content.includes(`'x'\\''; rm -rf / #'`));
});

// Configure pgpool on a cluster file with three pgpool instances: one plan per instance, each editing that host's file.

const wdCluster = (() => {
  const c = opsCluster('15', '4.3');
  const base = c.pgpool[0]!;
  return { ...c, pgpool: [0, 1, 2].map((i) => ({ ...base, name: `pgpool${i}`, host: `10.0.0.${20 + i}`, configFile: '/etc/pgpool2/pgpool.conf' })) };
})();

function current(host: string, conf: string | undefined): CurrentFiles {
  const m = new Map<string, string | undefined>([[fileKey(host, '/etc/pgpool2/pgpool.conf'), conf]]);
  return Object.assign(m, { paths: { configFile: '/etc/pgpool2/pgpool.conf', hbaFile: '/etc/pgpool2/pool_hba.conf', pcpFile: '/etc/pgpool2/pcp.conf', source: 'test' } });
}

test('configure-pgpool --pgpool NAME: that host\'s pgpool.conf gets its watchdog settings and pgpool_node_id; the VIP commands of the site stay', () => {
  const site = "port = 9999\ndelegate_IP = '10.0.0.100'\nif_up_cmd = '/usr/bin/sudo /sbin/ip addr add $_IP_$/24 dev ens3 label ens3:0'\n";
  const r = buildConfigurePgpoolPlan({
    cluster: wdCluster, status: opsStatus(wdCluster, HEALTHY),
    options: { now: new Date(0), pgpool: 'pgpool1', watchdog: { authkey: 'k3y-secret' } },
  }, current('pgpool1', site));
  if (!r.ok) assert.fail(r.reason);
  const conf = r.files.find((f) => f.host === 'pgpool1' && f.path === '/etc/pgpool2/pgpool.conf')?.content ?? '';
  const s = settings(conf);
  assert.equal(s.get('hostname1'), "'10.0.0.21'");
  assert.equal(s.get('delegate_IP'), "'10.0.0.100'", 'the VIP in the file is kept');
  assert.equal(s.get('if_up_cmd'), "'/usr/bin/sudo /sbin/ip addr add $_IP_$/24 dev ens3 label ens3:0'", 'the site\'s if_up_cmd stays');
  assert.equal(s.get('wd_authkey'), "'k3y-secret'");
  const nodeId = r.files.find((f) => f.path === '/etc/pgpool2/pgpool_node_id');
  assert.equal(nodeId?.host, 'pgpool1');
  assert.equal(nodeId?.content, '1\n');
  const esc = r.files.find((f) => f.path.endsWith('/escalation.sh'))?.content ?? '';
  assert.match(esc, /OTHERS=\(10\.0\.0\.20 10\.0\.0\.22\)/);
  assert.match(esc, /addr show dev ens3 .* dev ens3 && echo removed/, 'the escalation script removes the VIP from the site\'s device');
  assert.ok(!r.diff.includes('k3y-secret'), 'the diff never shows wd_authkey');
  assert.ok(!r.plan.summary.includes('k3y-secret'));
  assert.match(r.plan.summary, /watchdog: pgpool node 1 of 3 \(pgpool_node_id 1\), VIP 10\.0\.0\.100; a lost leader is noticed within 4 s/);
  assert.ok(r.plan.steps.some((st) => st.id === 'reload-pgpool' && st.action.kind === 'ssh' && st.action.host === 'pgpool1'), 'pgpool1 is reloaded through its own pcp port');
  assert.ok(r.restartParams.includes('use_watchdog'), 'watchdog settings need a restart');
});

test('configure-pgpool refuses an unknown --pgpool and warns when no VIP is known', () => {
  const bad = buildConfigurePgpoolPlan({ cluster: wdCluster, status: opsStatus(wdCluster, HEALTHY), options: { pgpool: 'nope' } }, current('pgpool0', undefined));
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.reason, /no pgpool named "nope"; it has pgpool0, pgpool1, pgpool2/);
  const r = buildConfigurePgpoolPlan({ cluster: wdCluster, status: opsStatus(wdCluster, HEALTHY), options: {} }, current('pgpool0', 'port = 9999\n'));
  if (!r.ok) assert.fail(r.reason);
  assert.ok(r.plan.warnings.some((w) => /No VIP/.test(w)));
  assert.equal(settings(r.files[0]?.content ?? '').get('hostname0'), "'10.0.0.20'");
});
