// The client side of PBFT (Castro & Liskov TOCS '02 §4.1), pure: it signs requests, counts replies
// and decides when to retransmit. The simulator drives it with ticks; the real client library wraps
// it with a transport and a timer. One outstanding request at a time (closed loop), request numbers
// strictly increase.

import type { ClientId, PublicKey, ReplicaId, ReqNo, View } from '../core/ids.ts';
import { DIGEST_BYTES, reqNo as toReqNo, replicaId, signature, toHex, view as toView } from '../core/ids.ts';
import type { HashFn, Signer } from '../core/crypto-port.ts';
import type { Verified } from '../core/verified.ts';
import { assert } from '../core/assert.ts';
import { primaryOf, quorumOf, weakQuorumSize } from '../core/quorum.ts';
import { READ_STATE_BYTES } from '../core/limits.ts';
import type { AnyReply, Request } from '../wire/messages.ts';
import { signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { NO_AUTH, makeAuthenticator } from '../wire/authenticator.ts';
import { addRtoSample, emptyRto, rtoTicks } from './rto.ts';

export interface ClientCoreOptions {
  readonly id: ClientId;
  readonly signer: Signer;
  /** The cluster's hash: a large result is matched with digest replies by its digest (TOCS '02 §5.1.1). */
  readonly hash: HashFn;
  /** The cluster's signing domain; requests are signed under its client prefix (src/wire/domain.ts). */
  readonly domain: SigningDomain;
  readonly n: number;
  readonly f: number;
  /** Ticks to wait for a result before broadcasting the request to all replicas (default 50). */
  readonly retransmitTicks?: number;
  /** Ceiling of the doubling retransmit timeout (default 16 × retransmitTicks). */
  readonly maxRetransmitTicks?: number;
  /**
   * Set: the first retransmission comes after the measured latency's RTO (src/protocol/rto.ts),
   * between this floor and retransmitTicks, instead of always after retransmitTicks.
   */
  readonly minRetransmitTicks?: number;
  /** First request number used (default 1); a restarted client must resume above its last one. */
  readonly firstReqNo?: number;
  /**
   * The cluster's `requestAuth` (default "signature"). With "mac" each request also carries a MAC
   * authenticator, one entry per replica (src/wire/authenticator.ts); it needs `replicaKeys`.
   */
  readonly requestAuth?: RequestAuthMode;
  /** Replica public keys in id order (for "mac" authenticators). */
  readonly replicaKeys?: readonly PublicKey[];
  /** Planted bug (tests only): accept a read-only result on f+1 matching replies instead of 2f+1 (§5.1.3). */
  readonly weakReadQuorum?: boolean;
}

/** A request and the replica it goes to first: the primary the client believes in (§4.1). */
export interface ClientSend {
  readonly request: Request;
  readonly to: ReplicaId;
}

export interface Accepted {
  readonly reqNo: ReqNo;
  readonly result: Uint8Array;
}

export interface ClientCore {
  readonly id: ClientId;
  /** Signs the next request. The caller must not submit while a request is outstanding (a bug). */
  submit(op: Uint8Array, readOnly?: boolean): ClientSend;
  /**
   * Counts a verified reply, whole or a digest; `accepted` is set once enough distinct replicas sent
   * matching results and the client holds one whole.
   */
  onReply(reply: Verified<AnyReply>): { accepted?: Accepted };
  /** One tick of virtual time; returns requests to broadcast to ALL replicas (retransmission, §4.1). */
  onTick(): Request[];
  /** The request waiting for a result, if any. */
  outstanding(): Request | undefined;
  /** The view the client believes current: vouched for by at least f+1 replicas. */
  lastSeenView(): View;
}

interface Pending {
  readonly request: Request;
  /** Latest result from each replica, as its vote key (voteKey), for the outstanding request. */
  readonly votes: Map<ReplicaId, string>;
  /** Whole results received, by vote key (a digest reply's vote needs one to be accepted). */
  readonly whole: Map<string, Uint8Array>;
  waited: number;
  timeout: number;
  /** Sent to every replica at least once. */
  retransmitted: boolean;
  /** Ticks since the request was first sent (waited restarts at each retransmission). */
  elapsed: number;
  /** The first timeout it was given: a retransmitted request's sample is capped at twice this (rto.ts). */
  readonly first: number;
}

const NO_SIG = signature(new Uint8Array(64));

/**
 * What a reply votes for: a result of at most DIGEST_BYTES as its hex (replicas never send those as
 * digests: replyDigestMinBytes is above DIGEST_BYTES), a larger one as its digest, which a digest
 * reply (§5.1.1) carries instead. The 'r'/'d' prefixes keep the two kinds of key apart.
 */
function voteKey(hash: HashFn, reply: AnyReply): string {
  if (reply.type === 'reply-digest') return `d${reply.resultDigest}`;
  return reply.result.length <= DIGEST_BYTES ? `r${toHex(reply.result)}` : `d${hash(reply.result)}`;
}

export function createClientCore(opts: ClientCoreOptions): ClientCore {
  const base = opts.retransmitTicks ?? 50;
  const ceiling = opts.maxRetransmitTicks ?? base * 16;
  assert(Number.isSafeInteger(base) && base > 0, 'retransmitTicks must be a positive integer');
  const floor = opts.minRetransmitTicks;
  assert(floor === undefined || (Number.isSafeInteger(floor) && floor > 0 && floor <= base), 'minRetransmitTicks must be a positive integer ≤ retransmitTicks');
  const rto = emptyRto();
  const firstTimeout = (): number => (floor === undefined ? base : rtoTicks(rto, floor, base));
  assert(opts.n >= 3 * opts.f + 1, 'n must be at least 3f + 1');
  const macKeys = opts.requestAuth === 'mac' ? opts.replicaKeys : undefined;
  assert(opts.requestAuth !== 'mac' || (macKeys !== undefined && macKeys.length === opts.n), 'requestAuth "mac" needs the n replica keys');
  let next = opts.firstReqNo ?? 1;
  let pending: Pending | undefined;
  /** Highest view each replica reported in a reply (bounded by n entries). */
  const views = new Map<ReplicaId, number>();

  /** lastSeenView's answer, recomputed only after a reply raised a replica's view (not per request). */
  let seen: View | undefined;

  const lastSeenView = (): View => {
    // The (f+1)-th highest view reported: at least one correct replica is in that view or above, so
    // a single faulty replica cannot steer the client to a made-up primary.
    if (seen === undefined) seen = toView([...views.values()].sort((a, b) => b - a)[opts.f] ?? 0);
    return seen;
  };

  const sign = (draft: Request): Request => {
    const bytes = signingBytes(opts.domain, { ...draft, sig: NO_SIG, auth: NO_AUTH });
    const auth = macKeys === undefined ? NO_AUTH : makeAuthenticator(opts.signer, macKeys, bytes);
    return { ...draft, sig: opts.signer.sign(bytes), auth };
  };

  return {
    id: opts.id,
    submit(op, readOnly = false) {
      assert(pending === undefined, 'submit while a request is outstanding (closed loop)');
      const request = sign({ type: 'request', client: opts.id, reqNo: toReqNo(next), op, readOnly, sig: NO_SIG, auth: NO_AUTH });
      next++;
      const first = firstTimeout();
      pending = { request, votes: new Map(), whole: new Map(), waited: 0, timeout: first, retransmitted: false, elapsed: 0, first };
      return { request, to: replicaId(primaryOf(lastSeenView(), opts.n)) };
    },
    onReply(reply) {
      if (reply.client !== opts.id || reply.replica < 0 || reply.replica >= opts.n) return {};
      if (reply.view > (views.get(reply.replica) ?? -1)) {
        views.set(reply.replica, reply.view);
        seen = undefined;
      }
      const p = pending;
      if (p === undefined || reply.reqNo !== p.request.reqNo) return {};
      const key = voteKey(opts.hash, reply);
      p.votes.set(reply.replica, key);
      if (reply.type === 'reply') p.whole.set(key, reply.result);
      // §4.1: f+1 matching replies from distinct replicas include one from a correct replica.
      // A read-only request (§5.1.3) is answered without ordering, each replica from the state it has
      // executed so far, so it needs a quorum (quorumOf: 2f+1) — "the client waits for 2f+1 replies
      // from different replicas with the same result". Why a quorum: a completed write was executed
      // by the f+1 replicas whose replies the client accepted; 2f+1 matching replies intersect them,
      // so with no faulty replica the matching value includes the write. f+1 would not: they could
      // all come from replicas that have not executed it yet (the planted bug weakReadQuorum; the
      // simulator's linearizability checker catches it). The paper's proof also asks read-write
      // operations for 2f+1 replies (its tentative execution); writes here complete on f+1, so a
      // faulty replica that answered a write can make a later read miss it — docs/PROTOCOL.md
      // "Read-only requests" says what holds; `ordered` reads avoid it.
      const needed = p.request.readOnly && opts.weakReadQuorum !== true ? quorumOf(opts.n) : weakQuorumSize(opts.f);
      let matching = 0;
      for (const v of p.votes.values()) if (v === key) matching++;
      // §5.1.1: the digests agree, but the result itself must come from someone (the designated
      // replier, or any replica answering the retransmission); the digest binds it to the quorum.
      const whole = p.whole.get(key);
      if (matching < needed || whole === undefined) return {};
      // A read-only reply's result starts with the sequence number of the state read (src/service/read.ts
      // READ_STATE_BYTES): matching on it too makes the 2f+1 replies come from one state.
      if (p.request.readOnly && whole.length < READ_STATE_BYTES) return {};
      const result = p.request.readOnly ? whole.subarray(READ_STATE_BYTES) : whole;
      pending = undefined;
      // An unordered read's wait says nothing about the ordered path's round trip: not a sample. A
      // retransmitted request's wait, capped, is one (rto.ts, "Samples of retransmitted requests").
      if (!p.request.readOnly) addRtoSample(rto, p.retransmitted ? Math.min(p.elapsed, 2 * p.first) : p.waited);
      return { accepted: { reqNo: p.request.reqNo, result } };
    },
    onTick() {
      const p = pending;
      if (p === undefined) return [];
      p.waited++;
      p.elapsed++;
      if (p.waited < p.timeout) return [];
      p.waited = 0;
      if (p.request.readOnly) {
        // §5.1.3: no 2f+1 matching replies in time (concurrent writes, a slow or faulty replica) →
        // "the client retransmits the request as a regular read-write request". Same request number:
        // a read-only request never enters the client table, so the number is still unused.
        const ordered = sign({ ...p.request, readOnly: false });
        pending = { request: ordered, votes: new Map(), whole: new Map(), waited: 0, timeout: base, retransmitted: true, elapsed: 0, first: base };
        return [ordered];
      }
      // §4.1: no result in time → broadcast to all replicas; back off so a slow cluster is not flooded.
      // After an early (measured) first broadcast the schedule goes on from retransmitTicks.
      p.timeout = floor !== undefined && !p.retransmitted ? base : Math.min(p.timeout * 2, ceiling);
      p.retransmitted = true;
      return [p.request];
    },
    outstanding: () => pending?.request,
    lastSeenView,
  };
}
