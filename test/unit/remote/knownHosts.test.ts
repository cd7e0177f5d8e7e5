import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  checkHostKey, entryMatchesHost, keyTypeOfBlob, knownHostsLine, knownHostsName, parseKnownHosts, sha256Fingerprint,
} from '../../../src/core/remote/knownHosts';
import { HostKeyVerifier } from '../../../src/core/remote/hostKeyVerifier';
import { RemoteError } from '../../../src/core/remote/errors';
import { buildCommandLine } from '../../../src/core/remote/commandLine';
import { hostKeyAlgorithmOrder } from '../../../src/core/remote/sshConnect';

/** An ssh-ed25519 public key blob: string "ssh-ed25519" + string <32 bytes>. */
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const s = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([s(Buffer.from('ssh-ed25519')), s(raw)]);
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const keyA = ed25519Blob();
const keyB = ed25519Blob();

test('names: port 22 bare, others [host]:port', () => {
  assert.equal(knownHostsName('h', 22), 'h');
  assert.equal(knownHostsName('127.0.0.11', 2222), '[127.0.0.11]:2222');
  assert.equal(keyTypeOfBlob(keyA), 'ssh-ed25519');
  assert.match(sha256Fingerprint(keyA), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('plain entry: match, changed, unknown', () => {
  const entries = parseKnownHosts(`# comment\n[127.0.0.11]:2222 ssh-ed25519 ${keyA.toString('base64')}\n`);
  assert.equal(checkHostKey(entries, '127.0.0.11', 2222, keyA).result, 'match');
  assert.equal(checkHostKey(entries, '127.0.0.11', 2222, keyB).result, 'changed');
  assert.equal(checkHostKey(entries, '127.0.0.11', 22, keyA).result, 'unknown', 'other port is another host');
  assert.equal(checkHostKey(entries, '127.0.0.12', 2222, keyA).result, 'unknown');
});

test('hashed |1| entries, pattern lists, wildcards and negation', () => {
  const entries = parseKnownHosts([
    `${hashed('[db1]:2222')} ssh-ed25519 ${keyA.toString('base64')}`,
    `web*,!web9 ssh-ed25519 ${keyB.toString('base64')}`,
  ].join('\n'));
  assert.equal(checkHostKey(entries, 'db1', 2222, keyA).result, 'match');
  assert.equal(checkHostKey(entries, 'db1', 2222, keyB).result, 'changed');
  assert.equal(checkHostKey(entries, 'db1', 22, keyA).result, 'unknown');
  assert.equal(checkHostKey(entries, 'web1', 22, keyB).result, 'match');
  assert.equal(checkHostKey(entries, 'web9', 22, keyB).result, 'unknown');
});

test('a key of another type is unknown (not changed), and @revoked wins', () => {
  const entries = parseKnownHosts(`h ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==\n@revoked h ssh-ed25519 ${keyB.toString('base64')}\n`);
  const r = checkHostKey(entries, 'h', 22, keyA);
  assert.equal(r.result, 'unknown');
  assert.deepEqual(r.result === 'unknown' && r.otherKeyTypes, ['ssh-rsa']);
  assert.equal(checkHostKey(entries, 'h', 22, keyB).result, 'revoked');
});

test('verifier: strict refuses unknown; accept-new remembers; changed is always refused loudly', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const file = path.join(dir, 'known_hosts');
  await assert.rejects(new HostKeyVerifier({ mode: 'strict' }).verify('h', 2222, keyA, [file]),
    (e: RemoteError) => e.code === 'host-key-unknown' && e.message.includes(sha256Fingerprint(keyA)));
  await new HostKeyVerifier({ mode: 'accept-new' }).verify('h', 2222, keyA, [file]);
  assert.equal(readFileSync(file, 'utf8'), `${knownHostsLine('h', 2222, keyA)}\n`);
  await new HostKeyVerifier({ mode: 'strict' }).verify('h', 2222, keyA, [file]);
  await assert.rejects(new HostKeyVerifier({ mode: 'accept-new' }).verify('h', 2222, keyB, [file]),
    (e: RemoteError) => e.code === 'host-key-changed' && /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(e.message) && e.message.includes(`${file}:1`));
});

test('verifier: ask shows the fingerprint; accept-once is not written; reject refuses', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const file = path.join(dir, 'known_hosts');
  writeFileSync(file, 'other ssh-ed25519 AAAA');
  const asked: string[] = [];
  const v = new HostKeyVerifier({ mode: 'ask', ask: async (k) => { asked.push(k.fingerprint); return 'accept-once'; } });
  await v.verify('h', 22, keyA, [file]);
  await v.verify('h', 22, keyA, [file]);
  assert.deepEqual(asked, [sha256Fingerprint(keyA)], 'asked once per process');
  assert.equal(readFileSync(file, 'utf8'), 'other ssh-ed25519 AAAA');
  const remember = new HostKeyVerifier({ mode: 'ask', ask: async () => 'accept-and-remember' });
  await remember.verify('h', 22, keyA, [file]);
  assert.equal(readFileSync(file, 'utf8'), `other ssh-ed25519 AAAA\n${knownHostsLine('h', 22, keyA)}\n`, 'newline added before append');
  await assert.rejects(new HostKeyVerifier({ mode: 'ask', ask: async () => 'reject' }).verify('x', 22, keyA, [file]), /declined/);
});

test('host key algorithms: known types first', () => {
  assert.equal(hostKeyAlgorithmOrder(['ssh-rsa'])[0], 'rsa-sha2-512');
  assert.equal(hostKeyAlgorithmOrder(['ecdsa-sha2-nistp256'])[0], 'ecdsa-sha2-nistp256');
  assert.equal(hostKeyAlgorithmOrder([])[0], 'ssh-ed25519');
});

test('command lines: sudo and env prefixes are quoted words', () => {
  assert.equal(buildCommandLine(['pg_ctl', '-D', '/data dir'], undefined), "pg_ctl -D '/data dir'");
  assert.equal(buildCommandLine(['id'], 'postgres'), 'sudo -n -u postgres -- id');
  assert.equal(buildCommandLine({ script: 'a && b' }, undefined), 'a && b');
  assert.equal(buildCommandLine({ script: 'a && b' }, 'postgres', { X: "it's" }), "sudo -n -u postgres -- env 'X=it'\\''s' sh -c 'a && b'");
  assert.throws(() => buildCommandLine(['x'], undefined, { 'A;B': '1' }), /not a valid environment variable/);
});

/** A blob of another key type (the verifier reads only its type and bytes). */
function ecdsaBlob(): Buffer {
  const s = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([s(Buffer.from('ecdsa-sha2-nistp256')), s(Buffer.from('nistp256')), s(randomBytes(65))]);
}

test('verifier: @revoked in a later file wins over a match in an earlier one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const user = path.join(dir, 'known_hosts');
  const global = path.join(dir, 'ssh_known_hosts');
  writeFileSync(user, `${knownHostsLine('h', 2222, keyA)}\n`);
  writeFileSync(global, `# fleet-wide revocations\n@revoked * ssh-ed25519 ${keyA.toString('base64')}\n`);
  for (const mode of ['strict', 'accept-new'] as const) {
    await assert.rejects(new HostKeyVerifier({ mode }).verify('h', 2222, keyA, [user, global]),
      (e: RemoteError) => e.code === 'host-key-revoked' && e.message.includes(`${global}:2`));
  }
  await new HostKeyVerifier({ mode: 'strict' }).verify('h', 2222, keyA, [user]);
});

test('verifier: a known host showing a key type never seen for it is flagged as such, and accept-new does not take it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const file = path.join(dir, 'known_hosts');
  const before = `${knownHostsLine('h', 2222, keyA)}\n`;
  writeFileSync(file, before);
  const ecdsa = ecdsaBlob();
  for (const mode of ['strict', 'accept-new'] as const) {
    await assert.rejects(new HostKeyVerifier({ mode }).verify('h', 2222, ecdsa, [file]), (e: RemoteError) => e.code === 'host-key-new-type'
      && e.message.includes('[h]:2222 is known by its ssh-ed25519 key, but now shows a ecdsa-sha2-nistp256 key') && e.message.includes(sha256Fingerprint(ecdsa))
      && e.message.includes(`ssh-keyscan -p 2222 -t ecdsa-sha2-nistp256 h >> ${file}`), mode);
  }
  assert.equal(readFileSync(file, 'utf8'), before, 'nothing written');
  const asked: unknown[] = [];
  await assert.rejects(new HostKeyVerifier({ mode: 'ask', ask: async (k) => { asked.push(k.knownKeyTypes); return 'reject'; } }).verify('h', 2222, ecdsa, [file]),
    (e: RemoteError) => e.code === 'host-key-new-type' && /declined/.test(e.message));
  assert.deepEqual(asked, [['ssh-ed25519']], 'the prompt is told which key types the host is known by');
  const fresh: unknown[] = [];
  await new HostKeyVerifier({ mode: 'ask', ask: async (k) => { fresh.push(k.knownKeyTypes); return 'accept-once'; } }).verify('new', 22, ecdsa, [file]);
  assert.deepEqual(fresh, [undefined], 'a new host is not flagged');
});

test('verifier: a key saved to a hashed known_hosts is hashed too; a plain file stays plain; the file mode is kept', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const file = path.join(dir, 'known_hosts');
  writeFileSync(file, `${hashed('other')} ssh-ed25519 ${keyB.toString('base64')}\n`);
  chmodSync(file, 0o644);
  await new HostKeyVerifier({ mode: 'accept-new' }).verify('10.0.0.7', 2222, keyA, [file]);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes('10.0.0.7'), 'the host name is not written in clear');
  const added = parseKnownHosts(text)[1]!;
  assert.match(added.patterns, /^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28}$/);
  assert.ok(entryMatchesHost(added, '10.0.0.7', 2222) && !entryMatchesHost(added, '10.0.0.8', 2222));
  assert.equal(added.key, keyA.toString('base64'));
  assert.equal(statSync(file).mode & 0o777, 0o644);
  await new HostKeyVerifier({ mode: 'strict' }).verify('10.0.0.7', 2222, keyA, [file]);
  const plain = path.join(dir, 'plain');
  await new HostKeyVerifier({ mode: 'accept-new' }).verify('10.0.0.7', 2222, keyA, [plain]);
  assert.equal(readFileSync(plain, 'utf8'), `${knownHostsLine('10.0.0.7', 2222, keyA)}\n`);
  assert.equal(statSync(plain).mode & 0o777, 0o600, 'a new known_hosts is private');
});
