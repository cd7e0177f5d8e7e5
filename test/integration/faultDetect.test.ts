// status names faults on the isolated lab: credentials-rejected (alone), host-key-changed, operation-in-progress (this
// workstation's lock and another's on the pgpool host), pgpool-down (and its action works), disk-full,
// and a false primary (a standby promoted behind pgpool's back; split-brain naming the node pgpool writes to). Through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPids } from '../../src/core/lab/isolatedLab';
import { acquireLock } from '../../src/core/ops/engine/lock';
import { freshLab, labCli, repair, useFaultTestLab, type CampaignOptions, type Lab, type OperationOutcome } from '../harness/faultCampaign';
import { prepareTables, Writer } from '../harness/faultProbes';
import { unmetPrecondition } from '../harness/precondition';
import { waitFor } from '../harness/wait';
import { repoRoot } from '../lab/labFixture';

const isRoot = process.getuid?.() === 0;
const o: CampaignOptions = { cliPath: join(repoRoot, 'dist', 'cli.js'), mode: 'async' };

interface Problem { code: string; nodes: string[]; message: string }
function status(lab: Lab, args: string[] = [], env: NodeJS.ProcessEnv = {}): Problem[] {
  const r = labCli(o, ['status', '--json', ...args], { ...lab.env, ...env });
  const json = JSON.parse(r.stdout) as { clusters: { problems: Problem[] }[] };
  return json.clusters[0]!.problems;
}
const find = (ps: Problem[], code: string, node?: string): Problem | undefined => ps.find((p) => p.code === code && (node === undefined || p.nodes.includes(node)));
const show = (ps: Problem[]): string => ps.map((p) => `${p.code}[${p.nodes.join()}]: ${p.message}`).join('\n');

test('status names credentials-rejected, host-key-changed, operation-in-progress, disk-full and the false primary', async (t) => {
  if (unmetPrecondition(isRoot ? undefined : 'the isolated lab needs root (network and mount namespaces)', (r) => t.skip(r))) return;
  useFaultTestLab();
  const lab = await freshLab(o);
  const scratch = mkdtempSync(join(tmpdir(), 'fault-detect-'));
  try {
    assert.deepEqual(status(lab).map((p) => p.code), [], 'a fresh lab is healthy');

    await t.test('credentials-rejected: a wrong password in the workstation\'s .pgpass', () => {
      const pgpass = join(scratch, 'pgpass');
      writeFileSync(pgpass, readFileSync(lab.layout.pgpassFile, 'utf8').split('\n').map((l) => (l.includes(':') ? `${l.split(':').slice(0, 4).join(':')}:not-the-password` : l)).join('\n'), { mode: 0o600 });
      const file = join(scratch, 'wrong-pgpass.yaml');
      writeFileSync(file, readFileSync(lab.layout.clusterFile, 'utf8').replace(`passfile: ${lab.layout.pgpassFile}`, `passfile: ${pgpass}`));
      const ps = status(lab, ['--file', file]);
      const p = find(ps, 'credentials-rejected', 'node0');
      assert.ok(p, show(ps));
      assert.match(p.message, /password authentication failed.*fix the password in the \.pgpass file/);
      assert.deepEqual([...new Set(ps.map((x) => x.code))], ['credentials-rejected'], `the refused login is the reason, not unreachable nodes: ${show(ps)}`);
      // An operation says the same, not "no primary".
      const r = labCli(o, ['recover', 'node1', '--dry-run', '--file', file], lab.env);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /refused the login \(password authentication failed.*Fix the password in the \.pgpass file/);
    });

    await t.test('credentials-rejected: an SSH key whose passphrase is no longer the one given', () => {
      const key = join(scratch, 'id_ed25519');
      copyFileSync(lab.layout.clientKey, key);
      assert.equal(spawnSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'old passphrase', '-f', key]).status, 0);
      const file = join(scratch, 'wrong-key.yaml');
      writeFileSync(file, readFileSync(lab.layout.clusterFile, 'utf8').replace(`identityFile: ${lab.layout.clientKey}`, `identityFile: ${key}`));
      const ps = status(lab, ['--file', file], { PGPOOL_CLUSTER_SSH_PASSPHRASE: 'new passphrase' });
      const p = find(ps, 'credentials-rejected', 'node1');
      assert.ok(p, show(ps));
      assert.match(p.message, /SSH to node1 .*refused the login: The passphrase for .* is wrong/);
      // The key is tried once per process: its decryption no longer stalls the database probes into timeouts.
      assert.deepEqual(ps.filter((x) => x.code === 'node-unreachable' || x.code === 'pgpool-unreachable'), [], show(ps));
    });

    await t.test('host-key-changed: node1 has a new host key', () => {
      const key = join(lab.layout.dir, 'hosts', 'node1', 'etc', 'ssh', 'ssh_host_ed25519_key');
      renameSync(key, `${key}.old`);
      renameSync(`${key}.pub`, `${key}.pub.old`);
      try {
        assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0);
        const ps = status(lab);
        const p = find(ps, 'host-key-changed', 'node1');
        assert.ok(p, show(ps));
        assert.match(p.message, /ssh-keygen -R 10\.\d+\.\d+\.12/);
        assert.equal(find(ps, 'host-key-changed', 'node2'), undefined, 'only node1 changed');
      } finally {
        renameSync(`${key}.old`, key);
        renameSync(`${key}.pub.old`, `${key}.pub`);
      }
    });

    await t.test('operation-in-progress: who holds the lock and since when', async () => {
      const held = await acquireLock(lab.cluster.name, 'recover node2', { dir: join(lab.stateDir, 'locks') });
      try {
        const p = find(status(lab), 'operation-in-progress');
        assert.ok(p);
        assert.match(p.message, new RegExp(`recover node2 is running on cluster ${lab.cluster.name} \\(pid ${process.pid} on .*, since 20`));
      } finally {
        await held.release();
      }
      assert.equal(find(status(lab), 'operation-in-progress'), undefined, 'gone once released');
    });

    await t.test('operation-in-progress from another workstation: the lock on the pgpool host names its holder', async () => {
      const home = mkdtempSync(join(scratch, 'ws-a-'));
      const holder = spawn(process.execPath, [join(__dirname, 'lockHolder.js'), lab.layout.clusterFile],
        { env: { ...lab.env, HOME: home, PGPOOL_CLUSTER_STATE_DIR: join(home, '.pgpool-cluster') }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      holder.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      holder.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      try {
        await waitFor('the other workstation to take the lock', () => (out.includes('held') ? true : holder.exitCode !== null ? Promise.reject(new Error(err)) : undefined), 30_000, 100);
        // This workstation (the lab's state directory) has no lock of its own: status reads the pgpool host's.
        const p = find(status(lab), 'operation-in-progress');
        assert.ok(p, 'status names the other workstation\'s operation');
        assert.match(p.message, /held by the lock test is running on cluster \S+ \(pid \d+ on \S+@\S+, lock on pgpool, since 20\d\d-\d\d-\d\dT/);
      } finally {
        holder.stdin.end();
        await new Promise<void>((resolve) => { if (holder.exitCode !== null) resolve(); else holder.once('exit', () => resolve()); });
      }
      assert.match(out, /released/, err);
      assert.equal(find(status(lab), 'operation-in-progress'), undefined, 'gone once released');
    });

    await t.test('pgpool-down: pgpool killed; status names it and the action, which brings it back', async () => {
      const pids = hostPids(lab.layout, lab.layout.pgpool).filter((p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'pgpool'; } catch { return false; } });
      assert.ok(pids.length > 0, 'pgpool runs');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const ps = await waitFor('status to say pgpool-down', () => { const x = status(lab); return find(x, 'pgpool-down') ? x : undefined; }, 20_000, 500);
      assert.match(find(ps, 'pgpool-down')!.message, /pgpool pgpool is not running: .*pgpool-cluster pgpool start pgpool/);
      assert.equal(find(ps, 'pgpool-unreachable'), undefined, show(ps));
      const r = labCli(o, ['pgpool', 'start', 'pgpool', '--yes'], lab.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await waitFor('status without pgpool-down', () => (find(status(lab), 'pgpool-down') ? undefined : true), 30_000, 500);
    });

    await t.test('disk-full: a standby\'s pg_wal filesystem is full', async () => {
      await prepareTables(lab.pgpool, lab.login);
      assert.equal(labCli(o, ['lab', 'fault', 'disk-full', 'node1'], lab.env).code, 0);
      const writer = new Writer(lab.pgpool, lab.login, { maxIds: 1_000_000, maxMs: 60_000, answerMs: 5000 });
      writer.start();
      try {
        const ps = await waitFor('status to say disk-full on node1', () => { const x = status(lab); return find(x, 'disk-full', 'node1') ? x : undefined; }, 60_000, 1000);
        assert.match(find(ps, 'disk-full', 'node1')!.message, /node1's disk is full \(.*pg_wal.* free\): free space there/);
      } finally {
        await writer.stop();
        labCli(o, ['lab', 'heal'], lab.env);
      }
      const ops: OperationOutcome[] = [];
      await repair(o, lab, ops, []);
    });

    await t.test('false-primary / split-brain: a standby promoted behind pgpool\'s back', async () => {
      // (A primary frozen past failover and thawed is no longer a lasting false primary: the generated follow_primary
      // rewinds it at once; fence.test and fenceGuard.test cover that fault.) pgpool keeps writing to node0.
      const r = spawnSync('psql', ['-h', lab.nodes[2]!.host, '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-Atc', 'SELECT pg_promote(true, 30)'],
        { encoding: 'utf8', env: { ...lab.env, PGCONNECT_TIMEOUT: '5' }, timeout: 40_000 });
      assert.equal(r.stdout.trim(), 't', r.stderr);
      const ps = await waitFor('status to name the false primary', () => { const x = status(lab); return find(x, 'false-primary', 'node2') && find(x, 'split-brain') ? x : undefined; }, 30_000, 1000);
      const sb = find(ps, 'split-brain')!;
      assert.deepEqual([...sb.nodes].sort(), ['node0', 'node2'], show(ps));
      assert.match(sb.message, /pgpool sends writes to node0, so keep it: Fence node2 .*then Recover it/);
      assert.match(find(ps, 'false-primary', 'node2')!.message, /Fence it \(pgpool-cluster fence node2\), then Recover it/);
      await repair(o, lab, [], []);
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    labCli(o, ['lab', 'heal'], lab.env);
  }
});
