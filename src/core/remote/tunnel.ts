/** A local TCP listener on 127.0.0.1:0 whose connections are piped through SSH to a remote host:port. */
import * as net from 'node:net';
import { RemoteError } from './errors';
import type { SshPool } from './sshPool';
import { targetLabel, type SshTarget } from './sshConfig';

export interface Tunnel {
  readonly localHost: '127.0.0.1';
  readonly localPort: number;
  close(): Promise<void>;
}

/**
 * Opens a tunnel through `via` to `remoteHost:remotePort` (as seen from `via`, usually 127.0.0.1 or the
 * node's own address). Each accepted socket asks the pool for the connection, so a dropped SSH session
 * reconnects transparently on the next client.
 */
export async function openTunnel(pool: SshPool, via: SshTarget, remoteHost: string, remotePort: number): Promise<Tunnel> {
  await pool.client(via); // fail early with the real SSH error
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.pause();
    pool.client(via).then((client) => {
      client.forwardOut('127.0.0.1', socket.remotePort ?? 0, remoteHost, remotePort, (err, stream) => {
        if (err) {
          socket.destroy(new RemoteError('connect-failed', `${targetLabel(via)} cannot reach ${remoteHost}:${remotePort}: ${err.message}`));
          return;
        }
        socket.pipe(stream).pipe(socket);
        socket.resume();
        stream.once('close', () => socket.destroy());
        socket.once('close', () => stream.close());
        socket.on('error', () => stream.close());
      });
    }, (err: unknown) => socket.destroy(err instanceof Error ? err : new Error(String(err))));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    localHost: '127.0.0.1',
    localPort: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
