// The main thread's side of the status-port worker (issue 16: the status port off the consensus event
// loop). It starts src/node/http-worker.ts, pushes the /status snapshot to it (when it changed, at most
// every pushMs, and at least every heartbeatMs so rates stay fresh), answers its asks, counts its drops
// and writes its log lines. A worker that dies is logged, counted and restarted after a backoff
// (100 ms doubling to 30 s; back to 100 ms once a worker has served for a minute): the replica keeps
// ordering meanwhile, only its status port is down. close() stops the worker and frees the port.

import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.ts';
import type { HttpDropReason } from '../http/serve.ts';
import { MAX_STATUS_SNAPSHOT_BYTES } from './http-messages.ts';
import type { Ask, FromWorker, Reply, StatusSnapshot, ToWorker, WorkerConfig } from './http-messages.ts';

export interface StatusWorkerOptions {
  readonly config: WorkerConfig;
  /** The /status value (JSON-able), taken on the main thread; it may throw or reject. */
  readonly status: () => unknown;
  /** The answer to an ask; a throw or rejection is answered as a bug (500). */
  readonly answer: (a: Ask) => Reply | Promise<Reply>;
  readonly onDrops: (counts: Readonly<Partial<Record<HttpDropReason, number>>>) => void;
  readonly onRestart: () => void;
  readonly logger?: Logger;
  /** Default STATUS_PUSH_MS. */
  readonly pushMs?: number;
}

/** The status port as the node (and tests) hold it. */
export interface StatusPort {
  /** The port the worker listens on (the configured one, or the one the OS chose for 0). */
  readonly port: number;
  /** Stops the worker (ending open event streams) and frees the port. */
  close(): Promise<void>;
  /**
   * Pushes a fresh /status now instead of at the next pushMs (a view change, and the first batch
   * executed after one: a watcher — `byz bench --failover`, a failover alert — sees it without the
   * push interval's lag). A push already under way is followed by another one.
   */
  nudge(): void;
  /** Tests: the worker thread serving now (undefined while it restarts). */
  worker(): Worker | undefined;
}

/** A changed /status is pushed at most this often (ms), so /status and /health lag by at most about this. */
export const STATUS_PUSH_MS = 100;
/** An unchanged /status is pushed again after this long (ms): the live page's rates need fresh sample times. */
export const STATUS_HEARTBEAT_MS = 1000;
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 30_000;
/** A worker that served this long resets the restart backoff. */
const HEALTHY_MS = 60_000;
/** Heap of the worker thread: a worker over it dies and is restarted (the main thread is unaffected). */
export const WORKER_HEAP_MB = 128;
/**
 * Young generation of the worker thread. V8's default (semi-spaces growing to 16 MiB on a 64-bit host)
 * is sized for a busy isolate; the worker allocates little (the pushed /status, at most one /metrics
 * render a second, the odd proof), so 2 MiB costs it only more frequent small scavenges, on its own
 * thread, and keeps that memory off the replica's RSS (bench/README.md "Memory, session 26").
 */
export const WORKER_YOUNG_MB = 2;
/** How long close() lets the worker close its server gracefully before terminating it. */
const CLOSE_GRACE_MS = 2000;

/**
 * The worker: the compiled http-worker.js, or (in a checkout, run through tsx) http-worker.ts behind a
 * two-line bootstrap that registers tsx in the worker first (Node 20 does not pass the loader on).
 */
function newWorker(workerData: WorkerConfig): Worker {
  const options = { workerData, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./http-worker.js', import.meta.url), options);
  const entry = new URL('./http-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** The /status snapshot to push: the JSON text, or an error (status() failed, or its JSON is too large). */
async function takeSnapshot(status: () => unknown, at: number): Promise<StatusSnapshot> {
  try {
    const json = JSON.stringify(await status(), null, 2);
    if (json.length > MAX_STATUS_SNAPSHOT_BYTES) return { ok: false, message: `the /status JSON is ${json.length} characters, over ${MAX_STATUS_SNAPSHOT_BYTES}` };
    return { ok: true, json, at };
  } catch (e) {
    return { ok: false, message: String(e) };
  }
}

const snapshotKey = (s: StatusSnapshot): string => (s.ok ? s.json : `!${s.message}`);

const errorReply = (e: unknown): Reply => ({ ok: false, status: 'bug', message: e instanceof Error ? e.message : String(e) });

/** Starts the worker; resolves once it listens, rejects (and stops it) if it cannot. */
export async function startStatusWorker(opts: StatusWorkerOptions): Promise<StatusPort> {
  const pushMs = opts.pushMs ?? STATUS_PUSH_MS;
  let config = opts.config;
  let latest = await takeSnapshot(opts.status, Date.now());
  let pushedAt = Date.now();
  let current: Worker | undefined;
  let listeningAt: number | undefined;
  let crashes = 0;
  let closing = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let pushing = false;
  /** A nudge came while a push was under way: push again when it ends. */
  let again = false;
  let up = false;

  const post = (w: Worker, m: ToWorker): void => w.postMessage(m);
  const handle = (w: Worker, m: FromWorker, started: (port: number | Error) => void): void => {
    switch (m.type) {
      case 'listening':
        listeningAt = Date.now();
        started(m.port);
        return;
      case 'listen-failed':
        started(new Error(m.message));
        void w.terminate();
        return;
      case 'ask':
        Promise.resolve()
          .then(() => opts.answer(m.ask))
          .then(
            (reply) => post(w, { type: 'reply', id: m.id, reply }),
            (e: unknown) => post(w, { type: 'reply', id: m.id, reply: errorReply(e) }),
          )
          .catch(() => undefined); // the worker is gone: nobody to answer
        return;
      case 'drops':
        opts.onDrops(m.counts);
        return;
      case 'log':
        opts.logger?.[m.level](m.fields, m.msg);
        return;
      case 'closed':
        return;
    }
  };
  const spawn = (started: (port: number | Error) => void): Worker => {
    const w = newWorker(config);
    current = w;
    post(w, { type: 'status', snapshot: latest });
    w.on('message', (m: FromWorker) => handle(w, m, started));
    w.on('error', (e) => {
      started(e);
      opts.logger?.error({ err: e }, 'status-port worker failed (the replica keeps ordering; the worker is restarted)');
    });
    w.on('exit', (code) => {
      started(new Error(`the status-port worker exited (code ${code}) before listening`));
      if (current === w) current = undefined;
      if (!closing && up) restart(code); // a first start that fails is the caller's error, not restarted
    });
    return w;
  };
  const restart = (code: number): void => {
    if (listeningAt !== undefined && Date.now() - listeningAt >= HEALTHY_MS) crashes = 0;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** crashes);
    crashes += 1;
    listeningAt = undefined;
    opts.onRestart();
    opts.logger?.error({ code, restartInMs: delay, port: config.port }, 'status-port worker exited; restarting it (the replica keeps ordering)');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!closing) spawn(() => undefined);
    }, delay);
  };
  const push = (nudged = false): void => {
    if (pushing) {
      again ||= nudged;
      return;
    }
    pushing = true;
    const at = Date.now();
    void takeSnapshot(opts.status, at)
      .then((s) => {
        if (snapshotKey(s) === snapshotKey(latest) && at - pushedAt < STATUS_HEARTBEAT_MS) return;
        latest = s;
        pushedAt = at;
        if (current !== undefined) post(current, { type: 'status', snapshot: s });
      })
      .finally(() => {
        pushing = false;
        if (again && !closing) {
          again = false;
          push(true);
        }
      });
  };

  const first = await new Promise<number | Error>((resolve) => {
    let done = false;
    spawn((p) => {
      if (!done) resolve(p);
      done = true;
    });
  });
  if (first instanceof Error) {
    closing = true;
    await current?.terminate();
    throw first;
  }
  up = true;
  config = { ...config, port: first };
  const pusher = setInterval(() => push(), pushMs);
  return {
    port: first,
    worker: () => current,
    nudge() {
      if (!closing) push(true);
    },
    async close() {
      closing = true;
      clearInterval(pusher);
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      const w = current;
      if (w === undefined) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, CLOSE_GRACE_MS);
        w.on('message', (m: FromWorker) => {
          if (m.type !== 'closed') return;
          clearTimeout(t);
          resolve();
        });
        w.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        post(w, { type: 'close' });
      });
      await w.terminate();
    },
  };
}
