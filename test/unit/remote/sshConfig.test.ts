import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJump, resolveSshTarget, targetKey } from '../../../src/core/remote/sshConfig';

const config = `
Host db*
  User dbadmin
  Port 2200
  IdentityFile ~/.ssh/db_key
  UserKnownHostsFile ~/.ssh/known_db

Host db1
  HostName 10.0.0.1
  ProxyJump jump@bastion:2022

Host bastion
  HostName 127.0.0.99
  IdentityFile %d/.ssh/bastion_%r

Host *
  User fallback
  Match exec "touch /tmp/should-not-run"
`;

const opts = { sshConfigText: config, homeDir: '/home/u', localUser: 'me' };

test('~/.ssh/config gives HostName, User, Port, IdentityFile, known_hosts, ProxyJump', () => {
  const t = resolveSshTarget('db1', {}, opts);
  assert.equal(t.hostName, '10.0.0.1');
  assert.equal(t.user, 'dbadmin', 'first obtained value wins, as in OpenSSH');
  assert.equal(t.port, 2200);
  assert.deepEqual(t.identityFiles, ['/home/u/.ssh/db_key']);
  assert.deepEqual(t.knownHostsFiles, ['/home/u/.ssh/known_db']);
  assert.equal(t.jumps.length, 1);
  const j = t.jumps[0]!;
  assert.deepEqual([j.hostName, j.port, j.user], ['127.0.0.99', 2022, 'jump']);
  assert.deepEqual(j.identityFiles, ['/home/u/.ssh/bastion_jump'], '%d and %r expanded');
  assert.equal(targetKey(t), 'jump@127.0.0.99:2022>dbadmin@10.0.0.1:2200');
});

test('cluster-file settings win over ~/.ssh/config', () => {
  const t = resolveSshTarget('db1', { user: 'postgres', port: 2222, identityFile: '~/k', proxyJump: 'none', sudoUser: 'postgres' }, opts);
  assert.deepEqual([t.user, t.port, t.identityFiles[0], t.jumps.length, t.sudoUser], ['postgres', 2222, '/home/u/k', 0, 'postgres']);
});

test('no config: defaults (port 22, local user, default keys, ~/.ssh/known_hosts)', () => {
  const t = resolveSshTarget('127.0.0.11', {}, { homeDir: '/home/u', localUser: 'me' });
  assert.deepEqual([t.hostName, t.port, t.user], ['127.0.0.11', 22, 'me']);
  assert.ok(t.identityFiles.includes('/home/u/.ssh/id_ed25519'));
  assert.deepEqual(t.knownHostsFiles, ['/home/u/.ssh/known_hosts']);
  assert.equal(resolveSshTarget('other', {}, opts).user, 'fallback');
});

test('ProxyJump parsing', () => {
  assert.deepEqual(parseJump('u@h:22'), { user: 'u', host: 'h', port: 22 });
  assert.deepEqual(parseJump('h'), { host: 'h' });
  assert.deepEqual(parseJump('[::1]:2222'), { host: '::1', port: 2222 });
  const multi = resolveSshTarget('x', { proxyJump: 'a@j1,j2:2' }, { homeDir: '/h', localUser: 'me' });
  assert.deepEqual(multi.jumps.map((j) => `${j.user}@${j.hostName}:${j.port}`), ['a@j1:22', 'me@j2:2']);
});
