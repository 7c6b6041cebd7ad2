// Chaos mode for staging clusters (issue 17 item 2, seed 002's chaos engineering): a replica's
// transport that loses, delays (and so reorders) and resets its links to other replicas at random,
// so an operator can watch a real cluster ride out the faults the simulator injects — message loss,
// latency and jitter, dropped connections — before production does it for them. It wraps the TCP
// transport's replica side only: client connections are untouched, and nothing inside the core
// changes (PBFT and HotStuff already tolerate loss and reordering, TOCS '02 §2). Off unless
// `byz node --chaos SPEC` asks for it; the node logs a warning at start and counts every fault
// (byz_chaos_faults_total{fault}). Never on a production cluster: each fault costs latency, and a
// heavy spec can keep the cluster changing views.

import type { ReplicaId } from '../core/ids.ts';
import type { TcpTransport } from './tcp.ts';

/** What chaos mode does to this replica's outgoing replica-to-replica traffic. */
export interface ChaosOptions {
  /** Probability (0–1) that a message to another replica is lost. */
  readonly dropRate: number;
  /** Each message not lost waits a uniform random delay in [delayMinMs, delayMaxMs] (messages overtake each other). */
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  /** Mean ms between resets of a link to a random connected replica (0: never); the transport reconnects. */
  readonly resetMeanMs: number;
  /** Seed of the random choices (the same seed makes the same choices for the same sends). */
  readonly seed: number;
}

export const CHAOS_FAULTS = ['drop', 'delay', 'reset'] as const;
export type ChaosFault = (typeof CHAOS_FAULTS)[number];

/** Bounds of a spec: beyond them a cluster does not make progress, so they are refused, not clamped. */
export const MAX_CHAOS_DROP_RATE = 0.5;
export const MAX_CHAOS_DELAY_MS = 10_000;
export const MIN_CHAOS_RESET_MS = 100;

export const CHAOS_SPEC_HELP = 'drop=P (0–0.5), delay=MS or MIN-MAX (ms, ≤ 10000), reset=MS (mean ms between link resets, ≥ 100; 0 = never), seed=N';

const NONE: ChaosOptions = { dropRate: 0, delayMinMs: 0, delayMaxMs: 0, resetMeanMs: 0, seed: 1 };

const isNumber = (s: string): boolean => /^\d+(\.\d+)?$/.test(s);

/** Parses `drop=0.01,delay=5-50,reset=30000,seed=7`; every problem is named with the fix. */
export function parseChaosSpec(spec: string): { ok: true; value: ChaosOptions } | { ok: false; error: string } {
  const o: { -readonly [K in keyof ChaosOptions]: ChaosOptions[K] } = { ...NONE };
  const fail = (why: string): { ok: false; error: string } => ({ ok: false, error: `--chaos "${spec}": ${why} (expected ${CHAOS_SPEC_HELP})` });
  const seen = new Set<string>();
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key = '', value = '', ...rest] = part.split('=');
    if (rest.length > 0 || value === '') return fail(`"${part}" is not KEY=VALUE`);
    if (seen.has(key)) return fail(`${key} is given twice`);
    seen.add(key);
    switch (key) {
      case 'drop':
        if (!isNumber(value) || Number(value) > MAX_CHAOS_DROP_RATE) return fail(`drop must be a probability from 0 to ${MAX_CHAOS_DROP_RATE}, got ${value}`);
        o.dropRate = Number(value);
        break;
      case 'delay': {
        const [lo = '', hi = lo] = value.split('-');
        if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi) || Number(lo) > Number(hi) || Number(hi) > MAX_CHAOS_DELAY_MS) {
          return fail(`delay must be MS or MIN-MAX whole milliseconds with MIN ≤ MAX ≤ ${MAX_CHAOS_DELAY_MS}, got ${value}`);
        }
        o.delayMinMs = Number(lo);
        o.delayMaxMs = Number(hi);
        break;
      }
      case 'reset':
        if (!/^\d+$/.test(value) || (Number(value) !== 0 && Number(value) < MIN_CHAOS_RESET_MS)) return fail(`reset must be 0 or whole milliseconds ≥ ${MIN_CHAOS_RESET_MS}, got ${value}`);
        o.resetMeanMs = Number(value);
        break;
      case 'seed':
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return fail(`seed must be a whole number, got ${value}`);
        o.seed = Number(value);
        break;
      default:
        return fail(`unknown key "${key}"`);
    }
  }
  if (o.dropRate === 0 && o.delayMaxMs === 0 && o.resetMeanMs === 0) return fail('it injects nothing');
  return { ok: true, value: o };
}

/** The spec back in its canonical form (logs, /status). */
export function formatChaos(o: ChaosOptions): string {
  const delay = o.delayMinMs === o.delayMaxMs ? `${o.delayMinMs}` : `${o.delayMinMs}-${o.delayMaxMs}`;
  return `drop=${o.dropRate},delay=${delay},reset=${o.resetMeanMs},seed=${o.seed}`;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). Chaos needs repeatable choices, not secrecy. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosHooks {
  /** Counts each fault injected. */
  readonly onFault: (fault: ChaosFault, peer: ReplicaId) => void;
  /** Timers (tests pass fake ones); default the global setTimeout/clearTimeout. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (t: unknown) => void;
}

/**
 * The transport with chaos on its replica side: sendToReplica loses, delays or passes each message;
 * from start() until stop(), a random connected replica's link is reset every exponentially
 * distributed interval of mean resetMeanMs. Everything else is the wrapped transport's.
 */
export function withChaos(inner: TcpTransport, o: ChaosOptions, hooks: ChaosHooks): TcpTransport {
  const random = seeded(o.seed);
  const setTimer = hooks.setTimer ?? ((fn: () => void, ms: number): unknown => setTimeout(fn, ms));
  const clearTimer = hooks.clearTimer ?? ((t: unknown): void => clearTimeout(t as NodeJS.Timeout));
  const timers = new Set<unknown>();
  let stopped = false;
  const later = (fn: () => void, ms: number): void => {
    const t = setTimer(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const scheduleReset = (): void => {
    if (o.resetMeanMs === 0 || stopped) return;
    later(() => {
      const peers = inner.connectedReplicas();
      const peer = peers[Math.floor(random() * peers.length)];
      if (peer !== undefined) {
        hooks.onFault('reset', peer);
        inner.closeReplica(peer, 'chaos-reset', 'chaos mode reset the link');
      }
      scheduleReset();
    }, -o.resetMeanMs * Math.log(1 - random()));
  };
  return {
    ...delegate(inner),
    sendToReplica(to, payload) {
      if (o.dropRate > 0 && random() < o.dropRate) {
        hooks.onFault('drop', to);
        return;
      }
      if (o.delayMaxMs === 0) {
        inner.sendToReplica(to, payload);
        return;
      }
      hooks.onFault('delay', to);
      later(() => inner.sendToReplica(to, payload), o.delayMinMs + random() * (o.delayMaxMs - o.delayMinMs));
    },
    async start() {
      await inner.start();
      scheduleReset();
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimer(t);
      timers.clear();
      await inner.stop();
    },
  };
}

/** Every method of the transport, bound to it (a class instance's methods are not own properties). */
function delegate(t: TcpTransport): TcpTransport {
  return {
    start: () => t.start(),
    stop: () => t.stop(),
    sendToReplica: (to, p) => t.sendToReplica(to, p),
    sendToClient: (to, p) => t.sendToClient(to, p),
    onMessage: (h) => t.onMessage(h),
    connectedReplicas: () => t.connectedReplicas(),
    connectedClients: () => t.connectedClients(),
    stats: () => t.stats(),
    addresses: () => t.addresses(),
    attach: (signer) => t.attach(signer),
    closeClient: (id, reason, detail) => t.closeClient(id, reason, detail),
    closeReplica: (id, reason, detail) => t.closeReplica(id, reason, detail),
  };
}
