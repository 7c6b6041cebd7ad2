// Server-Sent Events for the live status page (issue 15 item 3): every intervalMs one snapshot is
// taken and written to each open stream as a `data:` line. Bounded: at most maxStreams open at once
// (more get 503 + Retry-After, counted by the guard as 'overloaded'); a reader that does not keep up
// (more than maxBufferedBytes unsent) is disconnected; no timer runs while no stream is open; close()
// ends every stream (shutdown).

import type { ServerResponse } from 'node:http';
import { HttpError } from '../http/io.ts';
import type { Route } from '../http/serve.ts';

export interface EventStreamOptions {
  /** The value sent, as JSON; it may fail (the first snapshot's failure is the request's 500). */
  readonly snapshot: () => unknown;
  readonly maxStreams: number;
  /** Between two snapshots (ms). */
  readonly intervalMs: number;
  /** Unsent bytes a stream may hold before it is dropped as too slow. */
  readonly maxBufferedBytes?: number;
}

export interface EventStream {
  /** GET <path>: a text/event-stream of snapshots. */
  route(path: string): Route;
  /** Streams open now. */
  open(): number;
  /** Ends every stream and refuses new ones. */
  close(): void;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a browser waits before reconnecting a dropped stream (the SSE `retry:` field), ms. */
const RECONNECT_MS = 2000;

const frame = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

export function createEventStream(opts: EventStreamOptions): EventStream {
  const streams = new Set<ServerResponse>();
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let publishing = false;
  const stopIfIdle = (): void => {
    if (streams.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const send = (data: string): void => {
    for (const res of streams) {
      if (res.writableLength > maxBuffered) res.destroy();
      else res.write(data);
    }
  };
  const publish = (): void => {
    if (publishing) return; // one snapshot at a time: a slow source skips ticks rather than piling up
    publishing = true;
    Promise.resolve()
      .then(opts.snapshot)
      .then(
        (v) => send(frame(v)),
        // The page keeps the last view and says it is stale.
        () => send('event: stale\ndata: {}\n\n'),
      )
      .finally(() => {
        publishing = false;
      });
  };
  const open = (res: ServerResponse, first: string): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`retry: ${RECONNECT_MS}\n\n${first}`);
    streams.add(res);
    res.once('close', () => {
      streams.delete(res);
      stopIfIdle();
    });
    timer ??= setInterval(publish, opts.intervalMs);
  };
  const admit = (): void => {
    if (closed) throw new HttpError(503, 'the server is shutting down', { 'retry-after': '5' });
    if (streams.size >= opts.maxStreams) {
      throw new HttpError(503, `too many live status pages open (at most ${opts.maxStreams}); close one or retry later`, { 'retry-after': '5' });
    }
  };
  return {
    route: (path) => ({
      name: `GET ${path}`, path, methods: ['GET'], example: path,
      handle: async (req, res) => {
        admit();
        const first = frame(await opts.snapshot());
        admit(); // again: others may have opened while the snapshot was taken
        if (res.destroyed) return;
        req.socket.setTimeout(0); // a stream stays open; the request timeout covered its head
        open(res, first);
      },
    }),
    open: () => streams.size,
    close() {
      closed = true;
      for (const res of streams) res.end();
      streams.clear();
      stopIfIdle();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
