// The accountable replica (SPEC C1–C4): a Protocol wrapper around a core that never changes what
// the core decides, only what reaches it. For each input:
//   message from a quarantined replica → dropped ('quarantined', C3) before the core sees it;
//   any other verified message → the detector (may find evidence, C1); an `evidence` message is
//     checked (ingress verified its signatures) and adopted, never passed on; a `pre-prepare-copy`
//     only feeds the detector; a PREPARE/COMMIT contradicting the pre-prepare held for its slot gets
//     that pre-prepare copied back to its sender, a HotStuff VOTE naming another block than the
//     proposal held for its round an HS-FETCH of that block (probe.ts); the rest goes to the core;
//   symptom (from the shell: ingress rejects on an authenticated link, floods…) → suspicion (C2);
//   tick → the core, then suspicion decay.
// The core's output is read too: 'view-change-started' suspects the primary of the view left,
// 'checkpoint-stable' lets the detector forget, executed batches count as progress (Offline),
// 'reject' drops of a peer's message are a symptom, and 'fault-found' (a lie the core saw doing its
// own work) is checked and adopted like the detector's evidence.
// New evidence is persisted under acct/evidence/ (audit trail; durable before sent like every
// output), gossiped once per (accused, kind) as an evidence message this replica signs, and
// announced with an 'evidence' event; the accused is quarantined and a slashing record kept.
// Evidence is only ever built from verified messages and only kept when checkEvidence accepts it;
// never against this replica itself (SPEC C5).

import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { ReplicaId, View } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import { dropSeverity } from '../core/drops.ts';
import { MAX_MESSAGE_BYTES } from '../core/limits.ts';
import { primaryOf } from '../core/quorum.ts';
import { assert, AssertionError, unreachable } from '../core/assert.ts';
import type { Verified } from '../core/verified.ts';
import type { CoreEvent, Input, Output, PeerState, Protocol } from '../protocol/types.ts';
import { EMPTY_OUTPUT, emptyOutput, isEmptyOutput } from '../protocol/types.ts';
import { decodeMessage, encodeMessage } from '../wire/codec.ts';
import type { EvidenceKind, EvidenceMessage } from '../wire/messages.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { Evidence, EvidenceRules } from './evidence.ts';
import { checkEvidence, checkEvidenceMessage, signEvidence } from './evidence.ts';
import type { Detector } from './detector.ts';
import { createDetector } from './detector.ts';
import type { AccountabilityParams, Symptom } from './params.ts';
import { DEFAULT_ACCOUNTABILITY_PARAMS, validateAccountabilityParams } from './params.ts';
import type { PeerStatus, SuspicionState } from './suspicion.ts';
import { addSymptom, createSuspicion, decay, heardFrom, madeProgress, markByzantine, peerState, peerStatuses } from './suspicion.ts';
import type { ThreatAssessment } from './threat.ts';
import { assessThreat } from './threat.ts';
import type { ProbeContext, ProbeState } from './probe.ts';
import { newProbe, probe } from './probe.ts';
import { decodeEvidenceRecord, encodeEvidenceRecord, EVIDENCE_KEY_PREFIX, evidenceKey } from './records.ts';

/** An unprovable symptom the shell observed about a peer (SPEC C2). */
export interface SymptomInput {
  readonly type: 'symptom';
  readonly replica: ReplicaId;
  readonly symptom: Symptom;
}

export type AccountableInput = Input | SymptomInput;

/** What the wrapper needs of a core: a Protocol whose status names its current view. */
export interface AccountableCore<S extends { readonly view: View } = { readonly view: View }> extends Protocol {
  status(): S;
}

export interface AccountableOptions {
  readonly id: ReplicaId;
  readonly n: number;
  /** Faults tolerated (⌊(n−1)/3⌋ for PBFT); the threat level is relative to it. */
  readonly f: number;
  /** This replica's key: it signs the evidence messages it gossips. */
  readonly signer: Signer;
  /** The signing domain evidence messages are signed under (the core's: src/wire/domain.ts). */
  readonly domain: SigningDomain;
  /** HotStuff block ids are hashes of signed proposals: the vote probe (probe.ts) needs it. */
  readonly hash?: HashFn;
  /** The protocol's state-independent rules (src/pbft/evidence-rules.ts). */
  readonly rules: EvidenceRules;
  readonly params?: Partial<AccountabilityParams>;
}

/** One piece of evidence held (bounded: at most one per accused and kind). */
export interface EvidenceEntry {
  readonly accused: ReplicaId;
  readonly kind: EvidenceKind;
  readonly reason: string;
  /** Wrapper tick when it was adopted (ticks restart at 0 after a crash). */
  readonly tick: number;
  /** Who found it: this replica's detector, or the peer whose evidence message was checked. */
  readonly reporter: ReplicaId;
  /** Canonical bytes of the evidence message this replica signed (exportable, verifiable). */
  readonly message: Uint8Array;
}

/** SPEC C3: who is quarantined, why, with which evidence, since when. One per replica. */
export interface SlashingRecord {
  readonly replica: ReplicaId;
  readonly reason: string;
  readonly evidenceKind: EvidenceKind;
  readonly tick: number;
}

export interface AccountabilityStatus {
  readonly evidence: readonly EvidenceEntry[];
  readonly peers: readonly PeerStatus[];
  readonly slashing: readonly SlashingRecord[];
  readonly threat: ThreatAssessment;
  /** Messages dropped because their sender is quarantined. */
  readonly quarantinedDrops: number;
}

export interface AccountableReplica<S extends { readonly view: View } = { readonly view: View }> extends AccountableCore<S> {
  handle(input: AccountableInput): Output;
  accountability(): AccountabilityStatus;
}

interface State {
  readonly core: AccountableCore<{ readonly view: View }>;
  readonly opts: AccountableOptions;
  readonly params: AccountabilityParams;
  readonly detector: Detector;
  /** Copies of pre-prepares sent to replicas whose votes contradict them (probe.ts). */
  readonly probe: ProbeState;
  /** What the probe needs of this replica (made once, not per message). */
  readonly probeContext: ProbeContext;
  readonly suspicion: SuspicionState;
  readonly evidence: Map<string, EvidenceEntry>;
  readonly slashing: SlashingRecord[];
  readonly quarantined: Set<ReplicaId>;
  /** Restored evidence messages, re-sent once with the first output after a restart. */
  pendingGossip: EvidenceMessage[];
  tick: number;
  /** The core's view as last seen (to name the primary a view change leaves). */
  view: View;
  quarantinedDrops: number;
  lastStates: PeerState[];
  lastWatched: boolean[];
  lastThreat: ThreatAssessment['level'];
  /** An empty output not handed out: the last input's, when the core's output went out instead (see runCore). */
  spare: Output | undefined;
}

function newState(core: AccountableCore<{ readonly view: View }>, opts: AccountableOptions): State {
  const params: AccountabilityParams = { ...DEFAULT_ACCOUNTABILITY_PARAMS, ...opts.params };
  const problems = validateAccountabilityParams(params);
  if (problems.length > 0) throw new RangeError(`invalid accountability parameters: ${problems.join('; ')}`);
  if (!Number.isSafeInteger(opts.n) || opts.n < 1 || !Number.isSafeInteger(opts.f) || opts.f < 0 || 3 * opts.f + 1 > opts.n) {
    throw new RangeError(`accountability needs n ≥ 3f + 1 (n = ${opts.n}, f = ${opts.f})`);
  }
  if (!Number.isInteger(opts.id) || opts.id < 0 || opts.id >= opts.n) throw new RangeError(`replica id ${opts.id} not in 0..${opts.n - 1}`);
  const suspicion = createSuspicion(opts.n, opts.id, params);
  const peers = peerStatuses(suspicion);
  const detector = createDetector({ self: opts.id, rules: opts.rules, params });
  const pc = { self: opts.id, n: opts.n, signer: opts.signer, domain: opts.domain, detector };
  return {
    core, opts, params, suspicion, detector,
    probe: newProbe(),
    probeContext: opts.hash === undefined ? pc : { ...pc, hash: opts.hash },
    evidence: new Map(),
    slashing: [],
    quarantined: new Set(),
    pendingGossip: [],
    tick: 0,
    view: core.status().view,
    quarantinedDrops: 0,
    lastStates: peers.map((p) => p.state),
    lastWatched: peers.map(() => false),
    lastThreat: 'low',
    spare: undefined,
  };
}

const evidenceId = (accused: ReplicaId, kind: EvidenceKind): string => `${accused}/${kind}`;

function quarantine(s: State, accused: ReplicaId, kind: EvidenceKind, reason: string, tick: number): void {
  markByzantine(s.suspicion, accused);
  if (s.quarantined.has(accused)) return;
  s.quarantined.add(accused);
  s.slashing.push({ replica: accused, reason, evidenceKind: kind, tick });
}

/** Keeps, persists, gossips and announces evidence that passed checkEvidence. */
function adopt(s: State, out: Output, e: Evidence, reason: string, reporter: ReplicaId): void {
  const id = evidenceId(e.accused, e.kind);
  if (e.accused === s.opts.id || s.evidence.has(id)) return;
  const message = signEvidence(e, s.opts.id, s.opts.signer, s.opts.domain);
  const bytes = encodeMessage(message);
  s.evidence.set(id, { accused: e.accused, kind: e.kind, reason, tick: s.tick, reporter, message: bytes });
  s.detector.markReported(e.accused, e.kind);
  out.persist.push({ op: 'put', key: evidenceKey(e.accused, e.kind), value: encodeEvidenceRecord({ tick: s.tick, reporter, message: bytes }) });
  // A proof too large for one message (two huge NEW-VIEWs) is kept and exported, not gossiped.
  if (bytes.length <= MAX_MESSAGE_BYTES) out.send.push({ to: 'all', message });
  out.events.push({ type: 'evidence', accused: e.accused, kind: e.kind, reason, reporter });
  quarantine(s, e.accused, e.kind, reason, s.tick);
}

/** Evidence from our own detector: kept only if it checks (it always should). */
function adoptFound(s: State, out: Output, found: readonly Evidence[]): void {
  for (const e of found) {
    const v = checkEvidence(e, s.opts.rules);
    if (v.ok) adopt(s, out, e, v.value.reason, s.opts.id);
  }
}

/** An evidence message from a peer: its signatures are verified; check the proof itself. */
function onEvidence(s: State, out: Output, m: Verified<EvidenceMessage>): void {
  const checked = checkEvidenceMessage(m, s.opts.rules);
  if (!checked.ok) {
    addSymptom(s.suspicion, m.replica, 'invalid-evidence');
    out.events.push({ type: 'drop', reason: 'invalid-evidence', from: m.replica, detail: checked.error });
    return;
  }
  const { accused, kind, reason } = checked.value.verdict;
  if (accused === s.opts.id) {
    out.events.push({ type: 'drop', reason: 'unexpected-message', from: m.replica, detail: 'evidence against this replica' });
    return;
  }
  if (s.evidence.has(evidenceId(accused, kind))) {
    out.events.push({ type: 'drop', reason: 'duplicate', from: m.replica });
    return;
  }
  adopt(s, out, checked.value.evidence, reason, m.replica);
}

function merge(into: Output, from: Output): void {
  into.persist.push(...from.persist);
  into.send.push(...from.send);
  into.replies.push(...from.replies);
  into.executed.push(...from.executed);
  into.events.push(...from.events);
}

/** Reads one core event; returns the evidence a 'fault-found' proposes, when not already held. */
function readEvent(s: State, ev: CoreEvent): Evidence | undefined {
  switch (ev.type) {
    case 'fault-found':
      // Checked like our own detector's finds, once per (accused, kind): the liar is quarantined after.
      if (ev.accused === s.opts.id || s.evidence.has(evidenceId(ev.accused, ev.kind))) return undefined;
      return { kind: ev.kind, accused: ev.accused, messages: ev.messages };
    case 'view-change-started': {
      // §4.4/§4.5.2: we left s.view because its primary did not get a request executed (or did not
      // complete the view change) in time — or f+1 others said so.
      const primary = primaryOf(s.view, s.opts.n) as ReplicaId;
      if (ev.view > s.view) addSymptom(s.suspicion, primary, 'timeout-as-primary');
      s.view = ev.view;
      return;
    }
    case 'new-view-installed':
      s.view = ev.view;
      madeProgress(s.suspicion, s.tick);
      return;
    case 'checkpoint-stable':
      s.detector.onStable(ev.seq);
      madeProgress(s.suspicion, s.tick);
      return;
    case 'drop':
      if (ev.from !== undefined && ev.from !== s.opts.id && dropSeverity(ev.reason) === 'reject') {
        addSymptom(s.suspicion, ev.from, 'protocol-violation');
      }
      return;
    case 'state-transfer-started':
    case 'state-transfer-done':
    case 'batch-proposed':
    case 'evidence':
    case 'peer-state':
    case 'threat-level':
    case 'leader-suspected':
      return;
    default:
      return unreachable(ev);
  }
}

/**
 * The core's output read and added to `out`; returns the output to go on with: the core's own when
 * `out` is still empty (the common case: no second set of arrays per input, issue 17 item 5).
 */
function runCore(s: State, out: Output, input: Input): Output {
  const o = s.core.handle(input);
  if (o === EMPTY_OUTPUT) return out; // nothing to read, and nothing may be added to it
  let found: Evidence[] | undefined;
  for (const ev of o.events) {
    const e = readEvent(s, ev);
    if (e !== undefined) (found ??= []).push(e);
  }
  if (o.executed.length > 0) madeProgress(s.suspicion, s.tick);
  let result = o;
  if (!isEmptyOutput(out)) {
    merge(out, o);
    result = out;
  }
  if (found !== undefined) adoptFound(s, result, found);
  return result;
}

/** A verified replica message (`input.message`); returns the output to go on with (see runCore). */
function onMessage(s: State, out: Output, input: Input & { readonly type: 'message' }): Output {
  const m = input.message;
  const from = m.replica;
  if (s.quarantined.has(from)) {
    s.quarantinedDrops++;
    out.events.push({ type: 'drop', reason: 'quarantined', from });
    return out;
  }
  heardFrom(s.suspicion, from, s.tick);
  if (m.type === 'evidence') {
    // The proof first, so that it is credited to its reporter; then its statements like any others.
    onEvidence(s, out, m);
    adoptFound(s, out, s.detector.observe(m));
    return out;
  }
  // A copy of another replica's pre-prepare (probe.ts) only feeds the detector.
  if (m.type === 'pre-prepare-copy') {
    adoptFound(s, out, s.detector.observe(m));
    return out;
  }
  adoptFound(s, out, s.detector.observe(m));
  const copy = probe(s.probe, s.probeContext, m);
  if (copy !== undefined) out.send.push({ to: from, message: copy });
  if (s.quarantined.has(from)) {
    // This very message completed the proof against its sender (C3).
    s.quarantinedDrops++;
    out.events.push({ type: 'drop', reason: 'quarantined', from });
    return out;
  }
  return runCore(s, out, input);
}

/** Announces peer-state and threat-level changes (only computed when something moved). */
function announce(s: State, out: Output): void {
  // Runs after every input: the statuses list (for the threat level) is built only when something
  // moved, and the loop allocates nothing otherwise (issue 17 item 5).
  let changed = false;
  let i = 0;
  const sp = s.suspicion;
  for (let r = 0; r < sp.peers.length; r++) {
    if (r === sp.self) continue;
    const score = sp.peers[r]!.score;
    const state = peerState(sp, replicaId(r));
    const watched = score >= s.params.watchThreshold;
    if (watched !== s.lastWatched[i]) changed = true;
    s.lastWatched[i] = watched;
    if (state !== s.lastStates[i]) {
      s.lastStates[i] = state;
      changed = true;
      out.events.push({ type: 'peer-state', replica: replicaId(r), state, score });
    }
    i++;
  }
  if (!changed) return;
  const peers = peerStatuses(s.suspicion);
  const threat = assessThreat(s.opts.f, peers, s.params.watchThreshold);
  if (threat.level === s.lastThreat) return;
  s.lastThreat = threat.level;
  out.events.push({ type: 'threat-level', level: threat.level, reasons: threat.reasons });
}

function handle(s: State, input: AccountableInput): Output {
  const own = s.spare ?? emptyOutput();
  s.spare = undefined;
  let out = own;
  for (const message of s.pendingGossip) out.send.push({ to: 'all', message });
  s.pendingGossip = [];
  switch (input.type) {
    case 'symptom':
      addSymptom(s.suspicion, input.replica, input.symptom);
      break;
    case 'tick':
      s.tick++;
      out = runCore(s, out, input);
      decay(s.suspicion, s.tick);
      break;
    case 'request':
    case 'peers':
    case 'faulty-client':
      out = runCore(s, out, input);
      break;
    case 'message':
      out = onMessage(s, out, input);
      break;
    default:
      return unreachable(input);
  }
  announce(s, out);
  if (out !== own) s.spare = own; // still empty: nothing is added to `own` once the core's output is taken
  else if (isEmptyOutput(own)) {
    s.spare = own;
    return EMPTY_OUTPUT;
  }
  return out;
}

function wrap<S extends { readonly view: View }>(core: AccountableCore<S>, s: State): AccountableReplica<S> {
  return {
    handle: (input) => handle(s, input),
    status: () => core.status(),
    accountability(): AccountabilityStatus {
      const peers = peerStatuses(s.suspicion);
      return {
        evidence: [...s.evidence.values()],
        peers,
        slashing: [...s.slashing],
        threat: assessThreat(s.opts.f, peers, s.params.watchThreshold),
        quarantinedDrops: s.quarantinedDrops,
      };
    },
  };
}

/** Wraps a core (e.g. createReplica's) with evidence, suspicion, quarantine and threat level. */
export function createAccountable<S extends { readonly view: View }>(core: AccountableCore<S>, opts: AccountableOptions): AccountableReplica<S> {
  return wrap(core, newState(core, opts));
}

function corrupt(what: string): never {
  throw new AssertionError(`corrupt durable record: ${what}`);
}

/** One persisted evidence record back into the state (trusted like the core's own records). */
function restoreRecord(s: State, key: string, value: Uint8Array): void {
  const rec = decodeEvidenceRecord(value) ?? corrupt(key);
  const d = decodeMessage(rec.message);
  if (!d.ok || d.value.type !== 'evidence') return corrupt(key);
  const m = d.value;
  const checked = checkEvidenceMessage(m, s.opts.rules);
  if (!checked.ok) return corrupt(`${key}: ${checked.error}`);
  const { accused, kind, reason } = checked.value.verdict;
  assert(key === evidenceKey(accused, kind), `evidence record ${key} holds evidence of another key`);
  s.evidence.set(evidenceId(accused, kind), { accused, kind, reason, tick: rec.tick, reporter: rec.reporter, message: rec.message });
  s.detector.markReported(accused, kind);
  s.pendingGossip.push(m);
}

/**
 * Rebuilds the wrapper after a crash from the replica's durable records (all of them; only keys
 * under acct/evidence/ are read): evidence, quarantine and slashing records come back, and the
 * restored evidence is gossiped again with the first output (it may never have left).
 */
export function restoreAccountable<S extends { readonly view: View }>(
  core: AccountableCore<S>,
  opts: AccountableOptions,
  records: ReadonlyMap<string, Uint8Array>,
): AccountableReplica<S> {
  const s = newState(core, opts);
  const keys = [...records.keys()].filter((k) => k.startsWith(EVIDENCE_KEY_PREFIX)).sort();
  for (const key of keys) restoreRecord(s, key, records.get(key)!);
  const byTick = [...s.evidence.values()].sort((a, b) => a.tick - b.tick || a.accused - b.accused);
  for (const e of byTick) quarantine(s, e.accused, e.kind, e.reason, e.tick);
  const peers = peerStatuses(s.suspicion);
  s.lastStates = peers.map((p) => p.state);
  s.lastThreat = assessThreat(opts.f, peers, s.params.watchThreshold).level;
  return wrap(core, s);
}
