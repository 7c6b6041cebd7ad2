// The load generator (issue #6): many client identities, each a client-library Session
// (src/client/session.ts: signs the request, sends it to the primary, accepts f+1 matching signed
// replies). A PBFT client has one request outstanding, so W requests in flight per client need W
// identities. Closed loop: every identity re-submits as soon as its result arrives. Open loop:
// requests are issued at a fixed rate and their latency counts from the moment they were DUE, so
// a backlog shows up in the latency (no coordinated omission).

import * as hdr from 'hdr-histogram-js';
import type { ClusterConfig } from '../config/index.ts';
import { encodeKvOp } from '../app/kv.ts';
import { HOST_MEMBER, memberSeed } from '../client/pool.ts';
import type { ClientHost, Session } from '../client/session.ts';
import { openClientHost, openSession } from '../client/session.ts';
import { round } from './measure.ts';

export interface LoadSpec {
  readonly mode: 'closed' | 'open';
  /** Identities (sessions) to open: closed loop, clients × window; open loop, enough for rate × latency. */
  readonly sessions: number;
  /** Open loop: offered operations per second (changeable between windows). */
  readonly rate: number;
  /** Bytes of the value each put writes. */
  readonly payload: number;
  /** Puts cycle over this many keys (state stays bounded); 0: every put writes a new key. */
  readonly keySpace: number;
  /** Client timer and retransmission timeout (ms). */
  readonly tickMs: number;
  readonly retransmitMs: number;
  /**
   * 'own': every identity has its own connection to each replica; 'host': one client host's
   * connection per replica carries them all (docs/TRANSPORT.md, "Client hosts"), so the replies of
   * a batch to all of them arrive in one write.
   */
  readonly clientLinks: ClientLinks;
}

export const CLIENT_LINKS = ['own', 'host'] as const;
export type ClientLinks = (typeof CLIENT_LINKS)[number];

export interface WindowStats {
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Open loop: operations that were due in the window. */
  readonly offered: number;
  /** Open loop: due operations still waiting for a free identity at the end of the window. */
  readonly backlog: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** CPU seconds the load generator used in the window. */
  readonly cpuSeconds: number;
  /** Bytes the client identities wrote to replicas (requests, retransmissions) and read (replies). */
  readonly bytesOut: number;
  readonly bytesIn: number;
}

type Histogram = ReturnType<typeof hdr.build>;

const newHistogram = (): Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

export interface LoadGen {
  readonly sessions: number;
  /** Starts counting (a new window). */
  beginWindow(): void;
  /** Ends the window and returns what was measured since beginWindow. */
  endWindow(): WindowStats;
  setRate(rate: number): void;
  /** Starts remembering acknowledged puts (up to MAX_TRACKED: the write check of `byz bench --attack`). */
  track(): void;
  /** The acknowledged puts remembered since track(): key and value. */
  tracked(): readonly (readonly [string, string])[];
  stop(): Promise<void>;
}

/** Acknowledged puts remembered for the write check (a uniform sample when there are more). */
export const MAX_TRACKED = 300;

interface Counters {
  hist: Histogram;
  ops: number;
  offered: number;
  began: number;
  cpu: NodeJS.CpuUsage;
  bytesOut: number;
  bytesIn: number;
}

async function openAll(config: ClusterConfig, seed: Uint8Array, spec: LoadSpec, host: ClientHost | undefined, log: (s: string) => void): Promise<Session[]> {
  const sessions: Session[] = [];
  const n = config.replicas.length;
  // A few at a time: a replica refuses handshakes beyond MAX_PENDING_HANDSHAKES in progress.
  const step = 32;
  for (let i = 0; i < spec.sessions; i += step) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(step, spec.sessions - i) }, (_, k) =>
        openSession({ config, seed: memberSeed(seed, i + k), tickMs: spec.tickMs, retransmitMs: spec.retransmitMs, breakerThreshold: 3, breakerResetMs: 5000, ...(host === undefined ? {} : { host }) }),
      ),
    );
    sessions.push(...batch);
    await waitConnected(batch, n, 60_000);
    if (sessions.length % 256 === 0 || sessions.length === spec.sessions) log(`connected ${sessions.length}/${spec.sessions} client identities`);
  }
  return sessions;
}

async function waitConnected(sessions: readonly Session[], n: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!sessions.every((s) => s.connectedReplicas().length === n)) {
    if (performance.now() > deadline) throw new Error(`client identities could not connect to all ${n} replicas in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startLoad(config: ClusterConfig, seed: Uint8Array, spec: LoadSpec, log: (s: string) => void): Promise<LoadGen> {
  const host = spec.clientLinks === 'host' ? await openClientHost({ config, seed: memberSeed(seed, HOST_MEMBER) }) : undefined;
  const sessions = await openAll(config, seed, spec, host, log);
  const value = new Uint8Array(spec.payload).fill(0x61);
  const valueText = 'a'.repeat(spec.payload);
  let opNo = 0;
  // Fresh keys carry a per-process prefix, so a second load generator on the same cluster does not overwrite.
  const prefix = `${process.pid.toString(36)}-`;
  const nextOp = (): { key: string; op: Uint8Array } => {
    const k = opNo++;
    const key = spec.keySpace > 0 ? `k${k % spec.keySpace}` : `${prefix}${k}`;
    return { key, op: encodeKvOp({ type: 'put', key, value }) };
  };
  // Reservoir sample of the puts acknowledged since track() (keys cycling over a key space are
  // rewritten with the same value, so a sampled key still reads back as that value).
  let tracking: { seen: number; sample: [string, string][] } | undefined;
  const acked = (key: string): void => {
    if (tracking === undefined) return;
    const i = tracking.seen++;
    if (tracking.sample.length < MAX_TRACKED) tracking.sample.push([key, valueText]);
    else {
      const j = Math.floor(Math.random() * (i + 1));
      if (j < MAX_TRACKED) tracking.sample[j] = [key, valueText];
    }
  };
  const traffic = (): { bytesOut: number; bytesIn: number } => {
    let out = 0;
    let inb = 0;
    for (const s of sessions) {
      const t = s.traffic();
      out += t.bytesOut;
      inb += t.bytesIn;
    }
    return { bytesOut: out, bytesIn: inb };
  };
  const fresh = (): Counters => ({ hist: newHistogram(), ops: 0, offered: 0, began: performance.now(), cpu: process.cpuUsage(), ...traffic() });
  let c = fresh();
  let stopping = false;
  let failures = 0;
  const record = (startedAt: number): void => {
    const us = Math.max(1, Math.round((performance.now() - startedAt) * 1000));
    c.hist.recordValue(us);
    c.ops++;
  };
  const fail = (e: unknown): void => {
    if (!stopping && failures++ < 5) log(`operation failed: ${String(e)}`);
  };

  // Open loop: a due time per operation; an idle identity takes the oldest due operation.
  const idle: Session[] = [];
  const due: number[] = [];
  let dueHead = 0;
  let rate = spec.rate;
  let issued = 0;
  let clock0 = performance.now();
  // One signal per identity (never aborted): submit() registers a listener on it per operation.
  const signals = new Map(sessions.map((s) => [s, new AbortController().signal] as const));
  const run = (s: Session, dueAt: number): void => {
    const { key, op } = nextOp();
    s.submit(op, signals.get(s)!).then(
      () => {
        record(dueAt);
        acked(key);
        next(s);
      },
      (e: unknown) => {
        fail(e);
        next(s);
      },
    );
  };
  const next = (s: Session): void => {
    if (stopping) return;
    if (spec.mode === 'closed') return run(s, performance.now());
    if (dueHead < due.length) run(s, due[dueHead++]!);
    else idle.push(s);
    if (dueHead > 4096) {
      due.splice(0, dueHead);
      dueHead = 0;
    }
  };
  let pacer: NodeJS.Timeout | undefined;
  if (spec.mode === 'closed') {
    for (const s of sessions) next(s);
  } else {
    idle.push(...sessions);
    pacer = setInterval(() => {
      const t = performance.now();
      // Operation k is due at clock0 + k/rate: every operation whose due time has come is issued
      // (until session 24 the count lacked its + 1, so each was issued one interval after it was
      // due, and that interval counted in its latency: +50 ms at 20/s, +1 ms at 1,000/s).
      const target = Math.floor(((t - clock0) * rate) / 1000) + 1;
      for (; issued < target; issued++) {
        const at = clock0 + (issued * 1000) / rate;
        c.offered++;
        const s = idle.pop();
        if (s !== undefined) run(s, at);
        else due.push(at);
      }
    }, 1);
  }

  return {
    sessions: sessions.length,
    beginWindow() {
      c = fresh();
    },
    endWindow(): WindowStats {
      const elapsedMs = performance.now() - c.began;
      const cpu = process.cpuUsage(c.cpu);
      const h = c.hist;
      const ms = (us: number): number => round(us / 1000, 3);
      return {
        ops: c.ops,
        elapsedMs: round(elapsedMs, 1),
        opsPerSec: round((c.ops * 1000) / elapsedMs, 1),
        offered: c.offered,
        backlog: due.length - dueHead,
        latencyMs: {
          p50: ms(h.getValueAtPercentile(50)),
          p90: ms(h.getValueAtPercentile(90)),
          p99: ms(h.getValueAtPercentile(99)),
          max: ms(h.maxValue),
          mean: ms(h.mean),
        },
        cpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
        ...(() => {
          const t = traffic();
          return { bytesOut: t.bytesOut - c.bytesOut, bytesIn: t.bytesIn - c.bytesIn };
        })(),
      };
    },
    setRate(r: number) {
      // A new rate starts a fresh schedule; operations already due stay due.
      rate = r;
      issued = 0;
      clock0 = performance.now();
    },
    track() {
      tracking = { seen: 0, sample: [] };
    },
    tracked: () => tracking?.sample ?? [],
    async stop() {
      stopping = true;
      if (pacer !== undefined) clearInterval(pacer);
      await Promise.all(sessions.map((s) => s.stop()));
      await host?.stop();
    },
  };
}
