import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PRIVATE_WRITE_SCRIPT, writePrivateFile, writePrivateFileSync } from '../../../src/core/remote/privateFile';
import { resolveServiceUser } from '../../../src/core/lab/serviceUser';
import { unmetPrecondition } from '../../harness/precondition';

const SECRET = '*:5432:*:replicator:s3cret\n';

/** What a reader that opened the old file before the write sees afterwards. */
function readFd(fd: number): string {
  const buf = Buffer.alloc(256);
  return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString();
}

/** A world-readable file someone already holds open: the secret must never land in that inode. */
function exposedFile(dir: string, name: string): { file: string; fd: number; ino: number } {
  const file = path.join(dir, name);
  writeFileSync(file, 'old\n');
  chmodSync(file, 0o644);
  return { file, fd: openSync(file, 'r'), ino: statSync(file).ino };
}

for (const [label, write] of [
  ['async', (f: string, d: string, mode?: number): Promise<void> => writePrivateFile(f, d, mode === undefined ? {} : { mode })],
  ['sync', async (f: string, d: string, mode?: number): Promise<void> => writePrivateFileSync(f, d, mode === undefined ? {} : { mode })],
] as const) {
  test(`writePrivateFile (${label}): a world-readable pass file is replaced by a new 0600 file, never rewritten in place`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
    const { file, fd, ino } = exposedFile(dir, 'pg pass $(id)');
    await write(file, SECRET);
    assert.equal(readFd(fd), 'old\n', 'the old inode never held the secret');
    closeSync(fd);
    const st = statSync(file);
    assert.notEqual(st.ino, ino);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), SECRET);
    assert.deepEqual(readdirSync(dir), ['pg pass $(id)'], 'no temporary file left behind');
    await write(path.join(dir, 'script'), '#!/bin/sh\n', 0o750);
    assert.equal(statSync(path.join(dir, 'script')).mode & 0o777, 0o750, 'the final mode is applied');
  });
}

test('writePrivateFile keeps a symlinked file a symlink (the file it points to is replaced)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
  mkdirSync(path.join(dir, 'dotfiles'));
  writeFileSync(path.join(dir, 'dotfiles', 'pgpass'), 'old\n');
  symlinkSync(path.join(dir, 'dotfiles', 'pgpass'), path.join(dir, '.pgpass'));
  await writePrivateFile(path.join(dir, '.pgpass'), SECRET);
  assert.equal(readlinkSync(path.join(dir, '.pgpass')), path.join(dir, 'dotfiles', 'pgpass'));
  assert.equal(readFileSync(path.join(dir, 'dotfiles', 'pgpass'), 'utf8'), SECRET);
});

function runScript(file: string, mode: string, input: string, as?: { uid: number; gid: number }): { code: number | null; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', PRIVATE_WRITE_SCRIPT, 'sh', file, mode], { input, encoding: 'utf8', ...(as ?? {}) });
  return { code: r.status, stderr: r.stderr };
}

test('the remote write script: temporary file in the same directory, 0600 from the start, renamed over a hostile path', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
  const { file, fd, ino } = exposedFile(dir, "pcp.conf; rm -rf ' $HOME `id`");
  const r = runScript(file, '600', SECRET);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFd(fd), 'old\n');
  closeSync(fd);
  assert.notEqual(statSync(file).ino, ino);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8'), SECRET);
  assert.deepEqual(readdirSync(dir), [path.basename(file)]);
  assert.notEqual(runScript(path.join(dir, 'missing-dir', 'x'), '600', SECRET).code, 0, 'a failure is an exit code, not a partial file');
});

test('the remote write script in a directory the user cannot write: the existing file is made private before the secret goes in', (t) => {
  const user = resolveServiceUser();
  if (unmetPrecondition(user.switched ? undefined : 'needs root to act as another user (the other cases here cover the rename path)', (r) => t.skip(r))) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'private-'));
  chmodSync(dir, 0o755); // root's directory: the service user cannot create files in it
  const file = path.join(dir, 'pcp.conf');
  writeFileSync(file, 'old\n');
  chmodSync(file, 0o644);
  chownSync(file, user.uid, user.gid);
  const r = runScript(file, '600', SECRET, { uid: user.uid, gid: user.gid });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8'), SECRET);
  assert.deepEqual(readdirSync(dir), ['pcp.conf']);
});
