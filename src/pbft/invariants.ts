// Invariants of a replica's state between two steps, in the spirit of TigerBeetle's assertions: each
// states something the code guarantees after every handle(), so a violation is a bug in this replica
// (never the fault of a peer: hostile input is dropped before it can break any of these).
// 'cheap' checks take time bounded by n (safe for production); 'all' also walks the log, the
// prepared certificates, the checkpoints and the request queues (tests and the simulator).
// A slot executed before the previous check no longer changes (only other replicas' late votes are
// added to it), so 'all' checks such a slot's window and phase again but its contents once more
// only when `settledUpTo` says so: the replica passes the last executed seq of its previous check.
// A replica's own checker (`wholeStateCheck`) also skips the contents of a slot that did not change
// since its previous check: the core sets `LogEntry.changed` on every change to them, and a change
// of view, status or quorum re-checks every slot (issue 17 item 5: a replica holding hundreds of
// unexecuted slots in a state transfer re-checked each of them after every step with output), and
// the pending queue's entries only at the keys added or removed since (ServiceState.queueEdits).

import { checkServiceBounds, checkServiceQueues } from '../service/invariants.ts';
import { requestKey } from '../service/types.ts';
import { isPrimary } from './context.ts';
import type { LogEntry, ReplicaState } from './state.ts';
import type { PrePrepare } from '../wire/messages.ts';
import { baseTimeout } from './timeout.ts';
import { MAX_PENDING_REQUESTS } from '../core/limits.ts';
import { isCommitted, preparedByAll } from './state.ts';

import type { InvariantChecks } from '../protocol/core.ts';

export type { InvariantChecks };

/**
 * The invariants that do not hold in `st`, one line each (empty when all hold). Slots up to
 * `settledUpTo` (0: none) get only the window and phase checks.
 */
export function checkInvariants(st: ReplicaState, level: InvariantChecks, settledUpTo = 0): string[] {
  return check(st, level, settledUpTo, false);
}

/** How a replica's checker (`wholeStateCheck`) runs. */
export interface WholeStateCheckOptions {
  /**
   * Tests only: the checker also keeps each slot's contents (the objects `checkEntry` reads) and
   * reports a slot whose contents changed while its `changed` mark stayed clear — a change the
   * skipping would have left unchecked (test/sim/change-marks.test.ts); and after a pass it walks
   * every pending request too, reporting what the check of the marked keys missed. Off by default.
   */
  readonly auditChangeMarks?: boolean;
}

/**
 * One replica's checker, for every check of `st` from now on: slots up to the last executed seq of
 * its previous 'all' check get only the window and phase checks, and an unexecuted slot's contents
 * are checked again only when `LogEntry.changed` says they changed (or the view, status or quorum
 * did). Its first 'all' check is a whole one.
 */
export function wholeStateCheck(st: ReplicaState, options: WholeStateCheckOptions = {}): (level: InvariantChecks) => string[] {
  let settledUpTo = 0;
  let last: { view: number; status: ReplicaState['status']; quorum: number } | undefined;
  const audit = options.auditChangeMarks === true ? new WeakMap<LogEntry, readonly unknown[]>() : undefined;
  return (level) => {
    if (level !== 'all') return check(st, level, 0, false);
    const same = last !== undefined && last.view === st.view && last.status === st.status && last.quorum === st.quorum;
    const bad = audit === undefined ? [] : unmarkedChanges(st, settledUpTo, audit);
    bad.push(...check(st, level, settledUpTo, same, true));
    if (audit !== undefined) {
      st.log.forEach((e) => void audit.set(e, contentsOf(st, e)));
      // The queue checks of the marked keys passed: so must the walk of every entry (and of every
      // in-flight key, which the checker skips while nothing changed).
      const whole: string[] = [];
      if (bad.length === 0) checkQueues(st, whole, false);
      for (const w of whole) bad.push(`request queue changed without its change mark: ${w}`);
    }
    settledUpTo = st.lastExecuted;
    last = { view: st.view, status: st.status, quorum: st.quorum };
    return bad;
  };
}

/** What `checkEntry` reads of a slot, as the objects themselves (every message is immutable). */
function contentsOf(st: ReplicaState, e: LogEntry): readonly unknown[] {
  const out: unknown[] = [e.seq, e.prePrepare, e.phase, st.preparedCerts.get(e.seq), e.prepares.size, e.commits.size];
  e.prepares.forEach((p, r) => void out.push(r, p));
  e.commits.forEach((c, r) => void out.push(r, c));
  return out;
}

function unmarkedChanges(st: ReplicaState, settledUpTo: number, audit: WeakMap<LogEntry, readonly unknown[]>): string[] {
  const bad: string[] = [];
  st.log.forEach((e, n) => {
    const before = audit.get(e);
    if (n <= settledUpTo || e.changed || before === undefined) return;
    const now = contentsOf(st, e);
    if (before.length !== now.length || before.some((x, i) => x !== now[i])) bad.push(`${slot(e)} changed without its change mark`);
  });
  return bad;
}

/** `queueEditsOnly`: the pending queue's entries are checked at their marked keys only (checkServiceQueues). */
function check(st: ReplicaState, level: InvariantChecks, settledUpTo: number, changedOnly: boolean, queueEditsOnly = false): string[] {
  const bad: string[] = [];
  if (level === 'off') return bad;
  checkCheap(st, bad);
  if (level === 'all') {
    checkLog(st, settledUpTo, changedOnly, bad);
    checkCertificates(st, bad);
    checkQueues(st, bad, queueEditsOnly);
  }
  return bad;
}

/** The request timer's state (timeout.ts): the base timeout within its bounds, the per-client map bounded. */
function checkTimer(st: ReplicaState, bad: string[]): void {
  const t = baseTimeout(st);
  const p = st.params;
  if (t < p.minRequestTimeoutTicks || t > p.requestTimeoutTicks) bad.push(`request timeout ${t} outside [${p.minRequestTimeoutTicks}, ${p.requestTimeoutTicks}]`);
  // Entries are made only for clients with queued requests (at most MAX_PENDING_REQUESTS of them).
  if (st.clientProgressTick.size > MAX_PENDING_REQUESTS) bad.push(`${st.clientProgressTick.size} client timer entries (> ${MAX_PENDING_REQUESTS})`);
  // The slow-primary detector (slow-primary.ts) remembers the last n views only.
  const sp = st.slowPrimary;
  if (sp.history.length > st.n) bad.push(`slow-primary history of ${sp.history.length} views (> n = ${st.n})`);
  if (sp.resent > sp.executed) bad.push(`slow-primary period: ${sp.resent} re-sent of ${sp.executed} executed`);
  if (sp.work < sp.executed) bad.push(`slow-primary period: ${sp.work} units of work for ${sp.executed} requests (each is at least one)`);
  // f+1 consecutive views found slow restart the expectation at once (enterView).
  if (sp.slowViews.length > st.f) bad.push(`slow-primary: ${sp.slowViews.length} consecutive slow views kept (> f = ${st.f})`);
}

function checkCheap(st: ReplicaState, bad: string[]): void {
  checkTimer(st, bad);
  const h = st.lowWatermark;
  const k = st.params.checkpointInterval;
  // §4.3: h is the last stable checkpoint: a multiple of K this replica has executed (or fetched).
  if (h > st.lastExecuted) bad.push(`low watermark ${h} above last executed ${st.lastExecuted}`);
  if (h % k !== 0) bad.push(`low watermark ${h} is not a checkpoint (K = ${k})`);
  // The stable checkpoint is this replica's own state, proven by 2f+1 matching checkpoints (§4.3).
  if (h > 0) {
    const own = st.ownCheckpoints.get(h);
    if (own === undefined) bad.push(`no own checkpoint state at the stable checkpoint ${h}`);
    if (st.stableProof.length < st.quorum) bad.push(`stable checkpoint ${h} proven by ${st.stableProof.length} < ${st.quorum} checkpoints`);
    for (const cp of st.stableProof) {
      if (cp.seq !== h || (own !== undefined && cp.stateDigest !== own.digest)) bad.push(`stable proof holds a checkpoint for ${cp.seq} that does not match the stable checkpoint ${h}`);
    }
  }
  // A primary never assigns a sequence number that is already executed (§4.2).
  if (st.status === 'normal' && isPrimary(st) && st.lastAssigned < st.lastExecuted) {
    bad.push(`primary's last assigned ${st.lastAssigned} below last executed ${st.lastExecuted}`);
  }
  if (st.transfer !== undefined && st.transfer.seq <= st.lastExecuted) bad.push(`state transfer to ${st.transfer.seq}, already executed ${st.lastExecuted}`);
  if (st.certified !== undefined && st.certified.seq <= h) bad.push(`certified checkpoint ${st.certified.seq} not above the stable one ${h}`);
  checkServiceBounds(st.svc, bad);
  if (st.viewChange.received.size > st.n || st.peerViews.size > st.n) bad.push('more view-change or peer-view records than replicas');
  if (st.status === 'normal') {
    for (const vc of st.viewChange.received.values()) {
      if (vc.newView <= st.view) bad.push(`in normal view ${st.view}, still holding a VIEW-CHANGE for view ${vc.newView}`);
    }
  }
}

/**
 * The log: one entry per seq in (h, H'] where H' = h + L, or the certified checkpoint + L while this
 * replica is behind (a NEW-VIEW may re-issue up to min-s + L before h reaches min-s, §4.4); each
 * entry's phase agrees with its pre-prepare, view and votes. With `changedOnly`, the contents of a
 * slot whose `changed` mark is clear are not checked again; the mark is cleared once a slot's contents
 * pass (a slot that fails stays marked, so it fails again at the next check).
 */
function checkLog(st: ReplicaState, settledUpTo: number, changedOnly: boolean, bad: string[]): void {
  const top = Math.max(st.lowWatermark, st.certified?.seq ?? 0) + st.params.windowSize;
  // forEach, not `for (const [n, e] of …)`: the destructured entry was allocated per slot per step
  // (a fifth of a simulator run's allocations with checkCertificates, issue 17 item 5).
  st.log.forEach((e, n) => {
    if (n <= st.lowWatermark || n > top) bad.push(`${slot(e)} outside (${st.lowWatermark}, ${top}]`);
    if (n <= st.lastExecuted && !isCommitted(e.phase)) bad.push(`${slot(e)} executed but not committed`);
    if (n > settledUpTo && (e.changed || !changedOnly)) {
      const before = bad.length;
      checkEntry(st, n, e, bad);
      if (bad.length === before) e.changed = false;
    } else e.changed = false;
  });
}

/** One slot's contents: its pre-prepare, its digest and its phase against its votes and certificate. */
function checkEntry(st: ReplicaState, n: number, e: LogEntry, bad: string[]): void {
  if (e.seq !== n) bad.push(`${slot(e)} holds seq ${e.seq}`);
  const pp = e.prePrepare;
  if (pp !== undefined && pp.seq !== n) bad.push(`${slot(e)} holds a pre-prepare for seq ${pp.seq}`);
  // A committed certificate is self-certifying, whatever its view; everything else is from our views.
  if (pp !== undefined && pp.view > st.view && e.phase !== 'committed-by-certificate') bad.push(`${slot(e)} holds a pre-prepare of a future view ${pp.view}`);
  if (pp !== undefined) checkOneDigest(st, e, bad);
  if (isCommitted(e.phase)) checkCommittedEntry(st, e, bad);
  else checkOpenEntry(st, e, bad);
}

/** Names a log slot in a violation (built only then: the checks run after every step). */
function slot(e: LogEntry): string {
  return `log entry ${e.seq} (${e.phase})`;
}

/**
 * At most one digest per (v, n) at this replica (§4.2): its prepared certificate of the slot's view
 * and its own PREPARE and COMMIT in that view are for the slot's pre-prepare. Not for a slot learnt
 * from a committed certificate: an equivocating primary may have made this replica prepare another
 * digest first, which is exactly why it stops voting on that slot.
 */
function checkOneDigest(st: ReplicaState, e: LogEntry, bad: string[]): void {
  const pp = e.prePrepare;
  if (pp === undefined || e.phase === 'committed-by-certificate') return;
  const cert = st.preparedCerts.get(e.seq)?.prePrepare;
  const own = [cert, e.prepares.get(st.id), e.commits.get(st.id)];
  for (const m of own) {
    if (m !== undefined && m.view === pp.view && m.digest !== pp.digest) bad.push(`log entry ${e.seq}: two digests for (view ${pp.view}, seq ${e.seq}) (${m.type})`);
  }
}

/** Undecided slots belong to the current view: a view change discards them (§4.4). */
function checkOpenEntry(st: ReplicaState, e: LogEntry, bad: string[]): void {
  if (st.status !== 'normal') bad.push(`${slot(e)} undecided during a view change`);
  if (e.prePrepare !== undefined && e.prePrepare.view !== st.view) bad.push(`${slot(e)} holds a pre-prepare of view ${e.prePrepare.view} in view ${st.view}`);
  if (e.phase === 'prepared') checkPreparedCertFor(st, e, bad);
}

/**
 * committed(m, v, n): 2f+1 matching commits for the slot's pre-prepare (§4.2) — or, committed here on
 * the fast path, a matching PREPARE from every backup — and prepared first unless learnt by certificate.
 */
function checkCommittedEntry(st: ReplicaState, e: LogEntry, bad: string[]): void {
  const pp = e.prePrepare;
  if (pp === undefined) return void bad.push(`${slot(e)} has no pre-prepare`);
  let matching = 0;
  for (const c of e.commits.values()) if (c.view === pp.view && c.digest === pp.digest) matching++;
  if (matching < st.quorum && !preparedByAll(st.n, e, pp)) bad.push(`${slot(e)} with ${matching} < ${st.quorum} matching commits and not prepared by all`);
  if (e.phase === 'committed') checkPreparedCertFor(st, e, bad);
}

/** A slot this replica prepared has its prepared certificate for the same pre-prepare (it must reach a VIEW-CHANGE, §4.4). */
function checkPreparedCertFor(st: ReplicaState, e: LogEntry, bad: string[]): void {
  const pp = e.prePrepare;
  const cert = st.preparedCerts.get(e.seq);
  if (pp === undefined || cert === undefined) return void bad.push(`log entry ${e.seq} (${e.phase}) without ${pp === undefined ? 'a pre-prepare' : 'its prepared certificate'}`);
  if (cert.prePrepare.view !== pp.view || cert.prePrepare.digest !== pp.digest) {
    bad.push(`log entry ${e.seq} (${e.phase}) in view ${pp.view} has a prepared certificate of view ${cert.prePrepare.view} for another digest`);
  }
}

/** Prepared certificates (the P set) and checkpoints: above h, consistent with their keys. */
function checkCertificates(st: ReplicaState, bad: string[]): void {
  const h = st.lowWatermark;
  st.preparedCerts.forEach((cert, n) => {
    if (cert.prePrepare.seq !== n) bad.push(`prepared certificate under ${n} is for seq ${cert.prePrepare.seq}`);
    if (n <= h) bad.push(`prepared certificate ${n} at or below h = ${h} (not garbage-collected)`);
    if (cert.prePrepare.view > st.view) bad.push(`prepared certificate ${n} of a future view ${cert.prePrepare.view}`);
    if (cert.prepares.length < st.quorum - 1) bad.push(`prepared certificate ${n} with ${cert.prepares.length} < ${st.quorum - 1} prepares`);
  });
  // Q's source (the fast path): the latest pre-prepare accepted per seq above h, never of a future view.
  st.prePrepared.forEach((pp, n) => {
    if (pp.seq !== n || n <= h || pp.view > st.view) bad.push(`accepted pre-prepare under ${n} (seq ${pp.seq}, view ${pp.view}) is for another seq, at or below h = ${h}, or of a future view`);
  });
  for (const n of st.ownCheckpoints.keys()) {
    if (n < h || n > st.lastExecuted || n % st.params.checkpointInterval !== 0) bad.push(`own checkpoint at ${n} outside [h = ${h}, executed ${st.lastExecuted}] or not a multiple of K`);
  }
  for (const n of st.checkpoints.keys()) if (n < h) bad.push(`checkpoint messages kept for ${n} below h = ${h}`);
}

/**
 * The service's queues (src/service/invariants.ts); requests in flight are in unexecuted pre-prepares.
 * With `editsOnly` (a replica's own checker), the in-flight keys are not walked again while neither
 * they (EditCountedSet.edits) nor the set of keys in unexecuted pre-prepares (the same set object,
 * loggedKeys) changed since a walk that passed: it would pass again (issue 17 item 5).
 */
function checkQueues(st: ReplicaState, bad: string[], editsOnly: boolean): void {
  checkServiceQueues(st.svc, bad, editsOnly);
  if (st.status !== 'normal') return;
  const inFlight = st.svc.inFlight;
  if (inFlight.size === 0) return;
  const logged = loggedKeys(st);
  const passed = inFlightPassed.get(st);
  if (editsOnly && passed !== undefined && passed.logged === logged && passed.edits === inFlight.edits) return;
  const before = bad.length;
  for (const key of inFlight) if (!logged.has(key)) bad.push(`in-flight request ${key} is in no unexecuted pre-prepare`);
  if (bad.length === before) inFlightPassed.set(st, { logged, edits: inFlight.edits });
  else inFlightPassed.delete(st);
}

/** Per replica state: the in-flight walk's last pass (the key set and the edit count it saw). */
const inFlightPassed = new WeakMap<ReplicaState, { readonly logged: ReadonlySet<string>; readonly edits: number }>();

/**
 * The request keys of the unexecuted pre-prepares, per replica state, with the pre-prepares they
 * came from: the set is rebuilt only when that list changed since the state's previous check (it had
 * not in 67–94% of the checks in the flooded sweep seeds measured, where it holds up to hundreds of
 * keys; issue 17 item 5). Comparing the list is a walk of the log, without hashing a key.
 */
const loggedOf = new WeakMap<ReplicaState, { readonly pps: readonly PrePrepare[]; readonly keys: ReadonlySet<string> }>();

function loggedKeys(st: ReplicaState): ReadonlySet<string> {
  // One walk of the log: while the unexecuted pre-prepares match the last list nothing is built;
  // from the first difference on, the new list is the matching prefix plus the rest.
  const held = loggedOf.get(st);
  const last = held?.pps;
  let pps: PrePrepare[] | undefined;
  let i = 0;
  for (const e of st.log.values()) {
    if (e.seq <= st.lastExecuted || e.prePrepare === undefined) continue;
    if (pps === undefined) {
      if (last !== undefined && last[i] === e.prePrepare) {
        i++;
        continue;
      }
      pps = last === undefined ? [] : last.slice(0, i);
    }
    pps.push(e.prePrepare);
  }
  if (pps === undefined) {
    if (held !== undefined && i === held.pps.length) return held.keys;
    pps = last === undefined ? [] : last.slice(0, i);
  }
  const keys = new Set<string>();
  for (const pp of pps) for (const key of requestKeys(pp)) keys.add(key);
  loggedOf.set(st, { pps, keys });
  return keys;
}

/**
 * The request keys of each pre-prepare the checks met, built once per (immutable) pre-prepare: the
 * checks run after every input, and rebuilding (and hashing) every key of every unexecuted batch
 * each time was most of their cost. Held weakly: as many entries as live pre-prepares.
 */
const keysOf = new WeakMap<PrePrepare, readonly string[]>();

function requestKeys(pp: PrePrepare): readonly string[] {
  let keys = keysOf.get(pp);
  if (keys === undefined) {
    keys = pp.requests.map((r) => requestKey(r.client, r.reqNo));
    keysOf.set(pp, keys);
  }
  return keys;
}
