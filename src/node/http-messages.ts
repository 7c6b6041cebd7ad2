// The messages between a replica's main thread (consensus) and its status-port worker thread
// (src/node/http-worker.ts, issue 16): plain data only (structured clone), each bounded in size.
// The main thread pushes the latest /status snapshot; the worker asks for what only the main thread
// can compute (the /metrics text, the evidence file, a proof, a local read) with an id, and answers
// 503 if no reply comes in time. The worker reports its drop counts and (throttled) log lines.

import type { HttpDropReason } from '../http/serve.ts';
import type { StatusPortLimits } from '../http/admission.ts';
import type { ClusterIdentity } from '../status/view.ts';

/** Largest /status snapshot pushed to the worker (bytes of JSON); a larger one is pushed as an error. */
export const MAX_STATUS_SNAPSHOT_BYTES = 1024 * 1024;
/** Largest answer body the main thread sends the worker (the evidence file may be the largest). */
export const MAX_REPLY_BODY_BYTES = 16 * 1024 * 1024;
/** How long the worker waits for the main thread's reply before answering 503. */
export const DEFAULT_REPLY_TIMEOUT_MS = 5000;

/** What the worker needs to start (workerData). */
export interface WorkerConfig {
  readonly host: string;
  readonly port: number;
  readonly limits: StatusPortLimits;
  readonly quorumPeers: number;
  readonly identity: (ClusterIdentity & { readonly self: number }) | undefined;
  /** /local/kv/<key> is served (the KV app; not a user's --app). */
  readonly localKv: boolean;
  /** /proof/kv/<key> and /proof/client/<id> are served. */
  readonly proofs: boolean;
  readonly metricsContentType: string;
  readonly replyTimeoutMs: number;
  /** Tests: a shared clock (ms in element 0) for the caps, the /metrics cache and the log throttle; default Date.now. */
  readonly clock?: SharedArrayBuffer;
}

/** What the worker asks the main thread for. */
export type Ask =
  | { readonly kind: 'metrics' }
  | { readonly kind: 'evidence' }
  | { readonly kind: 'local-kv'; readonly key: string }
  | { readonly kind: 'proof-kv'; readonly key: string; readonly share: boolean; readonly at: number | undefined }
  | { readonly kind: 'proof-client'; readonly id: string; readonly reqNo: number | undefined; readonly share: boolean; readonly at: number | undefined };

/** The main thread's answer: a body, an HTTP error to pass on (e.g. a proof's 404), or a bug (500). */
export type Reply =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly status: number; readonly message: string }
  | { readonly ok: false; readonly status: 'bug'; readonly message: string };

/** A /status snapshot: the JSON text and when it was taken, or an error if status() failed. */
export type StatusSnapshot = { readonly ok: true; readonly json: string; readonly at: number } | { readonly ok: false; readonly message: string };

export type ToWorker =
  | { readonly type: 'status'; readonly snapshot: StatusSnapshot }
  | { readonly type: 'reply'; readonly id: number; readonly reply: Reply }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly message: string }
  | { readonly type: 'ask'; readonly id: number; readonly ask: Ask }
  | { readonly type: 'drops'; readonly counts: Readonly<Partial<Record<HttpDropReason, number>>> }
  | { readonly type: 'log'; readonly level: 'warn' | 'error'; readonly fields: Readonly<Record<string, unknown>>; readonly msg: string }
  | { readonly type: 'closed' };

/** A body the main thread may send, or a reply saying it is too large. */
export function boundedBody(body: string): Reply {
  if (body.length > MAX_REPLY_BODY_BYTES) return { ok: false, status: 503, message: `the answer (${body.length} characters) is larger than the status port serves (${MAX_REPLY_BODY_BYTES})` };
  return { ok: true, body };
}
