// Test fixture: a TCP proxy on a random port of 127.0.0.1 that forwards to `target` and delays
// every chunk the target sends back by `delayMs` (order kept). A replica behind it answers its
// clients late while it takes part in consensus at full speed.

import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface DelayProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = createConnection(target);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    down.pipe(up);
    up.on('data', (chunk: Buffer) => setTimeout(() => down.destroyed || down.write(chunk), delayMs));
    up.on('close', () => setTimeout(() => down.destroy(), delayMs));
    down.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
