// The evidence detector (SPEC C1): sees every verified replica message a replica receives, takes out
// every signed statement inside it — nested ones included: pre-prepares in committed proofs,
// prepared certificates and O, prepares, commits, checkpoints in checkpoint proofs, view-changes in
// V (src/wire/walk.ts) — and remembers the first statement per (signer, slot). A later statement
// of the same signer and slot with other content is equivocation. Every VIEW-CHANGE and NEW-VIEW,
// nested ones included, also goes through the protocol's state-independent rules, and every
// VIEW-CHANGE is held against its signer's remembered COMMITs (amnesia.ts: a VIEW-CHANGE that hides
// what a COMMIT of an earlier view proves its signer prepared; caught when the COMMIT came first).
// Memory is bounded: slots at or below the stable checkpoint are forgotten, and each signer has a
// cap (AccountabilityParams.maxStatementsPerSigner / maxNewViewsPerSigner), oldest first.

import type { ReplicaId, Seq } from '../core/ids.ts';
import { toHex } from '../core/ids.ts';
import type { Verified } from '../core/verified.ts';
import type { HsProposal, Message, NewView, ReplicaMessage, ViewChange } from '../wire/messages.ts';
import type { MessageVisitor } from '../wire/walk.ts';
import { forEachMessage } from '../wire/walk.ts';
import type { Evidence, EvidenceKind, EvidenceRules, Statement } from './evidence.ts';
import { sameSlotConflict, slotOf } from './evidence.ts';
import { acceptAmnesiaFault, amnesiaFault } from './amnesia.ts';
import type { AccountabilityParams } from './params.ts';

export interface DetectorOptions {
  /** This replica: never accused (its own messages come back nested in others' certificates). */
  readonly self: ReplicaId;
  readonly rules: EvidenceRules;
  readonly params: Pick<AccountabilityParams, 'maxStatementsPerSigner' | 'maxNewViewsPerSigner' | 'checkedCacheSize'>;
  /** Planted bug (tests only): look at the outermost message and ignore nested ones. */
  readonly topLevelOnly?: boolean;
}

export interface Detector {
  /** Records every statement in m; returns evidence found (never against self, once per accused and kind). */
  observe(m: Verified<ReplicaMessage>): readonly Evidence[];
  /** The replica's stable checkpoint moved to seq: forget slots at or below it (checkpoints below it). */
  onStable(seq: Seq): void;
  /** Evidence of this kind against accused is already held (e.g. from a peer): look no further. */
  markReported(accused: ReplicaId, kind: EvidenceKind): void;
  /** The first statement of signer for slot (evidence.ts slotOf), if remembered. */
  first(signer: ReplicaId, slot: string): Statement | undefined;
  /** Statements remembered, over all signers (tests: memory stays bounded). */
  size(): number;
}

interface Signer {
  /** slot → first statement; Map order is insertion order (oldest first). */
  readonly slots: Map<string, Statement>;
  /** Views of the NEW-VIEWs held in `slots`. */
  readonly newViews: number[];
}

interface DetectorState {
  readonly opts: DetectorOptions;
  readonly signers: Map<ReplicaId, Signer>;
  /**
   * Per evidence kind, the accused already reported (looked up for every statement seen: kept per
   * kind so that no key string is built per statement, issue 17 item 5).
   */
  readonly reported: Map<EvidenceKind, Set<ReplicaId>>;
  /** Signatures of VIEW-CHANGEs / NEW-VIEWs the rules already passed (insertion order = age). */
  readonly checked: Set<string>;
  stable: number;
  /** Evidence found by the observe() under way (made on the first find: most messages give none). */
  found: Evidence[] | undefined;
}

const NO_EVIDENCE: readonly Evidence[] = Object.freeze([]);

const isStatement = (m: Message): m is Statement =>
  m.type === 'pre-prepare' || m.type === 'prepare' || m.type === 'commit' || m.type === 'checkpoint' ||
  m.type === 'view-change' || m.type === 'new-view' || m.type === 'hs-proposal' || m.type === 'hs-vote';

/** Statements of seqs at or below the stable checkpoint concern nothing this replica still decides. */
function belowStable(s: Statement, stable: number): boolean {
  switch (s.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return s.seq <= stable;
    case 'checkpoint':
      return s.seq < stable;
    case 'view-change':
    case 'new-view':
    // HotStuff rounds are not sequence numbers: its statements leave by the per-signer cap only.
    case 'hs-proposal':
    case 'hs-vote':
      return false;
  }
}

function signerOf(d: DetectorState, r: ReplicaId): Signer {
  let s = d.signers.get(r);
  if (s === undefined) {
    s = { slots: new Map(), newViews: [] };
    d.signers.set(r, s);
  }
  return s;
}

function isReported(d: DetectorState, accused: ReplicaId, kind: EvidenceKind): boolean {
  return d.reported.get(kind)?.has(accused) === true;
}

function markReported(d: DetectorState, accused: ReplicaId, kind: EvidenceKind): void {
  let set = d.reported.get(kind);
  if (set === undefined) d.reported.set(kind, (set = new Set()));
  set.add(accused);
}

function report(d: DetectorState, e: Evidence): void {
  if (isReported(d, e.accused, e.kind)) return;
  markReported(d, e.accused, e.kind);
  (d.found ??= []).push(e);
}

function remember(d: DetectorState, sg: Signer, slot: string, s: Statement): void {
  const { maxStatementsPerSigner, maxNewViewsPerSigner } = d.opts.params;
  sg.slots.set(slot, s);
  if (s.type === 'new-view') {
    sg.newViews.push(s.view);
    if (sg.newViews.length > maxNewViewsPerSigner) {
      sg.newViews.sort((a, b) => a - b);
      sg.slots.delete(`new-view/${sg.newViews.shift()!}`);
    }
  }
  if (sg.slots.size > maxStatementsPerSigner) {
    const oldest = sg.slots.keys().next().value!;
    const old = sg.slots.get(oldest);
    sg.slots.delete(oldest);
    if (old?.type === 'new-view') sg.newViews.splice(sg.newViews.indexOf(old.view), 1);
  }
}

/** Equivocation: the first statement of this signer and slot, against this one. */
function checkSlot(d: DetectorState, s: Statement): void {
  if (belowStable(s, d.stable) || isReported(d, s.replica, 'equivocation')) return;
  const slot = slotOf(s);
  if (slot === undefined) return;
  const sg = signerOf(d, s.replica);
  const first = sg.slots.get(slot);
  if (first === undefined) return remember(d, sg, slot, s);
  if (sameSlotConflict(first, s) !== undefined) report(d, { kind: 'equivocation', accused: s.replica, messages: [first, s] });
}

/** The statements the protocol's rules judge alone, and the evidence kind each gives. */
type Ruled = ViewChange | NewView | HsProposal;
const RULE_KIND = { 'view-change': 'invalid-view-change', 'new-view': 'invalid-new-view', 'hs-proposal': 'invalid-proposal' } as const satisfies Record<Ruled['type'], EvidenceKind>;

function isRuled(s: Statement): s is Ruled {
  return s.type === 'view-change' || s.type === 'new-view' || s.type === 'hs-proposal';
}

/** Why the rules reject a ruled statement. */
function ruleFault(rules: EvidenceRules, s: Ruled): string | undefined {
  if (s.type === 'view-change') return rules.viewChangeFault(s);
  if (s.type === 'new-view') return rules.newViewFault(s);
  return rules.proposalFault(s);
}

/** Runs the rules once per distinct signed VIEW-CHANGE / NEW-VIEW / HotStuff proposal (retransmissions are common). */
function checkRules(d: DetectorState, s: Statement): void {
  if (!isRuled(s)) return;
  const kind = RULE_KIND[s.type];
  if (isReported(d, s.replica, kind)) return;
  const key = `${s.replica}/${toHex(s.sig)}`;
  if (d.checked.has(key)) return;
  const fault = ruleFault(d.opts.rules, s);
  if (fault !== undefined) return report(d, { kind, accused: s.replica, messages: [s] });
  if (s.type === 'view-change') checkAmnesia(d, s);
  d.checked.add(key);
  if (d.checked.size > d.opts.params.checkedCacheSize) d.checked.delete(d.checked.values().next().value!);
}

/**
 * Amnesia: a remembered COMMIT of this VIEW-CHANGE's signer whose prepared certificate it hides, or a
 * PREPARE / PRE-PREPARE whose acceptance it hides from both P and Q (the fast path, amnesia.ts).
 */
function checkAmnesia(d: DetectorState, vc: ViewChange): void {
  if (isReported(d, vc.replica, 'amnesia')) return;
  for (const s of d.signers.get(vc.replica)?.slots.values() ?? []) {
    const hidden =
      s.type === 'commit' ? amnesiaFault(s, vc) : s.type === 'prepare' || s.type === 'pre-prepare' ? acceptAmnesiaFault(s, vc) : undefined;
    if (hidden !== undefined) return report(d, { kind: 'amnesia', accused: vc.replica, messages: [s, vc] });
  }
}

/** The walk's visitor, made once per detector (not a closure per message observed). */
function visitor(d: DetectorState): MessageVisitor {
  return (x, depth) => {
    if (depth > 0 && d.opts.topLevelOnly === true) return false;
    if (!isStatement(x) || x.replica === d.opts.self) return true;
    checkSlot(d, x);
    checkRules(d, x);
    return true;
  };
}

function observe(d: DetectorState, visit: MessageVisitor, m: Verified<ReplicaMessage>): readonly Evidence[] {
  d.found = undefined;
  forEachMessage(m, visit);
  const found = d.found ?? NO_EVIDENCE;
  d.found = undefined;
  return found;
}

function onStable(d: DetectorState, seq: Seq): void {
  if (seq <= d.stable) return;
  d.stable = seq;
  for (const sg of d.signers.values()) {
    for (const [slot, s] of sg.slots) if (belowStable(s, seq)) sg.slots.delete(slot);
  }
}

export function createDetector(opts: DetectorOptions): Detector {
  const d: DetectorState = { opts, signers: new Map(), reported: new Map(), checked: new Set(), stable: 0, found: undefined };
  const visit = visitor(d);
  return {
    observe: (m) => observe(d, visit, m),
    onStable: (seq) => onStable(d, seq),
    markReported: (accused, kind) => markReported(d, accused, kind),
    first: (signer, slot) => d.signers.get(signer)?.slots.get(slot),
    size: () => [...d.signers.values()].reduce((sum, sg) => sum + sg.slots.size, 0),
  };
}
