// Producing proofs (issue 14 items 2–3, docs/PROTOCOL.md §4b): a replica keeps the last few
// certified states — the 2f+1 signed CHECKPOINTs of a stable checkpoint (TOCS '02 §4.3), the roots
// their digest commits to (§4a) and the captured, immutable Merkle trees under them — past the
// protocol's log GC, up to the config's `proofs.retainCheckpoints`, and answers proof queries from
// them. A captured tree shares every unchanged node with the live state (src/app/merkle.ts), so a
// retained state costs O(writes since the previous checkpoint · log n) nodes, not a copy.
//
// The answers are not trusted by anyone: a client checks each with the light client
// (src/light-client/verify.ts) before it uses it (src/client/proofs.ts).

import type { ClientId, ReplicaId } from '../core/ids.ts';
import type { CertifiedState, ExecutedState } from '../protocol/types.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { DomainInfo } from '../wire/domain.ts';
import type { ProofFile } from '../light-client/index.ts';
import { buildProof, readClaim, writeClaim } from '../light-client/make.ts';
import { decodeClientRecord } from '../service/commitment.ts';

/** A proof, or why none can be given: 404 nothing certified holds it (yet), 400 the query is wrong. */
export type ProofAnswer = { readonly ok: true; readonly proof: ProofFile } | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

const none = (reason: string): ProofAnswer => ({ ok: false, status: 404, reason });

/**
 * What a replica needs to answer with a share of an on-demand certificate (docs/PROTOCOL.md §4c): its
 * state after the last executed seq, and its signature on CHECKPOINT ⟨seq, digest⟩ of that state.
 */
export interface ShareSource {
  readonly id: ReplicaId;
  /** The last executed seq (cheap: decides whether the cached share is still current). */
  executed(): number;
  /** The state after it (ReplicaCore.executedState), undefined when none can be shared now. */
  state(): ExecutedState | undefined;
  sign(unsigned: Omit<Checkpoint, 'sig'>): Checkpoint;
}

interface Share {
  readonly state: ExecutedState;
  readonly checkpoint: Checkpoint;
}

/** The certified states a replica keeps for proofs, newest last, at most `retain` of them. */
export class CertifiedStates {
  private readonly states: CertifiedState[] = [];
  /** The share of the current executed state, signed at most once per executed seq. */
  private share: Share | undefined;

  constructor(
    readonly retain: number,
    private readonly domain: DomainInfo,
    private readonly shares?: ShareSource,
  ) {
    if (!Number.isSafeInteger(retain) || retain < 1) throw new RangeError(`retainCheckpoints must be a positive integer (got ${retain})`);
  }

  /** Keeps a newly stable checkpoint's certified state; the oldest beyond `retain` are dropped. */
  add(c: CertifiedState): void {
    const newest = this.states[this.states.length - 1];
    if (newest !== undefined && c.seq <= newest.seq) return; // a state transfer or restart may repeat one
    this.states.push(c);
    while (this.states.length > this.retain) this.states.shift();
  }

  /** Sequence numbers of the retained certified states, oldest first. */
  seqs(): number[] {
    return this.states.map((s) => s.seq);
  }

  /**
   * A share of an on-demand certificate (docs/PROTOCOL.md §4c): the state after the last executed seq
   * with this replica's signature alone, or why there is none. A client merges 2f+1 matching shares.
   */
  private currentShare(): Share | string {
    if (this.shares === undefined) return 'this replica gives no certificate shares';
    const at = this.shares.executed();
    if (this.share?.state.seq === at) return this.share;
    const state = this.shares.state();
    if (state === undefined) return 'no share of the executed state now: a state transfer or catch-up is under way, or the app has no state root (docs/APPS.md)';
    const checkpoint = this.shares.sign({ type: 'checkpoint', seq: state.seq, stateDigest: state.stateDigest, replica: this.shares.id });
    this.share = { state, checkpoint };
    return this.share;
  }

  /** A read proof of `key` signed by this replica alone, at its last executed state (a share, §4c). */
  readShare(key: string): ProofAnswer {
    const s = this.currentShare();
    if (typeof s === 'string') return none(s);
    if (s.state.roots.proveApp === undefined) return none('the app this replica runs has no Merkle state root, so it has no read proofs (docs/APPS.md)');
    const proof = s.state.roots.proveApp(new TextEncoder().encode(key));
    return { ok: true, proof: buildProof(this.domain, shareRoots(s), readClaim(key, proof)) };
  }

  /** A write proof of the client's entry (request `reqNo` when given) signed by this replica alone, at its last executed state (§4c). */
  writeShare(client: ClientId, reqNo?: number): ProofAnswer {
    const s = this.currentShare();
    if (typeof s === 'string') return none(s);
    const proof = s.state.roots.proveClient(client);
    const rec = proof.value === null ? undefined : decodeClientRecord(proof.value);
    if (rec === undefined) return none(`client ${client.slice(0, 16)}… has no entry in the state after seq ${s.state.seq}`);
    if (reqNo !== undefined && rec.reqNo !== reqNo) return none(`the state after seq ${s.state.seq} holds request ${rec.reqNo} of this client, not ${reqNo}`);
    return { ok: true, proof: buildProof(this.domain, shareRoots(s), writeClaim(client, rec.reqNo, rec.result, proof)) };
  }

  /** A read proof of `key` (its value or its absence) at the newest retained certified state. */
  readProof(key: string): ProofAnswer {
    const s = this.states[this.states.length - 1];
    if (s === undefined) return none('no certified checkpoint yet: proofs are answered once a checkpoint is stable (every checkpointInterval sequence numbers)');
    if (s.roots.proveApp === undefined) return none('the app this replica runs has no Merkle state root, so it has no read proofs (docs/APPS.md)');
    const proof = s.roots.proveApp(new TextEncoder().encode(key));
    return { ok: true, proof: buildProof(this.domain, this.rootsOf(s), readClaim(key, proof)) };
  }

  /**
   * A write proof: the client's entry in the client table (its last executed request and result) at
   * the newest retained state whose entry holds request `reqNo` (any request when absent). A write is
   * provable at a checkpoint after it executed and before the client's next request (§4b).
   */
  writeProof(client: ClientId, reqNo?: number): ProofAnswer {
    let newest: number | undefined;
    for (let i = this.states.length - 1; i >= 0; i--) {
      const s = this.states[i]!;
      const proof = s.roots.proveClient(client);
      const rec = proof.value === null ? undefined : decodeClientRecord(proof.value);
      if (rec === undefined) continue;
      newest ??= rec.reqNo;
      if (reqNo !== undefined && rec.reqNo !== reqNo) continue;
      return { ok: true, proof: buildProof(this.domain, this.rootsOf(s), writeClaim(client, rec.reqNo, rec.result, proof)) };
    }
    if (this.states.length === 0) return none('no certified checkpoint yet: proofs are answered once a checkpoint is stable (every checkpointInterval sequence numbers)');
    if (newest === undefined) return none(`client ${client.slice(0, 16)}… has no entry in the retained certified states (seqs ${this.seqs().join(', ')})`);
    if (reqNo !== undefined && reqNo > newest) return none(`request ${reqNo} is not certified yet: the newest certified state holds request ${newest} of this client; wait for the next checkpoint`);
    return none(`request ${String(reqNo)} is in no retained certified state (the client's later requests replaced it; retained seqs ${this.seqs().join(', ')})`);
  }

  private rootsOf(s: CertifiedState): { appRoot: string; clientRoot: string; checkpoints: Checkpoint[] } {
    const checkpoints = s.certificate.filter((m): m is Checkpoint => m.type === 'checkpoint' && m.seq === s.seq && m.stateDigest === s.stateDigest);
    return { appRoot: s.roots.appRoot, clientRoot: s.roots.clientRoot, checkpoints };
  }
}

const shareRoots = (s: Share): { appRoot: string; clientRoot: string; checkpoints: Checkpoint[] } => ({ appRoot: s.state.roots.appRoot, clientRoot: s.state.roots.clientRoot, checkpoints: [s.checkpoint] });
