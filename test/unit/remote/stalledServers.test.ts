// Servers that stop answering: every call ends with a message naming the host and the limit, and a cancel ends a
// wait for a free SSH channel at once. In-process servers on 127.0.0.1 play the hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Server } from 'ssh2';
import { PgSqlClient } from '../../../src/core/db/pgClient';
import { DbError } from '../../../src/core/db/types';
import { RemoteError } from '../../../src/core/remote/errors';
import { SshPool } from '../../../src/core/remote/sshPool';
import { waitUntil } from '../../harness/wait';

/** A TCP server that accepts and never says a word. */
async function silentServer(body: (port: number) => Promise<void>): Promise<void> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => { sockets.push(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await body((server.address() as AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** An SSH server that logs anyone in and accepts every command, then never answers or ends it. */
async function hangingSshServer(body: (port: number, execs: () => number, requests: () => number) => Promise<void>, acceptDelayMs = 0): Promise<void> {
  const hostKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  let execs = 0;
  let requests = 0;
  const clients: { end(): void }[] = [];
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    clients.push(client);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec) => {
        requests++;
        const go = (): void => { acceptExec(); execs++; };
        if (acceptDelayMs > 0) setTimeout(go, acceptDelayMs); else go();
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body((server.address() as AddressInfo).port, () => execs, () => requests);
  } finally {
    for (const c of clients) c.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const target = (port: number) => ({ alias: '127.0.0.1', hostName: '127.0.0.1', port, user: 'postgres', identityFiles: [], knownHostsFiles: [], jumps: [] });
const pool = (opts: { maxChannelsPerConnection?: number; connectTimeoutMs?: number } = {}): SshPool => new SshPool({
  hostKeyPolicy: { mode: 'accept-new' }, agentSocket: null, keepaliveIntervalMs: 0, ...opts,
  secrets: { getSecret: () => Promise.resolve('any') },
});

test('an SSH host that accepts TCP but never speaks: the connection fails naming the host and the limit', async () => {
  await silentServer(async (port) => {
    const p = pool({ connectTimeoutMs: 300 });
    try {
      await assert.rejects(p.exec(target(port), ['true']), (e: Error) => e instanceof RemoteError && e.code === 'timeout' && /No SSH handshake from .*127\.0\.0\.1.* within 300 ms/.test(e.message));
    } finally {
      await p.close();
    }
  });
});

test('a command that never ends is cut off by its timeout', async () => {
  await hangingSshServer(async (port) => {
    const p = pool();
    try {
      const r = await p.exec(target(port), ['sleep', 'forever'], { timeoutMs: 300 });
      assert.equal(r.timedOut, true);
      assert.equal(r.code, null);
    } finally {
      await p.close();
    }
  });
});

test('waiting for a free channel obeys cancel at once', async () => {
  await hangingSshServer(async (port, execs) => {
    const p = pool({ maxChannelsPerConnection: 1 });
    const first = new AbortController();
    try {
      const busy = p.exec(target(port), ['hang'], { signal: first.signal });
      await waitUntil('the first command to hold the only channel', () => execs() === 1, 10_000, 20);
      const second = new AbortController();
      const waiting = p.exec(target(port), ['queued'], { signal: second.signal });
      second.abort();
      await assert.rejects(waiting, (e: Error) => e instanceof RemoteError && e.code === 'cancelled' && /waiting for a free SSH channel/.test(e.message));
      assert.equal(execs(), 1, 'the cancelled command never reached the host');
      first.abort();
      await busy.catch(() => undefined);
    } finally {
      await p.close();
    }
  });
});

test('a PostgreSQL that accepts TCP but never answers: the connection fails naming the server and the limit', async () => {
  await silentServer(async (port) => {
    const c = new PgSqlClient({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectTimeoutMs: 300 });
    try {
      await assert.rejects(c.query('SELECT 1'), (e: Error) => e instanceof DbError && e.code === 'timeout' && /127\.0\.0\.1:\d+.*300 ms/.test(e.message));
    } finally {
      await c.close();
    }
  });
});

test('a cancel while the channel is still being opened stops the command once the channel opens', { timeout: 30_000 }, async () => {
  await hangingSshServer(async (port, execs, requests) => {
    const p = pool();
    const ac = new AbortController();
    try {
      const run = p.exec(target(port), ['hang'], { signal: ac.signal });
      // The host has the request but has not opened the channel yet: the cancel lands before our side has one.
      await waitUntil('the host to receive the command', () => requests() === 1, 10_000, 5);
      assert.equal(execs(), 0);
      ac.abort();
      await assert.rejects(run, (e: Error) => e instanceof RemoteError && e.code === 'cancelled');
    } finally {
      await p.close();
    }
  }, 300);
});
