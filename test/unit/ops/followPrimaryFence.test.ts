/*
 * The generated follow_primary.sh run for real (bash) against a thawed old primary, with stand-ins for ssh (runs the
 * command here), psql, pg_isready, pg_ctl, pg_rewind and pcp_attach_node that record their calls: it rewinds and
 * starts an unfenced node as before, leaves a fenced one alone, and a fence made while pg_rewind runs keeps the node
 * stopped with its pg_hba block back. Also the fence mark itself (written, read, found by recover's unblock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectionProfiles, FOLLOW_FENCE_MARKER, generateScripts, type PgpoolConfigInput } from '../../../src/core/ops/setup/pgpoolConfig';
import { FENCE_BEGIN, FENCE_MARKER_FILE, fenceBlockArgv, fenceBlockedArgv, fenceMarkArgv, fenceMarkedArgv, fenceUnblockArgv, fenceUnmarkArgv } from '../../../src/core/ops/handover/fenceHba';
import { describeFenceMark, FENCE_MARK_SUFFIX, fenceMarkPath, fenceMarkReadArgv, parseFenceMark } from '../../../src/core/status/fenceMark';
import type { NodeDefinition } from '../../../src/core/inventory/model';

/** Each stand-in appends "<name> <args>" to $FAKE/calls. */
const RECORDER = (name: string, body = ''): string => `#!/bin/bash
echo "${name} $*" >> "$FAKE/calls"
${body}`;

/** psql: the new primary's fork point for the timeline query, "t" (a primary, so forked past) for the node's. */
const FAKE_PSQL = RECORDER('psql', `sql=$(cat)
case "$sql" in
  *pg_walfile_name*) echo '0/3000000|2' ;;
  *pg_is_in_recovery*) echo t ;;
esac`);

/** pg_rewind: does what the real one does to files only the target has and to pg_hba.conf, and runs $FAKE/during-rewind. */
const FAKE_REWIND = RECORDER('pg_rewind', `d=''
while [ $# -gt 0 ]; do case "$1" in -D) d=$2; shift ;; esac; shift; done
rm -f -- "$d/${FENCE_MARKER_FILE}"
printf 'host all all 0.0.0.0/0 scram-sha-256\\n' > "$d/pg_hba.conf"
[ -x "$FAKE/during-rewind" ] && "$FAKE/during-rewind"
exit 0`);

interface Setup { dir: string; data: string; env: NodeJS.ProcessEnv }

function setup(): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'follow-fence-'));
  for (const d of ['bin', 'etc', 'fake']) mkdirSync(join(dir, d));
  const data = join(dir, "pg data 0's");
  mkdirSync(data);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all peer\n');
  const tools: Record<string, string> = {
    psql: FAKE_PSQL, pg_rewind: FAKE_REWIND, pg_isready: RECORDER('pg_isready'), pg_ctl: RECORDER('pg_ctl'), pcp_attach_node: RECORDER('pcp_attach_node'),
  };
  for (const [name, text] of Object.entries(tools)) {
    writeFileSync(join(dir, 'bin', name), text);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  const input: PgpoolConfigInput = {
    pgpoolVersion: '4.3', postgresMajor: 15, listenAddresses: '*', port: 9999, pcpListenAddresses: '*', pcpPort: 9898,
    socketDir: '/var/run/postgresql', pidFile: '/var/run/pgpool/pgpool.pid', workDir: join(dir, 'etc'),
    backends: [0, 1].map((id) => ({ id, host: `db${id}.test`, port: 5432, dataDirectory: id === 0 ? data : `/data/pg${id}`, applicationName: `db${id}` })),
    healthCheckUser: 'pgpool', srCheckUser: 'pgpool', recoveryUser: 'postgres', replicationUser: 'repl', superuser: 'postgres',
    profile: detectionProfiles.fast, scriptsDir: join(dir, 'etc'), ssh: { user: 'postgres', port: 22 },
    pcp: { host: 'localhost', user: 'pcpadmin', passFile: '/nonexistent/.pcppass', binDir: join(dir, 'bin') },
    pgBinDir: join(dir, 'bin'),
  };
  const script = generateScripts(input).find((f) => f.name === 'follow_primary.sh')!.content;
  writeFileSync(join(dir, 'etc', 'follow_primary.sh'), script);
  return { dir, data, env: { ...process.env, FAKE: join(dir, 'fake') } };
}

/** pgpool's call for node 0 after node 1 was promoted. ssh is a bash function (the script's PATH would find the real one). */
function followPrimary(s: Setup): { code: number; log: string; calls: string[] } {
  const args = ['0', 'db0.test', '5432', s.data, '1', 'db1.test', '0', '0', '5432', '/data/pg1'];
  const r = spawnSync('bash', ['-c', 'ssh() { echo "ssh $*" >> "$FAKE/calls"; bash -c "${@: -1}"; }; export -f ssh; exec bash "$@"', '_', join(s.dir, 'etc', 'follow_primary.sh'), ...args],
    { encoding: 'utf8', env: s.env, timeout: 30_000 });
  const callsFile = join(s.dir, 'fake', 'calls');
  return { code: r.status ?? -1, log: r.stderr, calls: existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trim().split('\n') : [] };
}

const node = (data: string): NodeDefinition => ({ name: 'db0', id: 0, host: 'db0.test', port: 5432, dataDirectory: data, ssh: {} });
const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: 'pipe' });
const fence = (data: string): void => { sh(fenceMarkArgv(node(data), 'ops@laptop', join(data, 'pg_hba.conf'))); sh(fenceBlockArgv(node(data), join(data, 'pg_hba.conf'))); };
const called = (calls: string[], tool: string, word?: string): boolean => calls.some((c) => c.startsWith(`${tool} `) && (word === undefined || c.split(' ').includes(word)));

test('the script names its fence support on a marker line', () => {
  const s = setup();
  try {
    assert.ok(readFileSync(join(s.dir, 'etc', 'follow_primary.sh'), 'utf8').includes(`\n${FOLLOW_FENCE_MARKER}: `));
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('an unfenced thawed primary is rewound, configured as a standby, started and attached (the old behaviour)', () => {
  const s = setup();
  try {
    const r = followPrimary(s);
    assert.equal(r.code, 0, r.log);
    assert.ok(called(r.calls, 'pg_rewind'), r.calls.join('\n'));
    assert.ok(called(r.calls, 'pg_ctl', 'start'), r.calls.join('\n'));
    assert.ok(called(r.calls, 'pcp_attach_node'), r.calls.join('\n'));
    assert.ok(existsSync(join(s.data, 'standby.signal')));
    assert.doesNotMatch(r.log, /fenced/);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a fenced node is left alone: no stop, no rewind, no start, no attach; the log says why, since when and by whom', () => {
  const s = setup();
  try {
    fence(s.data);
    const hbaBefore = readFileSync(join(s.data, 'pg_hba.conf'), 'utf8');
    const r = followPrimary(s);
    assert.equal(r.code, 0, r.log);
    for (const tool of ['pg_rewind', 'pg_ctl', 'pcp_attach_node']) assert.ok(!called(r.calls, tool), `${tool} was called:\n${r.calls.join('\n')}`);
    assert.match(r.log, /follow_primary\.sh: node 0 \(db0\.test\) is fenced \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by ops@laptop, .*\.pgpool-cluster-fenced\): not re-pointing it to the new primary; it stays as it is until pgpool-cluster recover rejoins it/);
    assert.equal(readFileSync(join(s.data, 'pg_hba.conf'), 'utf8'), hbaBefore);
    assert.ok(!existsSync(join(s.data, 'standby.signal')));
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a fence made while pg_rewind runs: the node is not started nor attached, stays a configured standby, and gets its pg_hba block back', () => {
  const s = setup();
  try {
    // The fence lands in the middle of the rewind, which then replaces pg_hba.conf (and removes the in-directory marker).
    const during = join(s.dir, 'fake', 'during-rewind');
    writeFileSync(during, `#!/bin/sh\n${fenceMarkArgv(node(s.data), 'ops@laptop', join(s.data, 'pg_hba.conf')).map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')}\n`);
    chmodSync(during, 0o755);
    const r = followPrimary(s);
    assert.equal(r.code, 0, r.log);
    assert.ok(called(r.calls, 'pg_rewind'), r.calls.join('\n'));
    assert.ok(!called(r.calls, 'pg_ctl', 'start'), `started:\n${r.calls.join('\n')}`);
    assert.ok(!called(r.calls, 'pcp_attach_node'), `attached:\n${r.calls.join('\n')}`);
    assert.match(r.log, /is fenced .*not starting it after pg_rewind/);
    assert.match(r.log, /the fence block is in .*pg_hba\.conf again/);
    assert.ok(existsSync(join(s.data, 'standby.signal')), 'a start by hand makes a standby, not a primary');
    const hba = readFileSync(join(s.data, 'pg_hba.conf'), 'utf8');
    assert.ok(hba.startsWith(`${FENCE_BEGIN}\n`), hba);
    assert.ok(hba.endsWith('host all all 0.0.0.0/0 scram-sha-256\n'), 'the rewound file is kept below the block');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('the fence mark: beside the data directory, written once with time, author and hba file; recover finds the hba file through it and removes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fence-mark-'));
  try {
    const data = join(dir, 'main');
    mkdirSync(data);
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all peer\n');
    const mark = fenceMarkPath(`${data}//`);
    assert.equal(mark, `${data}${FENCE_MARK_SUFFIX}`);
    const n = node(data);
    assert.throws(() => sh(fenceMarkedArgv(n)));
    assert.throws(() => sh(fenceMarkReadArgv(data)), (e: { status?: number }) => e.status === 3);
    fence(data);
    const first = parseFenceMark(sh(fenceMarkReadArgv(data)));
    assert.equal(first.by, 'ops@laptop');
    assert.equal(first.hba, join(data, 'pg_hba.conf'));
    assert.match(first.since ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(describeFenceMark(first), `since ${first.since} by ops@laptop`);
    sh(fenceMarkArgv(n, 'someone@else', join(data, 'pg_hba.conf')));
    assert.equal(parseFenceMark(readFileSync(mark, 'utf8')).by, 'ops@laptop', 'a second fence keeps the first time and author');
    // pg_rewind removed the in-directory marker: the block is still found (and removed) through the mark.
    rmSync(join(data, FENCE_MARKER_FILE));
    sh(fenceBlockedArgv(n));
    sh(fenceUnblockArgv(n));
    assert.equal(readFileSync(join(data, 'pg_hba.conf'), 'utf8'), 'local all all peer\n');
    assert.ok(existsSync(mark), 'the mark stays until the node rejoins');
    sh(fenceUnmarkArgv(n));
    assert.ok(!existsSync(mark));
    sh(fenceUnmarkArgv(n));
    assert.deepEqual(parseFenceMark('# x\nsince=\nby=a@b\nnonsense\n'), { by: 'a@b' });
    assert.match(describeFenceMark({}), /unknown time/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
