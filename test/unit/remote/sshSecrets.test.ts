// A password typed for an SSH login is reported back: secretWorked when the login succeeds, forgetSecret when
// the server refuses it (so the editor saves only working secrets and never retries a wrong one). An in-process
// ssh2 server on 127.0.0.1 plays the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { Server } from 'ssh2';
import { HostKeyVerifier } from '../../../src/core/remote/hostKeyVerifier';
import { connectClient } from '../../../src/core/remote/sshConnect';
import type { SecretProvider, SecretRequest } from '../../../src/core/remote/types';

async function withServer(password: string, body: (port: number) => Promise<void>): Promise<void> {
  // A PEM ECDSA key from Node's own crypto: ssh2's generated ed25519 keys are now and then refused by its own parser.
  const hostKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.password === password) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function recordingSecrets(answer: string): SecretProvider & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    getSecret: (r: SecretRequest) => { events.push(`get ${r.kind} ${r.key}`); return Promise.resolve(answer); },
    secretWorked: (r: SecretRequest) => { events.push(`worked ${r.kind} ${r.key}`); return Promise.resolve(); },
    forgetSecret: (r: SecretRequest) => { events.push(`forget ${r.kind} ${r.key}`); return Promise.resolve(); },
  };
}

const settings = (secrets: SecretProvider) => ({
  verifier: new HostKeyVerifier({ mode: 'ask', ask: () => Promise.resolve('accept-once' as const) }),
  secrets, connectTimeoutMs: 5000, keepaliveIntervalMs: 0, agentSocket: null, interactive: false,
});
const target = (port: number) => ({ alias: '127.0.0.1', hostName: '127.0.0.1', port, user: 'postgres', identityFiles: [], knownHostsFiles: [], jumps: [] });

test('a password that logs in is reported as worked', async () => {
  await withServer('right', async (port) => {
    const secrets = recordingSecrets('right');
    const client = await connectClient(target(port), settings(secrets));
    client.end();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(secrets.events, [`get ssh-password postgres@127.0.0.1:${port}`, `worked ssh-password postgres@127.0.0.1:${port}`]);
  });
});

test('a password the server refuses is forgotten, never reported as worked', async () => {
  await withServer('right', async (port) => {
    const secrets = recordingSecrets('wrong');
    await assert.rejects(connectClient(target(port), settings(secrets)), /refused every login method/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(secrets.events, [`get ssh-password postgres@127.0.0.1:${port}`, `forget ssh-password postgres@127.0.0.1:${port}`]);
  });
});
