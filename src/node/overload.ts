// The node shell's part of adaptive admission and degradation levels (issue 18 items 3–4): it
// measures, the pure src/overload decides, and this applies. Before a request is authenticated it
// runs the cheap checks — the level's size bound and read-only rule, then the sender's token
// bucket (a client by its authenticated connection, a replica relaying requests by its peer id);
// after authentication a relayed request also draws on its client's bucket, so a client gets one
// share at this replica however it reaches it. Every control period it takes a LoadSample (request
// arrival → execution latency timed here, pending requests, inbox depth), moves the capacity,
// shares and level, sets the gauges and logs each level change. Drops are counted drop reasons
// (core/drops.ts); there is no "busy" reply in the protocol (a replica's word alone could not be
// trusted), so a dropped client retransmits with its doubling backoff (src/protocol/client.ts).

import type { DropReason } from '../core/drops.ts';
import { requestCost } from '../core/limits.ts';
import type { ExecutedBatch } from '../protocol/types.ts';
import type { Request } from '../wire/messages.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import { decodeMessage } from '../wire/codec.ts';
import type { PeerId } from '../transport/port.ts';
import type { OverloadConfig } from '../config/index.ts';
import type { AdmissionState } from '../overload/admission.ts';
import { admitClient, admitPeer, createAdmission, endPeriod, isPenalized, penalize } from '../overload/admission.ts';
import type { LevelName, LevelParams, LevelState } from '../overload/levels.ts';
import { LEVELS, createLevels, effectsOf, stepLevel } from '../overload/levels.ts';
import type { LevelEffects } from '../overload/levels.ts';

/** Most request arrival times kept for the latency measure (the oldest go first). */
const MAX_TIMED = 65_536;
/** Idle periods before a client's bucket is forgotten. */
const IDLE_PERIODS = 8;
/** Most clients (and peers) with a bucket at once. */
const MAX_TRACKED = 100_000;

/** What /status shows (docs/OPERATIONS.md, "Overload"). */
export interface OverloadStatus {
  readonly enabled: boolean;
  readonly level: LevelName;
  readonly levelSince: string;
  /** The last period's pressure (≥ 1: congested). */
  readonly pressure: number;
  /** Clients offered more than demandHigh × the executed rate in the last period (docs/OPERATIONS.md). */
  readonly flooded: boolean;
  /** Requests/s this replica admits in all; null while unbounded. */
  readonly capacityPerSecond: number | null;
  /** Each client's fair share, requests/s; null while every demand fits. */
  readonly clientSharePerSecond: number | null;
  readonly trackedClients: number;
  /** Of drops.throttled: over a client's bucket (`penalized`: of those, while the client was barred for a fault), and relays over a peer's bucket. */
  readonly throttledBy: { readonly clients: number; readonly peers: number; readonly penalized: number };
  /** Requests that proved their client faulty and penalized it (overload.faultPenaltyMs). */
  readonly clientFaults: number;
  readonly drops: Readonly<Record<'throttled' | 'shed-oversized' | 'read-only-mode', number>>;
}

export interface OverloadSample {
  readonly nowMs: number;
  readonly pending: number;
  readonly inbox: number;
}

export interface Overload {
  /** Before authentication: a drop reason, or undefined to go on (non-requests always go on). */
  before(from: PeerId, payload: Uint8Array, nowMs: number): DropReason | undefined;
  /** After authentication: a relayed request also draws on its client's bucket; times the request. */
  after(from: PeerId, request: Request, nowMs: number): DropReason | undefined;
  /** A request from this client's own connection proved it faulty (accountability/ingress-symptoms.ts provesClientFault); true if it is now barred. */
  clientFault(client: string, nowMs: number): boolean;
  /** Whether this client is barred now (it may not connect). */
  barred(client: string, nowMs: number): boolean;
  /** A round's executed batches (latency and executed count). */
  executed(batches: readonly ExecutedBatch[], nowMs: number): void;
  /** Ends a control period; the level change, if there was one. */
  period(sample: OverloadSample): { readonly from: LevelName; readonly to: LevelName; readonly pressure: number } | undefined;
  /** Whether this tick period delivers a tick to the core (relaxed: one in tickStretch). */
  tickDue(): boolean;
  status(): OverloadStatus;
  /** The level as a number, 0 normal … 3 read-only (byz_overload_level). */
  levelIndex(): number;
}

export function levelParamsOf(c: OverloadConfig): LevelParams {
  return {
    thresholds: { shedding: c.sheddingPressure, relaxed: c.relaxedPressure, 'read-only': c.readOnlyPressure },
    exitRatio: c.exitRatio,
    enterPeriods: c.enterPeriods,
    exitPeriods: c.exitPeriods,
    maxLevel: c.maxLevel,
  };
}

export function admissionOf(c: OverloadConfig): AdmissionState {
  return createAdmission({
    capacity: {
      latencyTargetMs: c.latencyTargetMs, pendingHigh: c.pendingHigh, inboxHigh: c.inboxHigh,
      decrease: c.decrease, increasePerSecond: c.increasePerSecond, minCapacity: c.minCapacity, demandHigh: c.demandHigh,
    },
    minClientRate: c.minClientRate, burstSeconds: c.burstSeconds, minBurst: c.minBurst, heavyFactor: c.heavyFactor,
    maxTracked: MAX_TRACKED, idlePeriods: IDLE_PERIODS, penaltyMs: c.faultPenaltyMs,
  });
}

const isReadOnlyRequest = (payload: Uint8Array): boolean => {
  const m = decodeMessage(payload);
  return m.ok && m.value.type === 'request' && m.value.readOnly;
};

export function createOverload(c: OverloadConfig, startMs: number): Overload {
  const adm = admissionOf(c);
  const levels: LevelState = createLevels();
  const levelParams = levelParamsOf(c);
  let effects: LevelEffects = effectsOf('normal', c);
  let levelSince = startMs;
  let lastPeriod = startMs;
  let ticks = 0;
  const drops = { throttled: 0, 'shed-oversized': 0, 'read-only-mode': 0 };
  const arrived = new Map<string, number>();
  let executedCount = 0;
  let latencySum = 0;
  let latencyCount = 0;
  const drop = (r: keyof typeof drops): DropReason => {
    drops[r]++;
    return r;
  };
  return {
    before(from, payload, nowMs) {
      if (!c.enabled || (from.kind !== 'client' && payload[0] !== MESSAGE_TAGS.request)) return undefined;
      if (effects.shedBytes !== undefined && payload.length > effects.shedBytes) return drop('shed-oversized');
      if (effects.readOnly && !isReadOnlyRequest(payload)) return drop('read-only-mode');
      const cost = requestCost(payload.length);
      const ok = from.kind === 'client' ? admitClient(adm, from.id, nowMs, cost) : admitPeer(adm, Number(from.id), nowMs, cost);
      return ok ? undefined : drop('throttled');
    },
    after(from, request, nowMs) {
      if (!c.enabled) return undefined;
      if (from.kind === 'replica' && !admitClient(adm, request.client, nowMs, requestCost(request.op.length), true)) return drop('throttled');
      if (request.readOnly) return undefined;
      const key = `${request.client}:${request.reqNo}`;
      if (!arrived.has(key)) {
        if (arrived.size >= MAX_TIMED) arrived.delete(arrived.keys().next().value ?? key);
        arrived.set(key, nowMs);
      }
      return undefined;
    },
    clientFault(client, nowMs) {
      return c.enabled && penalize(adm, client, nowMs);
    },
    barred(client, nowMs) {
      return c.enabled && isPenalized(adm, client, nowMs);
    },
    executed(batches, nowMs) {
      if (!c.enabled) return;
      for (const b of batches) {
        for (const e of b.executed) {
          executedCount += requestCost(e.request.op.length);
          const key = `${e.request.client}:${e.request.reqNo}`;
          const t = arrived.get(key);
          if (t === undefined) continue;
          arrived.delete(key);
          latencySum += nowMs - t;
          latencyCount++;
        }
      }
    },
    period(s) {
      if (!c.enabled) return undefined;
      const periodMs = Math.max(1, s.nowMs - lastPeriod);
      lastPeriod = s.nowMs;
      endPeriod(adm, { periodMs, executed: executedCount, meanLatencyMs: latencyCount === 0 ? undefined : latencySum / latencyCount, pending: s.pending, inbox: s.inbox }, s.nowMs);
      executedCount = 0;
      latencySum = 0;
      latencyCount = 0;
      const change = stepLevel(levels, adm.pressure, levelParams);
      if (change === undefined) return undefined;
      effects = effectsOf(change.to, c);
      adm.shedHeavy = effects.shedHeavy;
      levelSince = s.nowMs;
      return { ...change, pressure: adm.pressure };
    },
    tickDue() {
      ticks++;
      return ticks % effects.tickStretch === 0;
    },
    status() {
      return {
        enabled: c.enabled,
        level: levels.level,
        levelSince: new Date(levelSince).toISOString(),
        pressure: Math.round(adm.pressure * 1000) / 1000,
        flooded: adm.flooded,
        capacityPerSecond: adm.capacity === Infinity ? null : Math.round(adm.capacity),
        clientSharePerSecond: adm.share === Infinity ? null : Math.round(adm.share * 10) / 10,
        trackedClients: adm.clients.size,
        throttledBy: { ...adm.throttled },
        clientFaults: adm.penalties,
        drops: { ...drops },
      };
    },
    levelIndex() {
      return LEVELS.indexOf(levels.level);
    },
  };
}
