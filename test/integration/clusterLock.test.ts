// Two workstations (two processes, each with its own HOME and state directory) and one cluster: while one holds the
// lock on the pgpool host, the other's operation is refused with who holds it and since when; then it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../lab/labFixture';
import { FILE, restoreLab } from './opsLab';

const workstation = (name: string): NodeJS.ProcessEnv => {
  const home = mkdtempSync(join(tmpdir(), `pgc-ws-${name}-`));
  return { HOME: home, PGPOOL_CLUSTER_STATE_DIR: join(home, '.pgpool-cluster') };
};

test('a lock held from another workstation refuses an operation (exit 4, holder and start named), and frees it on release', async () => {
  await restoreLab();
  const a = workstation('a');
  const b = workstation('b');
  const holder = spawn(process.execPath, [join(__dirname, 'lockHolder.js'), FILE], { env: { ...process.env, ...a }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  holder.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  holder.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', () => { if (out.includes('held')) resolve(); });
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before taking the lock: ${err}`)));
    });
    const refused = cli(['sync', 'off', '--yes', '--file', FILE], b);
    assert.equal(refused.code, 4, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /operation-in-progress: held by \S+@\S+ \(pid \d+, held by the lock test\) since \d{4}-\d\d-\d\dT\S+ on cluster \S+ \(lock on /);
    const json = cli(['sync', 'off', '--yes', '--json', '--file', FILE], b);
    assert.equal(json.code, 4);
    assert.match(json.stdout, /operation-in-progress/);
    // Node operations with --yes take the locks while the status is read: the same refusal, nothing detached.
    const op = cli(['detach', 'node2', '--yes', '--json', '--file', FILE], b);
    assert.equal(op.code, 4, `${op.stdout}\n${op.stderr}`);
    assert.match(op.stdout, /operation-in-progress: held by \S+@\S+ \(pid \d+, held by the lock test\)/);
    const st = cli(['status', '--json', '--file', FILE], b);
    assert.match(st.stdout, /"name": "node2"[\s\S]*?"status": "up"/, 'node2 is still attached');
  } finally {
    holder.stdin.end();
    await new Promise<void>((resolve) => { if (holder.exitCode !== null) resolve(); else holder.once('exit', () => resolve()); });
  }
  assert.match(out, /released/, err);
  const runs = cli(['sync', 'off', '--yes', '--file', FILE], b);
  assert.equal(runs.code, 0, `${runs.stdout}\n${runs.stderr}`);
  // The first workstation runs too (the lock of the second was released at its end).
  const again = cli(['sync', 'off', '--yes', '--file', FILE], a);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
});
