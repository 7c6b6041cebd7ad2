// Evidence (SPEC C1): signed messages that prove a replica misbehaved, checkable by anyone with the
// public keys. Two kinds of proof (docs/ACCOUNTABILITY.md):
//   equivocation — two messages signed by the accused, same kind and slot, different content:
//     PRE-PREPAREs / PREPAREs / COMMITs for one (view, seq) with different digests (TOCS '02 §4.2),
//     CHECKPOINTs for one seq with different state digests (§4.3), NEW-VIEWs for one view that differ
//     (§4.4); HotStuff PROPOSALs of one round that differ (Jolteon, FC '22 §4: the leader proposes once
//     per round) and VOTEs of one round for different blocks (a replica votes at most once per
//     round, r > r_vote). Never two TIMEOUTs: an honest replica answering a laggard signs a timeout
//     of an old round again (src/hotstuff/pacemaker.ts helpLaggard). Never two VIEW-CHANGEs: an honest replica re-signs a rebuilt one for the same view
//     when its prepared set or stable checkpoint changed (src/pbft/view-change.ts, resendViewChange).
//   invalid-view-change / invalid-new-view / invalid-proposal — one message signed by the accused that
//     the injected protocol rules reject from its content alone (§4.4; HotStuff: a proposal whose QC or
//     TC is no certificate, or that enters its round without one of the round before, FC '22 §4),
//     whatever the checker's state.
//   amnesia — a COMMIT and a VIEW-CHANGE for a later view signed by the accused, the VIEW-CHANGE
//     hiding the prepared certificate the COMMIT proves it had (§4.2, §4.4; amnesia.ts).
//   false-verdict — a PREPARE signed by the accused whose `invalid` list (requestAuth "shared",
//     docs/PROTOCOL.md §5.1) is false from the batch alone: malformed, naming a position not assigned
//     to it, or naming a request whose client signature verifies. The batch comes in a pre-prepare
//     that need not be the accused's: the PREPARE's digest binds it, whoever signed the carrier.
//   forged-request — a PRE-PREPARE signed by the accused whose batch holds a request its client's
//     signature does not verify, shown fresh: of view 0, or beside the accused's NEW-VIEW of its view
//     whose O does not re-issue its seq. An honest primary proposes only requests it verified
//     (docs/PROTOCOL.md §5.1 rule 1); a re-issued batch may carry an earlier primary's forgery.
// These checks assume the signatures were verified (ingress did, or src/evidence/verify.ts does).

import type { ReplicaId } from '../core/ids.ts';
import { bytesEqual, signature } from '../core/ids.ts';
import type { Signer } from '../core/crypto-port.ts';
import { assert } from '../core/assert.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { MAX_EVIDENCE_ITEMS } from '../core/limits.ts';
import { signedContent, signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type {
  Checkpoint, Commit, EvidenceKind, EvidenceMessage, HsProposal, HsVote, NewView, PrePrepare, Prepare, Unsigned, ViewChange,
} from '../wire/messages.ts';
import { EVIDENCE_KIND_CODES } from '../wire/messages.ts';
import { acceptAmnesiaFault, amnesiaFault } from './amnesia.ts';

export type { EvidenceKind } from '../wire/messages.ts';

/** A signed statement a replica can be held to. */
export type Statement = PrePrepare | Prepare | Commit | Checkpoint | ViewChange | NewView | HsProposal | HsVote;

/** The evidence record: what is claimed, against whom, and the accused's offending signed messages. */
export interface Evidence {
  readonly kind: EvidenceKind;
  readonly accused: ReplicaId;
  readonly messages: readonly Statement[];
}

/**
 * Protocol rules injected by the protocol (src/pbft/evidence-rules.ts): why a message is invalid
 * from its content alone, or undefined when it is valid. They must not depend on any replica's
 * state, or an honest replica could be accused by one that knows less (SPEC C5).
 */
export interface EvidenceRules {
  viewChangeFault(vc: ViewChange): string | undefined;
  newViewFault(nv: NewView): string | undefined;
  proposalFault(p: HsProposal): string | undefined;
  /**
   * Why `prepare`'s verdicts on the batch `prePrepare` carries are false, or undefined when they are
   * not provably so (or the rules cannot check client signatures: never accuse unchecked).
   */
  verdictFault(prepare: Prepare, prePrepare: PrePrepare): string | undefined;
  /**
   * Why the fresh pre-prepare `pp` is a forgery — its batch holds a request whose client signature
   * does not verify — or undefined when not shown so: `newView` (the signer's NEW-VIEW of pp's view,
   * needed above view 0) must show pp was not re-issued, and the rules must check client signatures.
   */
  forgedRequestFault(pp: PrePrepare, newView: NewView | undefined): string | undefined;
}

/** What a valid proof establishes. */
export interface EvidenceVerdict {
  readonly accused: ReplicaId;
  readonly kind: EvidenceKind;
  readonly reason: string;
}

export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['equivocation', 'invalid-view-change', 'invalid-new-view', 'amnesia', 'invalid-proposal', 'false-verdict', 'forged-request'];

export function evidenceKindOf(code: number): EvidenceKind | undefined {
  return EVIDENCE_KINDS.find((k) => EVIDENCE_KIND_CODES[k] === code);
}

const short = (d: string): string => `${d.slice(0, 12)}…`;

/**
 * The slot a statement fills, or undefined when the signer may legitimately sign several different
 * ones (VIEW-CHANGE). Two statements of one signer with the same slot must be identical.
 */
export function slotOf(s: Statement): string | undefined {
  switch (s.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return `${s.type}/${s.view}/${s.seq}`;
    case 'checkpoint':
      return `checkpoint/${s.seq}`;
    case 'new-view':
      return `new-view/${s.view}`;
    case 'hs-proposal':
    case 'hs-vote':
      return `${s.type}/${s.round}`;
    case 'view-change':
      return undefined;
  }
}

/** Why a and b (same signer, same slot) conflict, or undefined if they say the same thing. */
export function conflictOf(a: Statement, b: Statement): string | undefined {
  const slot = slotOf(a);
  if (slot === undefined || slot !== slotOf(b)) return undefined;
  return sameSlotConflict(a, b);
}

/**
 * Two statements of one signer with the same signature sign the same content: both signatures were
 * verified (ingress, or the proof's own check), and a signature that verified for two contents under
 * one key would be a forgery (Ed25519 is strongly unforgeable; libsodium refuses a non-canonical S).
 * The cheap check first: a proposal or NEW-VIEW seen again, re-sent or nested in another message, is
 * not encoded twice to be compared (issue 17 item 5).
 */
const sameSignature = (a: NewView | HsProposal, b: NewView | HsProposal): boolean => a === b || bytesEqual(a.sig, b.sig);

/** conflictOf for two statements already known to fill the same slot (slotOf(a) === slotOf(b) ≠ undefined). */
export function sameSlotConflict(a: Statement, b: Statement): string | undefined {
  switch (a.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit': {
      const d = (b as PrePrepare | Prepare | Commit).digest;
      if (a.digest === d) return undefined;
      return `signed two ${a.type}s for view ${a.view}, seq ${a.seq} with digests ${short(a.digest)} and ${short(d)} (TOCS '02 §4.2)`;
    }
    case 'checkpoint': {
      const d = (b as Checkpoint).stateDigest;
      if (a.stateDigest === d) return undefined;
      return `signed two checkpoints for seq ${a.seq} with state digests ${short(a.stateDigest)} and ${short(d)} (TOCS '02 §4.3)`;
    }
    case 'new-view':
      if (sameSignature(a, b as NewView) || bytesEqual(signedContent(a), signedContent(b))) return undefined;
      return `signed two different new-views for view ${a.view} (TOCS '02 §4.4)`;
    case 'hs-proposal':
      // A block's id is the hash of its signed content (src/hotstuff/block.ts): other content, other block.
      if (sameSignature(a, b as HsProposal) || bytesEqual(signedContent(a), signedContent(b))) return undefined;
      return `signed two different HotStuff proposals for round ${a.round} (Jolteon, FC '22 §4: one proposal per round)`;
    case 'hs-vote': {
      const id = (b as HsVote).blockId;
      if (a.blockId === id) return undefined;
      return `signed two HotStuff votes for round ${a.round} for blocks ${short(a.blockId)} and ${short(id)} (Jolteon, FC '22 §4: one vote per round)`;
    }
    case 'view-change':
      return undefined;
  }
}

/**
 * Two votes of one replica for one (view, seq) with different digests, of different kinds: a
 * PREPARE or the primary's PRE-PREPARE against a COMMIT (a replica commits only the pre-prepare it
 * accepted, one per (view, seq), TOCS '02 §4.2), or a PRE-PREPARE against a PREPARE (the primary
 * sends none). Forensics pairs them when a fast-path certificate meets another (forensics.ts).
 */
function crossVoteConflict(a: Statement, b: Statement): string | undefined {
  const isVote = (s: Statement): s is PrePrepare | Prepare | Commit => s.type === 'pre-prepare' || s.type === 'prepare' || s.type === 'commit';
  if (!isVote(a) || !isVote(b) || a.view !== b.view || a.seq !== b.seq || a.digest === b.digest) return undefined;
  return `signed a ${a.type} and a ${b.type} for view ${a.view}, seq ${a.seq} with digests ${short(a.digest)} and ${short(b.digest)}: a replica votes for one pre-prepare per (view, seq) (TOCS '02 §4.2)`;
}

function checkEquivocation(e: Evidence): Result<string, string> {
  if (e.messages.length !== 2) return err(`equivocation needs exactly 2 messages, got ${e.messages.length}`);
  const [a, b] = e.messages as [Statement, Statement];
  if (a.type !== b.type) {
    const cross = crossVoteConflict(a, b);
    return cross === undefined ? err(`equivocation needs two messages of one type, or two conflicting votes for one (view, seq), got ${a.type} and ${b.type}`) : ok(cross);
  }
  if (a.type === 'view-change') return err('two view-changes are not equivocation: an honest replica may re-sign a rebuilt one');
  if (slotOf(a) !== slotOf(b)) return err(`the two ${a.type}s are for different slots`);
  const reason = conflictOf(a, b);
  return reason === undefined ? err(`the two ${a.type}s do not conflict`) : ok(reason);
}

function checkAmnesia(e: Evidence): Result<string, string> {
  const vote = e.messages.find((m): m is Commit | Prepare | PrePrepare => m.type === 'commit' || m.type === 'prepare' || m.type === 'pre-prepare');
  const vc = e.messages.find((m): m is ViewChange => m.type === 'view-change');
  if (e.messages.length !== 2 || vote === undefined || vc === undefined) return err('amnesia needs exactly one commit (or, on the fast path, a prepare or pre-prepare) and one view-change');
  const fault = vote.type === 'commit' ? amnesiaFault(vote, vc) : acceptAmnesiaFault(vote, vc);
  return fault === undefined ? err(`the view-change is consistent with the ${vote.type}`) : ok(fault);
}

function checkFalseVerdict(e: Evidence, rules: EvidenceRules): Result<string, string> {
  const [a, b] = e.messages;
  const prepare = a?.type === 'prepare' ? a : b?.type === 'prepare' ? b : undefined;
  const pp = a?.type === 'pre-prepare' ? a : b?.type === 'pre-prepare' ? b : undefined;
  if (e.messages.length !== 2 || prepare === undefined || pp === undefined) return err('false-verdict needs exactly one prepare and one pre-prepare carrying its batch');
  if (pp.view !== prepare.view || pp.seq !== prepare.seq || pp.digest !== prepare.digest) return err('the pre-prepare is not for the view, seq and digest the prepare names');
  const fault = rules.verdictFault(prepare, pp);
  return fault === undefined ? err('the prepare\'s verdicts are not shown false') : ok(`signed a prepare for view ${prepare.view}, seq ${prepare.seq} with false verdicts: ${fault}`);
}

function checkForgedRequest(e: Evidence, rules: EvidenceRules): Result<string, string> {
  const pps = e.messages.filter((m): m is PrePrepare => m.type === 'pre-prepare');
  const nvs = e.messages.filter((m): m is NewView => m.type === 'new-view');
  const pp = pps[0];
  if (pps.length !== 1 || pp === undefined || nvs.length > 1 || e.messages.length !== 1 + nvs.length) {
    return err('forged-request needs one pre-prepare and, above view 0, the new-view of its view');
  }
  const fault = rules.forgedRequestFault(pp, nvs[0]);
  return fault === undefined ? err('the pre-prepare is not shown to be a fresh proposal of a forged request') : ok(`signed a fresh pre-prepare for view ${pp.view}, seq ${pp.seq} with a forged request: ${fault}`);
}

function checkSingle(e: Evidence, rules: EvidenceRules): Result<string, string> {
  const m = e.messages[0];
  if (e.messages.length !== 1 || m === undefined) return err(`${e.kind} needs exactly 1 message, got ${e.messages.length}`);
  if (e.kind === 'invalid-view-change') {
    if (m.type !== 'view-change') return err(`invalid-view-change needs a view-change, got a ${m.type}`);
    const fault = rules.viewChangeFault(m);
    return fault === undefined ? err('the view-change is valid') : ok(`signed an invalid view-change for view ${m.newView}: ${fault}`);
  }
  if (e.kind === 'invalid-proposal') {
    if (m.type !== 'hs-proposal') return err(`invalid-proposal needs an hs-proposal, got a ${m.type}`);
    const fault = rules.proposalFault(m);
    return fault === undefined ? err('the proposal is valid') : ok(`signed an invalid proposal for round ${m.round}: ${fault}`);
  }
  if (m.type !== 'new-view') return err(`invalid-new-view needs a new-view, got a ${m.type}`);
  const fault = rules.newViewFault(m);
  return fault === undefined ? err('the new-view is valid') : ok(`signed an invalid new-view for view ${m.view}: ${fault}`);
}

function proofOf(e: Evidence, rules: EvidenceRules): Result<string, string> {
  switch (e.kind) {
    case 'equivocation':
      return checkEquivocation(e);
    case 'amnesia':
      return checkAmnesia(e);
    case 'invalid-view-change':
    case 'invalid-new-view':
    case 'invalid-proposal':
      return checkSingle(e, rules);
    case 'false-verdict':
      return checkFalseVerdict(e, rules);
    case 'forged-request':
      return checkForgedRequest(e, rules);
  }
}

/** Whether m must be signed by the accused: all of a proof but a false-verdict's batch carrier. */
const heldToAccused = (e: Evidence, m: Statement): boolean => e.kind !== 'false-verdict' || m.type !== 'pre-prepare';

/**
 * Checks a proof's structure, assuming every signature in it was verified: all messages signed by
 * the accused and, per kind, a real conflict or a rule violation. Pure and state-independent.
 */
export function checkEvidence(e: Evidence, rules: EvidenceRules): Result<EvidenceVerdict, string> {
  for (const m of e.messages) {
    if (heldToAccused(e, m) && m.replica !== e.accused) return err(`a ${m.type} in the proof is signed by replica ${m.replica}, not the accused ${e.accused}`);
  }
  const r = proofOf(e, rules);
  return r.ok ? ok({ accused: e.accused, kind: e.kind, reason: r.value }) : r;
}

/** The evidence record an evidence message carries (its kind code must be known). */
export function evidenceFromMessage(m: EvidenceMessage): Result<Evidence, string> {
  const kind = evidenceKindOf(m.kind);
  if (kind === undefined) return err(`unknown evidence kind code ${m.kind}`);
  const messages: Statement[] = [...m.prePrepares, ...m.prepares, ...m.commits, ...m.checkpoints, ...m.viewChanges, ...m.newViews, ...m.hsProposals, ...m.hsVotes];
  return ok({ kind, accused: m.accused, messages });
}

/** An evidence message's record and what it proves (signatures assumed verified). */
export function checkEvidenceMessage(m: EvidenceMessage, rules: EvidenceRules): Result<{ evidence: Evidence; verdict: EvidenceVerdict }, string> {
  const e = evidenceFromMessage(m);
  if (!e.ok) return e;
  const v = checkEvidence(e.value, rules);
  return v.ok ? ok({ evidence: e.value, verdict: v.value }) : v;
}

/** The evidence message for a record, without its signature (the reporter signs it). */
export function unsignedEvidenceMessage(e: Evidence, reporter: ReplicaId): Unsigned<EvidenceMessage> {
  const of = <T extends Statement['type']>(t: T): Extract<Statement, { type: T }>[] =>
    e.messages.filter((m): m is Extract<Statement, { type: T }> => m.type === t);
  const out: Unsigned<EvidenceMessage> = {
    type: 'evidence',
    accused: e.accused,
    kind: EVIDENCE_KIND_CODES[e.kind],
    prePrepares: of('pre-prepare'),
    prepares: of('prepare'),
    commits: of('commit'),
    checkpoints: of('checkpoint'),
    viewChanges: of('view-change'),
    newViews: of('new-view'),
    hsProposals: of('hs-proposal'),
    hsVotes: of('hs-vote'),
    replica: reporter,
  };
  for (const arr of [out.prePrepares, out.prepares, out.commits, out.checkpoints, out.viewChanges, out.newViews, out.hsProposals, out.hsVotes]) {
    assert(arr.length <= MAX_EVIDENCE_ITEMS, `evidence carries more than ${MAX_EVIDENCE_ITEMS} messages of one type`);
  }
  return out;
}

/** The signed evidence message the reporter sends (SPEC B1: every replica message is signed). */
export function signEvidence(e: Evidence, reporter: ReplicaId, signer: Signer, domain: SigningDomain): EvidenceMessage {
  const draft: EvidenceMessage = { ...unsignedEvidenceMessage(e, reporter), sig: signature(new Uint8Array(64)) };
  return { ...draft, sig: signer.sign(signingBytes(domain, draft)) };
}
