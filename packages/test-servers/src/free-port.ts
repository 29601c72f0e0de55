import { createServer, Socket } from 'node:net';

/** The loopback address every server of this package binds to. */
export const LOOPBACK = '127.0.0.1';

/**
 * A TCP port that is free on `host` right now (the kernel picks it). Another process could take it
 * before the caller binds it, so servers started on it retry with a new port when the bind fails.
 */
export async function freePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on `host:port` (one attempt, bounded by `timeoutMs`). */
export async function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}
