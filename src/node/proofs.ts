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
  /** Asks the core to capture the state right after `seq` when it executes (ReplicaCore.captureAt). */
  captureAt(seq: number): void;
}

interface Share {
  readonly state: ExecutedState;
  readonly checkpoint: Checkpoint;
}

/** States captured at seqs clients asked for or while shares are in demand, kept newest last. */
const CAPTURED_KEPT = 32;
/**
 * While shares are in demand (one was asked for in the last SHARE_DEMAND_MS), the core is asked to
 * capture each of the next CAPTURE_AHEAD seqs, so that a replica that executes past the seq a client
 * then asks every replica for (one past the highest share it saw) still has that state.
 */
const CAPTURE_AHEAD = 8;
const SHARE_DEMAND_MS = 2000;
/** Share asks waiting for their seq at once; more are refused (each holds a timer). */
const MAX_WAITING = 64;
/** The farthest ahead of the executed seq a share may be asked for (a busy cluster's replicas are a few apart). */
export const MAX_SHARE_AHEAD = 256;
/** How long a share ask waits for its seq to execute. */
export const SHARE_WAIT_MS = 1000;

interface Waiter {
  readonly seq: number;
  readonly done: (s: Share | string) => void;
}

/** The certified states a replica keeps for proofs, newest last, at most `retain` of them. */
export class CertifiedStates {
  private readonly states: CertifiedState[] = [];
  /** The share of the current executed state, signed at most once per executed seq. */
  private share: Share | undefined;
  /** States captured at asked-for seqs (captured()), signed when first asked, newest last. */
  private readonly atSeq: { state: ExecutedState; checkpoint?: Checkpoint }[] = [];
  private readonly waiting = new Set<Waiter>();
  /** Until when (Date.now ms) shares are in demand: the next seqs are captured as they execute. */
  private demandUntil = 0;

  constructor(
    readonly retain: number,
    private readonly domain: DomainInfo,
    private readonly shares?: ShareSource,
  ) {
    if (!Number.isSafeInteger(retain) || retain < 1) throw new RangeError(`retainCheckpoints must be a positive integer (got ${retain})`);
  }

  /** Hears the retained states (oldest first) after each change: the node writes them down (src/node/proof-history.ts). */
  onChange: ((states: readonly CertifiedState[]) => void) | undefined;

  /** Keeps a newly stable checkpoint's certified state; the oldest beyond `retain` are dropped. */
  add(c: CertifiedState): void {
    const newest = this.states[this.states.length - 1];
    if (newest !== undefined && c.seq <= newest.seq) return; // a state transfer or restart may repeat one
    this.states.push(c);
    while (this.states.length > this.retain) this.states.shift();
    this.onChange?.(this.states);
  }

  /** States older than every kept one (read back after a restart, oldest first), up to `retain` in all. */
  restore(older: readonly CertifiedState[]): void {
    const oldest = this.states[0];
    const before = older.filter((s) => oldest === undefined || s.seq < oldest.seq);
    this.states.unshift(...before.slice(Math.max(0, before.length - (this.retain - this.states.length))));
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
    // The share it replaces stays askable at its seq (keep()): a client's next try asks every replica
    // for the highest share it saw (shareTarget), which this replica may have executed past by then.
    if (this.share !== undefined) this.keep(this.share);
    this.share = { state, checkpoint };
    return this.share;
  }

  /**
   * The round's executed batches, once per driver round: the states the core captured at asked-for
   * seqs (ExecutedBatch.state) are kept for shares at a given seq, and every waiting ask whose seq
   * has executed is answered.
   */
  captured(batches: readonly { readonly state?: ExecutedState }[]): void {
    for (const { state } of batches) if (state !== undefined) this.keep({ state });
    if (this.shares === undefined) return;
    if (this.demandUntil > 0) this.captureAhead(false);
    if (this.waiting.size === 0) return;
    const executed = this.shares.executed();
    for (const w of this.waiting) if (w.seq <= executed) w.done(this.keptShare(w.seq) ?? this.passed(w.seq, executed));
  }

  /**
   * A share at exactly `seq` (§4c), or at the executed seq when undefined: replicas of a busy cluster
   * are a few seqs apart, so a client asks all of them for the state after one seq past the highest
   * share it saw. Answered at once when it was captured (asked for, or captured while shares are in
   * demand: captureAhead) or is the executed seq; else, when `seq` is ahead by at most
   * MAX_SHARE_AHEAD, the core is asked to capture it and the answer waits up to SHARE_WAIT_MS.
   */
  private shareAt(seq: number | undefined): Share | string | Promise<Share | string> {
    if (this.shares !== undefined) this.captureAhead(true);
    if (seq === undefined || this.shares === undefined) return this.currentShare();
    const kept = this.keptShare(seq);
    if (kept !== undefined) return kept;
    const executed = this.shares.executed();
    if (seq === executed) {
      const s = this.currentShare();
      return typeof s === 'string' || s.state.seq === seq ? s : this.passed(seq, executed);
    }
    if (seq < executed) return this.passed(seq, executed);
    if (seq > executed + MAX_SHARE_AHEAD) return `seq ${seq} is more than ${MAX_SHARE_AHEAD} ahead of this replica (executed ${executed}): ask for a share at a seq the replicas are about to execute`;
    if (this.waiting.size >= MAX_WAITING) return `${MAX_WAITING} share asks are waiting already: retry later`;
    this.shares.captureAt(seq);
    return new Promise((resolve) => {
      const w: Waiter = {
        seq,
        done: (s) => {
          clearTimeout(timer);
          this.waiting.delete(w);
          resolve(s);
        },
      };
      const timer = setTimeout(() => w.done(`seq ${seq} did not execute here within ${SHARE_WAIT_MS} ms (executed ${this.shares?.executed() ?? '?'})`), SHARE_WAIT_MS);
      this.waiting.add(w);
    });
  }

  /** Asks the core to capture the next CAPTURE_AHEAD seqs while shares are in demand (`asked`: one was just asked for). */
  private captureAhead(asked: boolean): void {
    const now = Date.now();
    if (asked) this.demandUntil = now + SHARE_DEMAND_MS;
    else if (now > this.demandUntil) {
      this.demandUntil = 0;
      return;
    }
    const executed = this.shares?.executed();
    if (executed === undefined) return;
    for (let i = 1; i <= CAPTURE_AHEAD; i++) this.shares?.captureAt(executed + i);
  }

  /** Keeps a captured (or already shared) state for shares at its seq, the newest CAPTURED_KEPT. */
  private keep(c: { state: ExecutedState; checkpoint?: Checkpoint }): void {
    if (this.atSeq.some((k) => k.state.seq === c.state.seq)) return;
    this.atSeq.push(c);
    if (this.atSeq.length > CAPTURED_KEPT) this.atSeq.shift();
  }

  /** The captured state at `seq`, signed (once). */
  private keptShare(seq: number): Share | undefined {
    const k = this.atSeq.find((c) => c.state.seq === seq);
    if (k === undefined || this.shares === undefined) return undefined;
    k.checkpoint ??= this.shares.sign({ type: 'checkpoint', seq: k.state.seq, stateDigest: k.state.stateDigest, replica: this.shares.id });
    return { state: k.state, checkpoint: k.checkpoint };
  }

  private passed(seq: number, executed: number): string {
    return `this replica executed past seq ${seq} (executed ${executed}) without keeping its state: ask at a seq ahead of every replica`;
  }

  /** A read proof of `key` signed by this replica alone, at its last executed state or at `at` (a share, §4c). */
  async readShare(key: string, at?: number): Promise<ProofAnswer> {
    const s = await this.shareAt(at);
    if (typeof s === 'string') return none(s);
    if (s.state.roots.proveApp === undefined) return none('the app this replica runs has no Merkle state root, so it has no read proofs (docs/APPS.md)');
    const proof = s.state.roots.proveApp(new TextEncoder().encode(key));
    return { ok: true, proof: buildProof(this.domain, shareRoots(s), readClaim(key, proof)) };
  }

  /** A write proof of the client's entry (request `reqNo` when given) signed by this replica alone, at its last executed state or at `at` (§4c). */
  async writeShare(client: ClientId, reqNo?: number, at?: number): Promise<ProofAnswer> {
    const s = await this.shareAt(at);
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
