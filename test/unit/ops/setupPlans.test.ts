/**
 * Plans of the setup operations (configure-pgpool, setup-replication, check, setup-ssh-trust) for PostgreSQL
 * 11/15/16 and pgpool-II 3.7/4.3/4.7, built from the fixture cluster. Only PostgreSQL 15 + pgpool 4.3 run in
 * the lab; the other versions are checked here, on the plans themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import type { SqlClient } from '../../../src/core/db/types';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { auditRecord } from '../../../src/core/ops/engine/audit';
import { checkCluster } from '../../../src/core/ops/preflight/checkCluster';
import { buildConfigurePgpoolPlan } from '../../../src/core/ops/setup/configurePgpool';
import { pcpEndpoint, type OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { planToJson, renderPlan, type Check, type Plan, type PlanResult } from '../../../src/core/ops/engine/plan';
import { runPlan } from '../../../src/core/ops/engine/runner';
import { buildSshTrustPlan, probeSshTrustFacts, type SshTrustFacts } from '../../../src/core/ops/setup/sshTrust';
import { authorizeArgv, keygenArgv, knownHostArgv } from '../../../src/core/ops/setup/sshTrustScripts';
import { shellCommand } from '../../../src/core/remote/shellQuote';
import type { ExecOptions, RemoteCommand } from '../../../src/core/remote/types';
import { cluster, HEALTHY, status, setupPlanFor } from './fixtures';

const PG = ['11', '15', '16'];
const PGPOOL = ['3.7', '4.3', '4.7'];
const PCP_PASSWORD = 'pcp-S3cret!';
const REPL_PASSWORD = 'repl-S3cret!';
const HOSTILE = `it's a $(touch CANARY) \`touch CANARY\` dir; rm -rf "$HOME" *`;
const ED25519 = { type: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' };

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) assert.fail(`plan refused: ${(r as { reason?: string }).reason}`);
  return r as Extract<T, { ok: true }>;
}

/** Words a real /bin/sh reads from a command line (printf prints each one NUL-terminated). */
function shellWords(commandLine: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

/** Every argv a plan sends over SSH (actions, skip checks and checks), each compared word by word. */
function sshArgvs(plan: Plan): string[][] {
  const out: string[][] = [];
  const check = (c?: Check): void => { if (c?.kind === 'ssh-exit') out.push([...c.argv]); };
  for (const s of plan.steps) {
    if (s.action.kind === 'ssh') out.push([...s.action.argv]);
    check(s.skipIf);
    check(s.check);
  }
  return out;
}

function assertQuoted(plan: Plan): void {
  for (const argv of sshArgvs(plan)) {
    assert.deepEqual(shellWords(shellCommand(argv)), argv);
  }
}

function assertNoSecret(plan: Plan, secrets: readonly string[]): void {
  const shown = [renderPlan(plan, undefined), JSON.stringify(planToJson(plan)), JSON.stringify(auditRecord(plan, 'test', undefined))].join('\n');
  for (const s of secrets) assert.ok(!shown.includes(s), `secret ${s.slice(0, 12)}... shown`);
}

const hostile = (pg: string, pgpool: string): ClusterDefinition => {
  const c = cluster(pg, pgpool, [{}, {}, { dataDirectory: `/data/${HOSTILE}`, binDir: `/opt/${HOSTILE}/bin` }]);
  return { ...c, ssh: { ...c.ssh, hostToHost: { identityFile: `.ssh/${HOSTILE}/id`, knownHostsFile: `/k/${HOSTILE}`, authorizedKeysFile: `/a/${HOSTILE}` } } as ClusterDefinition['ssh'] };
};

test('configure-pgpool: parameter names, placeholders and extension database per pgpool version; secrets never shown', () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = cluster(pg, pgpool);
    const built = ok(buildConfigurePgpoolPlan({ cluster: c, status: status(c, HEALTHY, pg), options: { pcpPassword: PCP_PASSWORD } }, new Map()));
    const conf = built.files[0]?.content ?? '';
    const old = pgpool === '3.7';
    assert.equal(/^master_slave_mode = on$/m.test(conf), old, `${pg}/${pgpool} master_slave_mode`);
    assert.equal(/^backend_clustering_mode = 'streaming_replication'$/m.test(conf), !old, `${pg}/${pgpool} backend_clustering_mode`);
    assert.match(conf, old ? /^follow_master_command = /m : /^follow_primary_command = /m);
    assert.doesNotMatch(conf, old ? /^follow_primary_command/m : /^follow_master_command/m);
    assert.match(conf, pgpool === '4.7' ? /^work_dir = /m : /^logdir = /m);
    assert.match(conf, old ? /^failover_command = '[^']* %R'$/m : /^failover_command = '[^']* %N %S'$/m, 'placeholders of the version');
    const ext = built.plan.steps.find((s) => s.id === 'extension-db0');
    assert.ok(ext && ext.action.kind === 'ssh');
    const db = ext.action.argv[ext.action.argv.indexOf('-d') + 1];
    assert.equal(db, pgpool === '4.7' ? 'postgres' : 'template1', `${pgpool}: pgpool_recovery database`);
    const pcp = built.files.find((f) => f.path.endsWith('pcp.conf'));
    assert.ok(pcp?.secret);
    const hash = /:([0-9a-f]{32})/.exec(pcp.content)?.[1] ?? 'missing';
    assertNoSecret(built.plan, [PCP_PASSWORD, hash]);
    assertQuoted(built.plan);
  }
});

test('setup-replication: recovery.conf before 12, standby.signal after; no promote_trigger_file on 16; password never shown', () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = hostile(pg, pgpool);
    const plan = ok(setupPlanFor({ cluster: c, status: status(c, HEALTHY, pg) }, 'db2', { replicationPassword: REPL_PASSWORD, salt: Buffer.alloc(16, 7) })).plan;
    const text = renderPlan(plan, pcpEndpoint(c));
    if (pg === '11') {
      assert.match(text, /recovery\.conf/);
      assert.match(text, /standby_mode = /);
      assert.doesNotMatch(text, /standby\.signal/);
    } else {
      assert.match(text, /standby\.signal/);
      assert.match(text, /postgresql\.auto\.conf/);
      assert.doesNotMatch(text, /standby_mode/);
    }
    if (pg === '16') assert.doesNotMatch(text, /promote_trigger_file|trigger_file/);
    assert.match(text, pg === '11' ? /wal_keep_segments/ : /wal_keep_size/);
    const pw = plan.steps.find((s) => s.action.kind === 'sql' && s.action.display);
    const verifier = pw?.action.kind === 'sql' ? /SCRAM-SHA-256\$[^']+/.exec(pw.action.sql)?.[0] : undefined;
    assert.ok(verifier, 'the role password is set from a SCRAM verifier');
    assertNoSecret(plan, [REPL_PASSWORD, verifier]);
    assertQuoted(plan);
  }
});

interface FakeEnv extends OpsEnvironment { readonly ran: { host: string; argv: string[]; stdin?: string }[] }

function fakeEnv(c: ClusterDefinition, conf = '', answer: (argv: readonly string[]) => { code?: number; stdout?: string } = () => ({})): FakeEnv {
  const ran: FakeEnv['ran'] = [];
  const sqlClient: SqlClient = {
    label: 'fake', close: async () => undefined,
    query: async () => [
      { name: 'wal_level', setting: 'replica' }, { name: 'max_wal_senders', setting: '10' }, { name: 'hot_standby', setting: 'on' },
      { name: 'wal_log_hints', setting: 'on' }, { name: 'server_version_num', setting: '150018' },
    ] as never,
  };
  return {
    ran, nodes: c.nodes.map((n) => n.name),
    remote: (host) => ({
      label: host,
      exec: async (cmd: RemoteCommand, o?: ExecOptions) => {
        const argv = Array.isArray(cmd) ? [...(cmd as readonly string[])] : [];
        ran.push({ host, argv, ...(typeof o?.stdin === 'string' ? { stdin: o.stdin } : {}) });
        const a = answer(argv);
        return { code: a.code ?? 0, signal: null, stdout: a.stdout ?? '', stderr: '' };
      },
      readFile: async () => Buffer.from(conf),
      writeFile: async () => undefined,
    }),
    sql: () => sqlClient,
    pcp: async () => '3',
    pgpoolNode: async (id) => ({ id, host: 'h', port: 1, status: 'up', role: 'standby' }) as PgpoolNodeView,
    trustedHostKey: async () => Buffer.from(ED25519.key, 'base64'),
    close: async () => undefined,
  };
}

test('check: hops as the scripts need them, extension database per pgpool version, hostile paths stay single words', async () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = hostile(pg, pgpool);
    const env = fakeEnv(c, "failover_command = '/etc/pgpool2/failover.sh %d'\n", (argv) => ({ stdout: argv.includes('-c') && argv.some((w) => w.includes('pg_extension')) ? '1\n' : '' }));
    const report = await checkCluster(c, status(c, HEALTHY, pg), env);
    const ssh = report.cells.filter((x) => x.section === 'ssh');
    assert.equal(ssh.length, 3 + 6, 'pgpool -> 3 nodes, 6 node pairs');
    assert.ok(!ssh.some((x) => x.to === 'pgpool'), 'nobody needs to log in to the pgpool host');
    const ext = env.ran.find((r) => r.argv.some((w) => w.includes('pg_extension')));
    assert.equal(ext?.argv[ext.argv.indexOf('-d') + 1], pgpool === '4.7' ? 'postgres' : 'template1', `${pgpool}`);
    for (const r of env.ran) assert.deepEqual(shellWords(shellCommand(r.argv)), r.argv);
    assert.ok(env.ran.some((r) => r.argv.includes(`/k/${HOSTILE}`) || r.argv.includes(`UserKnownHostsFile=/k/${HOSTILE}`)), 'the hostile known_hosts path is passed');
  }
});

const facts = (c: ClusterDefinition): SshTrustFacts => ({ hostKeys: new Map(c.nodes.map((n) => [n.name, ED25519])) });

test('ssh trust: every needed hop, minimum access, verified host keys, hostile paths quoted, same plan on every version', () => {
  for (const pg of PG) for (const pgpool of PGPOOL) {
    const c = hostile(pg, pgpool);
    const plan = ok(buildSshTrustPlan({ cluster: c, status: status(c, HEALTHY, pg) }, facts(c))).plan;
    assert.deepEqual(plan.versions, { postgres: pg, pgpool });
    assert.equal(plan.destructive, false);
    const ids = plan.steps.map((s) => s.id);
    assert.equal(ids.filter((i) => i.startsWith('prove-')).length, 9);
    assert.ok(!plan.steps.some((s) => s.action.kind === 'ssh' && s.id.startsWith('authorize-') && s.action.host === 'pgpool'), 'the pgpool host authorizes nobody');
    for (const s of plan.steps.filter((x) => /^(authorize|known-host)-/.test(x.id))) assert.equal(s.skipIf?.kind, 'ssh-exit', `${s.id} is skipped when the hop works`);
    const kh = plan.steps.find((s) => s.id === 'known-host-db0-db2');
    assert.ok(kh?.action.kind === 'ssh' && kh.action.host === 'db0' && kh.action.argv.includes(ED25519.key) && kh.action.argv.includes('[10.0.0.13]:22') === false);
    assert.ok(kh.action.argv.includes('10.0.0.13') && kh.action.argv.includes('ed25519'));
    const auth = plan.steps.find((s) => s.id === 'authorize-pgpool-db1');
    assert.ok(auth?.action.kind === 'ssh' && auth.action.host === 'db1' && auth.action.stdinFact === 'public key of pgpool');
    assertQuoted(plan);
    assert.match(renderPlan(plan), /< \(public key of pgpool, captured above\)/);
  }
});

test('ssh trust refuses without a verified host key, and probes keys from our own connections', async () => {
  const c = cluster('15', '4.3');
  const r = buildSshTrustPlan({ cluster: c, status: status(c, HEALTHY) }, { hostKeys: new Map<string, typeof ED25519 | { error: string }>([['db0', ED25519], ['db1', { error: 'connection refused' }]]) }) as PlanResult;
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /db1's host key.*connection refused/);
  const probed = await probeSshTrustFacts(c, fakeEnv(c));
  assert.deepEqual([...probed.hostKeys.keys()].sort(), ['db0', 'db1', 'db2']);
  assert.deepEqual(probed.hostKeys.get('db2'), ED25519);
});

test('the runner feeds a captured public key to the authorize step on stdin', async () => {
  const c = cluster('15', '4.3');
  const plan = ok(buildSshTrustPlan({ cluster: c, status: status(c, HEALTHY) }, facts(c))).plan;
  const env = fakeEnv(c, '', (argv) => {
    const script = argv[2] ?? '';
    if (script.includes('test -f')) return { code: 0 }; // key pairs exist
    if (script.includes('cat --')) return { stdout: 'ssh-ed25519 AAAAkey comment\n' };
    return { code: script.includes('exec "$@"') ? 255 : 0 }; // every hop fails: nothing is set up yet
  });
  const outcome = await runPlan(plan, env);
  assert.equal(outcome.failedStep, 'prove-pgpool-db0', 'the hop that still fails stops the plan');
  const auth = env.ran.find((r) => r.host === 'db0' && (r.argv[2] ?? '').includes('authorized'));
  assert.equal(auth?.stdin, 'ssh-ed25519 AAAAkey comment');
});

/** Runs the trust scripts for real, in a temporary HOME, with a fake ssh-keyscan on PATH. */
test('the trust scripts on a real shell: hostile paths, idempotent, refuse a different scanned key', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgc-trust-'));
  try {
    const home = join(root, 'home');
    const bin = join(root, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    const scanned = join(root, 'scanned');
    writeFileSync(join(bin, 'ssh-keyscan'), `#!/bin/sh\ncat ${JSON.stringify(scanned)}\n`);
    chmodSync(join(bin, 'ssh-keyscan'), 0o755);
    const env = { ...process.env, HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const sh = (argv: string[], input?: string): { code: number | null; out: string; err: string } => {
      const r = spawnSync(argv[0] ?? 'sh', argv.slice(1), { env, cwd: root, encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const id = `.ssh/${HOSTILE}/id`;
    assert.equal(sh(keygenArgv(id)).code, 0);
    assert.ok(existsSync(join(home, '.ssh', HOSTILE, 'id.pub')));
    const pub = readFileSync(join(home, '.ssh', HOSTILE, 'id.pub'), 'utf8');
    assert.equal(sh(keygenArgv(id)).code, 0, 'an existing key is kept');
    assert.equal(readFileSync(join(home, '.ssh', HOSTILE, 'id.pub'), 'utf8'), pub);

    const ak = `auth ${HOSTILE}/authorized_keys`;
    assert.equal(sh(authorizeArgv(ak), pub).code, 0);
    assert.equal(sh(authorizeArgv(ak), pub).code, 0);
    assert.equal(readFileSync(join(home, `auth ${HOSTILE}`, 'authorized_keys'), 'utf8'), pub, 'appended once, file created');
    assert.equal(sh(authorizeArgv(ak), 'command="x" ssh-ed25519 AAAA').code, 3, 'only a plain public key line is accepted');

    const from = { user: 'postgres', port: 2222, identityFile: id, knownHostsFile: `kh ${HOSTILE}`, authorizedKeysFile: ak };
    const target = { name: 'db1', id: 1, host: '127.0.0.12', port: 5432, ssh: {} };
    writeFileSync(scanned, `[127.0.0.12]:2222 ssh-ed25519 ${ED25519.key}\n`);
    const argv = knownHostArgv(from, target, from, ED25519);
    assert.equal(sh(argv).code, 0);
    assert.equal(sh(argv).code, 0);
    const khFile = join(home, `kh ${HOSTILE}`);
    assert.equal(readFileSync(khFile, 'utf8'), `[127.0.0.12]:2222 ssh-ed25519 ${ED25519.key}\n`, 'added once');
    writeFileSync(scanned, '[127.0.0.12]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMITMMITMMITMMITMMITMMITMMITMMITMMITMMITMMIT\n');
    const mitm = sh(argv);
    assert.equal(mitm.code, 4);
    assert.match(mitm.err, /man-in-the-middle/);
    assert.equal(readFileSync(khFile, 'utf8'), `[127.0.0.12]:2222 ssh-ed25519 ${ED25519.key}\n`, 'nothing written on a mismatch');
    assert.ok(!existsSync(join(root, 'CANARY')) && !existsSync(join(home, 'CANARY')), 'no value was executed by a shell');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('check: a failover_command script that does not wait for a stopping primary is a failing cell with the fix', async () => {
  const { CLEAN_STOP_MARKER } = await import('../../../src/core/ops/setup/pgpoolConfig');
  const c = cluster('15', '4.3');
  const conf = "failover_command = '/etc/pgpool2/failover.sh %d'\n";
  const cell = async (text: string): Promise<{ ok: boolean; fix?: string } | undefined> =>
    (await checkCluster(c, status(c, HEALTHY, '15'), fakeEnv(c, text))).cells.find((x) => x.what === 'failover_command waits for a clean stop');
  const old = await cell(conf);
  assert.equal(old?.ok, false);
  assert.match(old?.fix ?? '', /configure-pgpool/);
  // fakeEnv serves the same text for pgpool.conf and for the script: the marker makes it the waiting script.
  assert.equal((await cell(`${conf}# ${CLEAN_STOP_MARKER}\n`))?.ok, true);
  assert.equal(await cell(`${conf}failover_on_backend_shutdown = off\n`), undefined, 'nothing to check when pgpool does not fail over on a clean stop');
  const c11 = cluster('9.6', '4.3');
  assert.equal((await checkCluster(c11, status(c11, HEALTHY, '9.6'), fakeEnv(c11, conf))).cells.find((x) => x.what === 'failover_command waits for a clean stop'), undefined);
});

test('check: a follow_primary script that does not respect fences is a failing cell that says how to make it; ours passes', async () => {
  const { FOLLOW_FENCE_MARKER } = await import('../../../src/core/ops/setup/pgpoolConfig');
  const c = cluster('15', '4.3');
  const conf = "follow_primary_command = '/etc/pgpool2/my_follow.sh %d %h'\n";
  const what = 'follow_primary leaves fenced nodes alone';
  const cell = async (text: string): Promise<{ ok: boolean; detail: string; fix?: string } | undefined> =>
    (await checkCluster(c, status(c, HEALTHY, '15'), fakeEnv(c, text))).cells.find((x) => x.what === what);
  const theirs = await cell(conf);
  assert.equal(theirs?.ok, false);
  assert.match(theirs?.detail ?? '', /\/etc\/pgpool2\/my_follow\.sh does not know fences/);
  assert.match(theirs?.fix ?? '', /configure-pgpool.*<data directory>\.pgpool-cluster-fenced/);
  // fakeEnv serves the same text for pgpool.conf and for the script: the marker makes it ours.
  assert.equal((await cell(`${conf}${FOLLOW_FENCE_MARKER}: x\n`))?.ok, true);
  assert.equal(await cell("failover_command = '/etc/pgpool2/failover.sh %d'\n"), undefined, 'no follow_primary, nothing to check');
});
