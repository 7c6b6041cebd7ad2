// Adaptive admission (issue 18 item 3): per-client and per-peer token buckets the node shell checks
// BEFORE a request's signature or MAC is verified, whose rates follow measured capacity. Each
// control period the shell hands in a LoadSample; the capacity estimate moves by AIMD
// (capacity.ts) and every client's rate becomes the max-min fair share of it by the demands
// measured in the period (fair-share.ts), never below `minClientRate`. Rates, demands and the
// capacity are in request cost units (core/limits.ts requestCost: a request of up to 4 KiB is one
// unit, a 64 KiB one seventeen), so a client of large requests is held to the same share of the
// replicas' work as one of small requests. So a client sending at or
// below its share is never limited, and a flooder keeps only its share: its excess is dropped
// before it costs a verification, an ordering slot and an execution at every replica (Aardvark,
// NSDI '09 §4.1: per-client fair queues, "a flood costs the flooder"). A peer replica relays client
// requests to the primary (TOCS '02 §4.1); its relays are bounded by twice the capacity (peerRate).
// Pure: times are milliseconds passed in; the tables are bounded.

import type { Bucket } from './bucket.ts';
import { newBucket, takeToken } from './bucket.ts';
import type { CapacityParams, LoadSample } from './capacity.ts';
import { EXECUTED_PEAK_DECAY, FLOOD_WARMUP_PERIODS, floodedBy, nextCapacity, pressureOf } from './capacity.ts';
import { maxMinShare } from './fair-share.ts';

export interface AdmissionParams {
  readonly capacity: CapacityParams;
  /** A client may always send this many requests/s (an honest client at a normal rate is never limited). */
  readonly minClientRate: number;
  /** A bucket holds this many seconds of its rate, and at least minBurst requests. */
  readonly burstSeconds: number;
  readonly minBurst: number;
  /** While shedding (levels.ts), a client that asked for more than its share gets its share × this. */
  readonly heavyFactor: number;
  /** Most clients tracked at once (the least recently added idle ones go first). */
  readonly maxTracked: number;
  /** A bucket idle this many periods is forgotten (it would be full again anyway). */
  readonly idlePeriods: number;
  /** After a client proved itself faulty (penalize), nothing of it is admitted for this long (ms; 0: never). */
  readonly penaltyMs: number;
}

interface Entry {
  readonly bucket: Bucket;
  /** Cost units seen (admitted or not) in the current period: the client's demand. */
  seen: number;
  idle: number;
  /** Asked for more than its share in the last period. */
  heavy: boolean;
  /** Nothing of it is admitted until this time (ms): it sent a request that proves it faulty (penalize). */
  penaltyUntilMs: number;
}

export interface AdmissionState {
  readonly params: AdmissionParams;
  /** Aggregate requests/s this replica admits (Infinity: no limit in force). */
  capacity: number;
  /** Each client's rate by max-min fairness (Infinity: the demands fit). */
  share: number;
  /** The last period's pressure (capacity.ts: ≥ 1 is congested). */
  pressure: number;
  /** Clients offered a flood's worth in the last period (capacity.ts floodedBy). */
  flooded: boolean;
  /** Cost units received from client connections in the current period (relays not counted). */
  offered: number;
  /** Set by the degradation level (shedding and above): heavy clients get heavyFactor × share. */
  shedHeavy: boolean;
  readonly clients: Map<string, Entry>;
  readonly peers: Map<number, Entry>;
  /** Requests/s executed in the last period (a peer's relays are bounded by twice the larger of this and the capacity). */
  executedRate: number;
  /** The executed rate's peak over recent periods, decaying by EXECUTED_PEAK_DECAY a period (a flood hold's base). */
  executedPeak: number;
  /** Periods so far that executed anything (a flood is judged from FLOOD_WARMUP_PERIODS on). */
  executedPeriods: number;
  /** Requests refused by a bucket so far, clients and peers; `penalized`: of the clients', those refused while their sender was penalized. */
  throttled: { clients: number; peers: number; penalized: number };
  /** Faults that penalized a client so far (penalize). */
  penalties: number;
}

export function createAdmission(params: AdmissionParams): AdmissionState {
  return { params, capacity: Infinity, share: Infinity, executedRate: 0, executedPeak: 0, executedPeriods: 0, pressure: 0, flooded: false, offered: 0, shedHeavy: false, clients: new Map(), peers: new Map(), throttled: { clients: 0, peers: 0, penalized: 0 }, penalties: 0 };
}

/** The rate (cost units/s) a client's bucket refills at now. */
export function clientRate(st: AdmissionState, heavy: boolean): number {
  if (st.share === Infinity) return Infinity;
  const share = st.shedHeavy && heavy ? st.share * st.params.heavyFactor : st.share;
  return Math.max(st.params.minClientRate, share);
}

/**
 * The rate at which one peer's relayed requests are admitted: twice the larger of the capacity and
 * what the cluster executes. An honest peer relays only what its own admission let in (after a view
 * change, a client's requests may all reach the primary as relays), so only a faulty peer meets it.
 */
export function peerRate(st: AdmissionState): number {
  return st.capacity === Infinity ? Infinity : 2 * Math.max(st.params.capacity.minCapacity, st.capacity, st.executedRate);
}

const burstOf = (p: AdmissionParams, rate: number): number => (rate === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(p.minBurst, rate * p.burstSeconds));

function entry<K>(table: Map<K, Entry>, key: K, p: AdmissionParams, nowMs: number): Entry {
  const e = table.get(key);
  if (e !== undefined) return e;
  if (table.size >= p.maxTracked) {
    const oldest = table.keys().next();
    if (oldest.done !== true) table.delete(oldest.value);
  }
  const fresh: Entry = { bucket: newBucket(p.minBurst, nowMs), seen: 0, idle: 0, heavy: false, penaltyUntilMs: 0 };
  table.set(key, fresh);
  return fresh;
}

/**
 * One request from this client (its authenticated id) costing `cost` units (core/limits.ts
 * requestCost: rates, demands and shares are in these units): true to admit it, false to drop it
 * unverified. A bucket always holds at least one request's cost, so a large request waits for its
 * tokens instead of never fitting. `relayed`: it came through a peer replica (and was verified); it
 * draws on the client's bucket but is not counted as offered to this replica — a correct client's
 * broadcast reaches a primary once directly and again through every backup, which would look like a
 * flood (capacity.ts floodedBy).
 */
export function admitClient(st: AdmissionState, client: string, nowMs: number, cost: number, relayed = false): boolean {
  const e = entry(st.clients, client, st.params, nowMs);
  e.seen += cost;
  if (!relayed) st.offered += cost;
  if (e.penaltyUntilMs > nowMs) {
    st.throttled.clients++;
    st.throttled.penalized++;
    return false;
  }
  const rate = clientRate(st, e.heavy);
  if (takeToken(e.bucket, nowMs, rate, Math.max(cost, burstOf(st.params, rate)), cost)) return true;
  st.throttled.clients++;
  return false;
}

/** Whether the client is barred for a fault now (penalize). */
export function isPenalized(st: AdmissionState, client: string, nowMs: number): boolean {
  return (st.clients.get(client)?.penaltyUntilMs ?? 0) > nowMs;
}

/**
 * The client sent, on its own authenticated connection, a request no correct client sends (a bad
 * signature or authenticator, an op over the limit, bytes that do not decode, another client's
 * name): for penaltyMs nothing of it is admitted. Aardvark (NSDI '09 §4.1) blacklists such a
 * client; a timed penalty bounds the harm if the blame was wrong (on a link without per-frame
 * integrity an on-path attacker could have altered the bytes, and could as well have cut the
 * connection). Nothing rather than a trickle: each replica's trickle would admit different requests
 * of it, and a backup whose admitted request the primary never saw would time out on it and
 * suspect a correct primary (seen: four view changes in 15 s of `byz bench --attack c:oversized`).
 * True: the client is barred (the node then has the core forget its queued requests).
 */
export function penalize(st: AdmissionState, client: string, nowMs: number): boolean {
  if (st.params.penaltyMs <= 0) return false;
  const e = entry(st.clients, client, st.params, nowMs);
  e.penaltyUntilMs = nowMs + st.params.penaltyMs;
  st.penalties++;
  return true;
}

/** One request costing `cost` units relayed by a peer replica: true to admit it, false to drop it unverified. */
export function admitPeer(st: AdmissionState, peer: number, nowMs: number, cost: number): boolean {
  const e = entry(st.peers, peer, st.params, nowMs);
  e.seen += cost;
  const rate = peerRate(st);
  if (takeToken(e.bucket, nowMs, rate, Math.max(cost, burstOf(st.params, rate)), cost)) return true;
  st.throttled.peers++;
  return false;
}

/**
 * Ends a control period at `nowMs`: the pressure and capacity from the sample, then each client's
 * share by the demands seen in the period; clients over their share are marked heavy; idle entries
 * go, except a barred client's until its bar ends (a barred client is idle: its connection is closed).
 */
export function endPeriod(st: AdmissionState, sample: LoadSample, nowMs = Infinity): void {
  const p = st.params;
  const perSecond = 1000 / sample.periodMs;
  const demands: number[] = [];
  for (const e of st.clients.values()) if (e.seen > 0) demands.push(e.seen * perSecond);
  const offered = st.offered * perSecond;
  st.offered = 0;
  st.pressure = pressureOf(sample, p.capacity);
  st.executedRate = sample.executed * perSecond;
  st.executedPeak = Math.max(st.executedRate, st.executedPeak * EXECUTED_PEAK_DECAY);
  if (sample.executed > 0) st.executedPeriods++;
  st.flooded = st.executedPeriods >= FLOOD_WARMUP_PERIODS && floodedBy(offered, st.executedPeak, p.capacity);
  st.capacity = nextCapacity(st.capacity, sample, st.pressure, p.capacity, st.flooded ? st.executedPeak : undefined);
  st.share = st.capacity === Infinity ? Infinity : maxMinShare(st.capacity, demands);
  settle(st.clients, p, (e) => e.seen * perSecond > st.share, nowMs);
  settle(st.peers, p, () => false, nowMs);
}

function settle<K>(table: Map<K, Entry>, p: AdmissionParams, heavy: (e: Entry) => boolean, nowMs: number): void {
  for (const [key, e] of table) {
    e.heavy = heavy(e);
    e.idle = e.seen > 0 ? 0 : e.idle + 1;
    e.seen = 0;
    if (e.idle >= p.idlePeriods && e.penaltyUntilMs <= nowMs) table.delete(key);
  }
}
