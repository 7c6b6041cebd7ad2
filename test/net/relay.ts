// A fault-injecting TCP relay (issue 17 item 2): this kernel has no `sch_netem`, so delay and jitter
// on a link between namespaces come from here. It listens on one address and forwards each
// connection to a target, holding every chunk for `delayMs` plus a uniform jitter in [0, jitterMs)
// — per direction, in order (a chunk never overtakes the one before it, as on a TCP stream). Used
// with an iptables DNAT rule in the senders' namespaces (netns.ts `delay`), so the replicas' config
// stays as it is.

import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface RelayFaults {
  readonly delayMs: number;
  readonly jitterMs: number;
}

export interface Relay {
  readonly port: number;
  /** Changes the faults for data from now on. */
  set(f: RelayFaults): void;
  /** Connections relayed and bytes carried so far (both directions): shows traffic really goes through it. */
  stats(): { readonly connections: number; readonly bytes: number };
  close(): Promise<void>;
}

/**
 * Forwards src→dst with a delay that keeps order: each chunk is due at max(previous chunk, now +
 * delay + jitter), and one FIFO per direction writes the due chunks in arrival order. (A timer per
 * chunk does not keep order: Node computes a timer's expiry from the event loop's cached clock, so
 * under load a later chunk's timer could fire first — reordering the byte stream, which the
 * encrypted transport then rejects, and every link through the relay flapped.)
 */
function pipeDelayed(src: Socket, dst: Socket, faults: () => RelayFaults, carried: (bytes: number) => void): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const pump = (): void => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.due <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (!dst.destroyed) dst.write(chunk);
    }
    const next = queue[0];
    if (next !== undefined) timer = setTimeout(pump, Math.max(1, next.due - Date.now()));
    else if (closed) dst.destroy(); // the source closed: after its last chunk
  };
  src.on('data', (chunk: Buffer) => {
    carried(chunk.length);
    const f = faults();
    last = Math.max(last, Date.now() + f.delayMs + Math.random() * f.jitterMs);
    queue.push({ due: last, chunk });
    if (timer === undefined) timer = setTimeout(pump, Math.max(1, last - Date.now()));
  });
  src.on('close', () => {
    closed = true;
    if (timer === undefined) dst.destroy();
  });
  src.on('error', () => dst.destroy());
}

export function startRelay(host: string, port: number, target: { host: string; port: number }, initial: RelayFaults): Promise<Relay> {
  let faults = initial;
  const sockets = new Set<Socket>();
  const counts = { connections: 0, bytes: 0 };
  const carried = (b: number): void => void (counts.bytes += b);
  const server: Server = createServer((inbound) => {
    counts.connections++;
    const outbound = connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.setNoDelay(true);
    }
    pipeDelayed(inbound, outbound, () => faults, carried);
    pipeDelayed(outbound, inbound, () => faults, carried);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port,
        set: (f) => void (faults = f),
        stats: () => ({ ...counts }),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
