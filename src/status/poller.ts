// The gateway's view of the replicas for the status page (issue 15 item 3): it polls each replica's
// GET /status on its status port (httpPort in the cluster config). Bounded against dead and hostile
// replicas: at most one poll in flight per replica (the next is scheduled when one ends), each with a
// deadline covering connect, head and body; a body over maxBodyBytes is cut off; a failure backs the
// next poll off (doubling up to maxBackoffMs); per replica only the last two parsed samples are kept.

import { clusterView, downView, parseStatus, upView } from './view.ts';
import type { ClusterIdentity, ClusterView, ReplicaView, Timed } from './view.ts';

export interface PollTarget {
  readonly id: number;
  readonly host: string;
  readonly httpPort: number;
}

export interface PollerLimits {
  /** Between the end of one successful poll of a replica and the next (ms). */
  readonly intervalMs: number;
  /** Deadline of one poll: connect, head and whole body (ms). */
  readonly timeoutMs: number;
  /** Longest wait after repeated failures (ms). */
  readonly maxBackoffMs: number;
  /** Largest /status body read; a longer one fails the poll. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_POLLER_LIMITS: PollerLimits = { intervalMs: 1000, timeoutMs: 2000, maxBackoffMs: 8000, maxBodyBytes: 256 * 1024 };

export interface StatusPoller {
  /** The cluster as last polled. */
  view(): ClusterView;
  /** Polls started since start (tests: one in flight per replica). */
  readonly stats: () => { started: number; inFlight: number };
  close(): void;
}

interface Slot {
  prev: Timed | undefined;
  cur: Timed | undefined;
  failures: number;
  note: string;
  timer: NodeJS.Timeout | undefined;
  inFlight: boolean;
}

/** The body, or an Error when it is longer than max bytes (the rest is not read). */
async function boundedText(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`/status answer larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

async function pollOnce(t: PollTarget, limits: PollerLimits, signal: AbortSignal): Promise<unknown> {
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  const res = await fetch(`http://${host}:${t.httpPort}/status`, { signal: AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]), redirect: 'error' });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`/status answered ${res.status}`);
  }
  return JSON.parse(await boundedText(res, limits.maxBodyBytes)) as unknown;
}

function reasonOf(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'no answer in time';
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused';
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 80);
}

export function startStatusPoller(targets: readonly PollTarget[], identity: ClusterIdentity, limits: PollerLimits = DEFAULT_POLLER_LIMITS, now: () => number = Date.now): StatusPoller {
  const n = identity.n;
  const abort = new AbortController();
  const slots: Slot[] = targets.map(() => ({ prev: undefined, cur: undefined, failures: 0, note: 'not polled yet', timer: undefined, inFlight: false }));
  let started = 0;
  const schedule = (i: number, ms: number): void => {
    if (abort.signal.aborted) return;
    const slot = slots[i]!;
    slot.timer = setTimeout(() => void poll(i), ms);
    slot.timer.unref();
  };
  const poll = async (i: number): Promise<void> => {
    const slot = slots[i]!;
    const target = targets[i]!;
    slot.inFlight = true;
    started += 1;
    try {
      const sample = parseStatus(await pollOnce(target, limits, abort.signal), n);
      slot.prev = slot.cur;
      slot.cur = { at: now(), sample };
      slot.failures = 0;
      slot.note = `answered GET /status`;
    } catch (e) {
      slot.prev = undefined;
      slot.cur = undefined;
      slot.failures += 1;
      slot.note = reasonOf(e);
    } finally {
      slot.inFlight = false;
    }
    schedule(i, slot.failures === 0 ? limits.intervalMs : Math.min(limits.maxBackoffMs, limits.intervalMs * 2 ** Math.min(slot.failures - 1, 16)));
  };
  targets.forEach((_, i) => schedule(i, 0));
  const replicaView = (i: number): ReplicaView => {
    const slot = slots[i]!;
    const id = targets[i]!.id;
    return slot.cur === undefined ? downView(id, false, slot.note) : upView(id, slot.prev, slot.cur, slot.note);
  };
  return {
    view: () => clusterView('gateway', now(), identity, n, targets.map((_, i) => replicaView(i))),
    stats: () => ({ started, inFlight: slots.filter((s) => s.inFlight).length }),
    close() {
      abort.abort();
      for (const s of slots) clearTimeout(s.timer);
    },
  };
}
