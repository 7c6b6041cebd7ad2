// Ingress: the only door into a protocol core. decode → bound → authenticate → Verified<T>
// (src/core/verified.ts). Everything a message carries is checked here, nested messages included:
// membership of every replica id, every pre-prepare's batch digest, every signature (TOCS '02 §4:
// all messages are signed, and certificates are only as good as the signatures inside them). A
// pre-prepare inside a VIEW-CHANGE or evidence may leave its batch out (src/wire/omit.ts).
// Semantic checks (quorum sizes, digests matching across messages, views) belong to the core.

import { assert } from '../core/assert.ts';
import type { HashFn, Signer, VerifyFn } from '../core/crypto-port.ts';
import type { DropReason } from '../core/drops.ts';
import type { PublicKey, ReplicaId } from '../core/ids.ts';
import { PUBLIC_KEY_BYTES, bytesEqual, fromHex, publicKey, toHex } from '../core/ids.ts';
import { MAX_REPLICAS, SIG_CACHE_ENTRIES } from '../core/limits.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { Verified } from '../core/verified.ts';
import { markVerified } from '../core/verified.ts';
import type { CodecError } from '../wire/codec.ts';
import { TOO_LONG, batchBytes, decodeMessage, signingBytes } from '../wire/codec.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { AnyReply, Message, MessageType, ReplicaMessage, Request } from '../wire/messages.ts';
import { MESSAGE_TAGS } from '../wire/messages.ts';
import type { RequestAuthMode } from '../wire/authenticator.ts';
import { authenticatorBytes, authenticatorEntryOk } from '../wire/authenticator.ts';
import { validateMessage } from '../wire/validate.ts';
import { forEachMessage } from '../wire/walk.ts';
import type { MessageVisitor } from '../wire/walk.ts';
import { mayOmitBatch } from '../wire/omit.ts';
import { createSigCache } from './sig-cache.ts';
import type { SigCacheStats } from './sig-cache.ts';

export interface IngressConfig {
  /** Number of replicas; ids 0 … n−1 are members. */
  readonly n: number;
  /** Public key of replica i at index i. */
  readonly replicaKeys: readonly PublicKey[];
  readonly verify: VerifyFn;
  readonly hash: HashFn;
  /**
   * The signing domain (src/wire/domain.ts): a signature made in another cluster, epoch or protocol
   * does not verify here; requests and replies are checked under the cluster's client prefix.
   */
  readonly domain: SigningDomain;
  /** Verified signatures remembered (default SIG_CACHE_ENTRIES); 0 disables the cache. */
  readonly sigCacheSize?: number;
  /**
   * A client's own signer: replies carry a MAC keyed between that client and the replica (TOCS '02
   * §3.2, src/crypto/mac.ts), so only it can check them. Without it, every reply is rejected.
   */
  readonly replyAuth?: Signer;
  /**
   * How requests are authenticated (the config's `requestAuth`, default "signature"). With "mac"
   * every request carries an authenticator of n entries (src/wire/authenticator.ts) and a replica
   * (`self`) checks its own entry: a request sent to it directly needs that MAC and then the client
   * signature (the MAC first: it is cheap); a request in a pre-prepare or hs-proposal batch needs the MAC or, failing
   * that, the signature; a request inside a certificate (prepared or committed proof, new-view,
   * evidence) is vouched for by the quorum that accepted it and is not checked again.
   * docs/PROTOCOL.md, "Request authentication", argues the rule. With "shared" a request in a
   * pre-prepare's batch is not checked here: the PBFT core verifies the ones assigned to it before
   * its PREPARE and decides the rest at execution (src/pbft/verdicts.ts); direct requests and
   * hs-proposal batches are checked as in "signature" mode.
   */
  readonly requestAuth?: RequestAuthMode;
  /**
   * Requests inside a certificate (a view-change's prepared proofs, a new-view, a committed proof, a
   * pre-prepare copy, fetched HotStuff blocks, evidence): 'trust' skips their client signatures in
   * "signature" mode too — at least f+1 honest replicas authenticated each before voting for its
   * batch, and the batch digests are still checked — which is what makes a view change under load
   * cheap (thousands of requests ride in its prepared proofs); 'check' (the default) verifies them,
   * as a third party reading an audit trail must. "mac" mode always trusts them. Requests inside
   * evidence are never checked here: a proof rests on replica signatures, and the one kind that
   * reads a request's signature (false-verdict) checks it in its rule — a forged request in the
   * batch is what a faulty primary's evidence may well carry. docs/PROTOCOL.md §5.1.
   */
  readonly certifiedRequests?: 'check' | 'trust';
  /** This replica, for its entry of request authenticators (needed by a replica in "mac" mode). */
  readonly self?: { readonly id: ReplicaId; readonly signer: Signer };
  /**
   * Verdicts shared with other ingresses of the same configuration (all but `self`), keyed by the
   * bytes object received: the simulator hands one broadcast's bytes object to n−1 replicas, and the
   * verdict — decode, structure, signatures — is a function of those bytes and the link, so each
   * object is decoded and verified once (issue 17 item 5). Counters are still kept per ingress.
   * In "mac" mode a verdict that reads `self`'s own authenticator entry is never shared: a request's,
   * and a pre-prepare's or an hs-proposal's (its batch's requests); every other replica message's is.
   */
  readonly shared?: SharedVerdicts;
}

/** See IngressConfig.shared: what ingresses of one configuration decided about each bytes object. */
export interface SharedVerdicts {
  readonly replica: WeakMap<Uint8Array, LinkVerdicts>;
  readonly request: WeakMap<Uint8Array, Result<Verified<Request>, DropReason>>;
}

/**
 * The verdicts on one replica message's bytes, by link (−1: none): the first link's held inline —
 * a broadcast reaches every receiver on its sender's link, so there is rarely another — and any
 * other link's in a map made when one comes (not a map per message: issue 17 item 5).
 */
export interface LinkVerdicts {
  readonly link: number;
  readonly verdict: Result<Verified<ReplicaMessage>, DropReason>;
  others?: Map<number, Result<Verified<ReplicaMessage>, DropReason>>;
}

export function createSharedVerdicts(): SharedVerdicts {
  return { replica: new WeakMap(), request: new WeakMap() };
}

export interface Ingress {
  /** A replica message from the wire; `link` is the replica the authenticated connection belongs to. */
  replicaMessage(bytes: Uint8Array, link?: ReplicaId): Result<Verified<ReplicaMessage>, DropReason>;
  /** The same checks for a message that never was bytes (the simulator); its shape is validated too. */
  replicaMessageDecoded(m: ReplicaMessage, link?: ReplicaId): Result<Verified<ReplicaMessage>, DropReason>;
  /**
   * A request from the wire. `cheap`, if given, runs after decoding and the structural checks and
   * before the MAC and signature: a drop reason it returns (the sender's link does not own the
   * request, the core would refuse it whatever its signature) costs no public-key verify.
   */
  request(bytes: Uint8Array, cheap?: (r: Request) => DropReason | undefined): Result<Verified<Request>, DropReason>;
  requestDecoded(r: Request): Result<Verified<Request>, DropReason>;
  /** A reply in either form, as a client receives it (MACed by replica reply.replica for this client: needs replyAuth). */
  reply(bytes: Uint8Array): Result<Verified<AnyReply>, DropReason>;
  /** Drops by reason, plus 'accepted'. */
  counters(): Readonly<Record<string, number>>;
  /** The signature cache's lookups so far (hits answered without a verify). */
  signatureCache(): SigCacheStats;
}

/** The drop reasons ingress can produce (all 'reject': the sender is at fault). */
export const INGRESS_DROPS = [
  'malformed', 'oversized', 'op-too-large', 'non-member', 'sender-mismatch', 'bad-batch-digest', 'bad-authenticator', 'bad-signature',
] as const satisfies readonly DropReason[];

function isReplicaMessage(m: Message): m is ReplicaMessage {
  switch (m.type) {
    case 'request':
    case 'reply':
    case 'reply-digest':
      return false;
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
    case 'checkpoint':
    case 'view-change':
    case 'new-view':
    case 'fetch-state':
    case 'state-chunk':
    case 'fetch-log':
    case 'committed-proof':
    case 'evidence':
    case 'pre-prepare-copy':
    case 'hs-proposal':
    case 'hs-vote':
    case 'hs-timeout':
    case 'hs-fetch':
    case 'hs-blocks':
    case 'hs-tc':
    case 'timeout':
    case 'timeout-cert':
      return true;
  }
}

const OP_TOO_LONG = new RegExp(`(^|\\.)op: ${TOO_LONG}`);

/** Codec failure → drop reason. An op above MAX_OP_BYTES (at any depth) gets its own reason. */
function codecDrop(e: CodecError): DropReason {
  if (e.code === 'oversized') return 'oversized';
  if (e.code === 'bad-field' && OP_TOO_LONG.test(e.detail)) return 'op-too-large';
  return 'malformed';
}

export function createIngress(cfg: IngressConfig): Ingress {
  const { n, hash, domain } = cfg;
  assert(Number.isSafeInteger(n) && n >= 1 && n <= MAX_REPLICAS, 'ingress: n out of range');
  assert(cfg.replicaKeys.length === n, 'ingress: need one key per replica');
  for (const k of cfg.replicaKeys) assert(k.length === PUBLIC_KEY_BYTES, 'ingress: replica key is not 32 bytes');
  const cache = createSigCache(cfg.sigCacheSize ?? SIG_CACHE_ENTRIES, hash, cfg.verify);
  const counts: Record<string, number> = { accepted: 0 };
  for (const r of INGRESS_DROPS) counts[r] = 0;

  const count = <T>(r: Result<T, DropReason>): Result<T, DropReason> => {
    const key = r.ok ? 'accepted' : r.error;
    counts[key] = (counts[key] ?? 0) + 1;
    return r;
  };

  const macMode = cfg.requestAuth === 'mac';
  const sharedMode = cfg.requestAuth === 'shared';
  const authLength = macMode ? authenticatorBytes(n) : 0;
  assert(!macMode || cfg.self === undefined || (cfg.self.id >= 0 && cfg.self.id < n), 'ingress: self is not a member');

  // The walks' visitors are made once per ingress, not per message (issue 17 item 5).
  const memberOk: MessageVisitor = (x) => x.type === 'request' || x.replica < n;
  const authShapeOk: MessageVisitor = (x) => x.type !== 'request' || x.auth.length === authLength;
  const digestOk: MessageVisitor = (x, _depth, parent) => {
    if (x.type !== 'pre-prepare' && x.type !== 'hs-proposal') return true;
    if (x.type === 'pre-prepare' && x.requests.length === 0 && mayOmitBatch(parent)) return true; // bodyless: d alone is read
    return hash(batchBytes(x.requests)) === x.digest;
  };

  /** Membership, sender binding, authenticator shapes and batch digests: cheap checks before any signature (§4.2). */
  const structural = (m: Message, link: ReplicaId | undefined): DropReason | undefined => {
    if (!forEachMessage(m, memberOk)) return 'non-member';
    if (link !== undefined && m.type !== 'request' && m.replica !== link) return 'sender-mismatch';
    if (!forEachMessage(m, authShapeOk)) return 'bad-authenticator';
    return forEachMessage(m, digestOk) ? undefined : 'bad-batch-digest';
  };

  /** A reply's MAC, for this client only (a reply addressed to another client is not ours to accept). */
  const ownClient = cfg.replyAuth === undefined ? undefined : toHex(cfg.replyAuth.publicKey);
  const replyMacOk = (x: AnyReply): boolean =>
    cfg.replyAuth !== undefined && x.client === ownClient && bytesEqual(cfg.replyAuth.mac(cfg.replicaKeys[x.replica]!, signingBytes(domain, x)), x.sig);

  /** The client signature of a request (a client signs with the key its ClientId spells). */
  const requestSigOk = (r: Request, bytes: Uint8Array): boolean => cache.verify(publicKey(fromHex(r.client)!), bytes, r.sig);
  /** This replica's entry of a request's authenticator ("mac" mode; false without `self`). */
  const ownMacOk = (r: Request, bytes: Uint8Array): boolean =>
    cfg.self !== undefined && authenticatorEntryOk(cfg.self.signer, publicKey(fromHex(r.client)!), r.auth, cfg.self.id, bytes);

  /** A request inside a bare pre-prepare, "mac" mode: our MAC, or failing that the signature. */
  const batchedRequestOk = (r: Request): boolean => {
    const bytes = signingBytes(domain, r);
    return ownMacOk(r, bytes) || requestSigOk(r, bytes);
  };

  const trustCertified = macMode || cfg.certifiedRequests === 'trust';
  /**
   * A request: sent directly (depth 0: the signature; "mac" mode checked the own entry first), in
   * the fresh batch of a proposal — a pre-prepare's or an hs-proposal's own requests, depth 1 —
   * (the signature; "mac": the own entry or the signature; "shared": a pre-prepare's, left to the
   * core), or deeper, inside a certificate
   * (vouched for when trustCertified, see IngressConfig.certifiedRequests).
   */
  const requestOk = (top: Message, x: Request, depth: number): boolean => {
    if (depth === 0) return requestSigOk(x, signingBytes(domain, x));
    if (depth === 1 && top.type === 'pre-prepare' && sharedMode) return true; // the core's verdicts (src/pbft/verdicts.ts)
    if (depth === 1 && (top.type === 'pre-prepare' || top.type === 'hs-proposal')) return macMode ? batchedRequestOk(x) : requestSigOk(x, signingBytes(domain, x));
    return trustCertified || top.type === 'evidence' || requestSigOk(x, signingBytes(domain, x));
  };

  /** The message whose signatures `signatureOk` is checking (set by signaturesOk around its walk). */
  let walked: Message | undefined;
  const signatureOk: MessageVisitor = (x, depth) => {
    if (x.type === 'reply' || x.type === 'reply-digest') return replyMacOk(x);
    if (x.type === 'request') return requestOk(walked!, x, depth);
    return cache.verify(cfg.replicaKeys[x.replica]!, signingBytes(domain, x), x.sig);
  };
  /** Every signature (a reply's MAC), outermost first; requests by requestOk. */
  const signaturesOk = (m: Message): boolean => {
    const outer = walked;
    walked = m;
    const all = forEachMessage(m, signatureOk);
    walked = outer;
    return all;
  };

  /** "mac" mode, a request sent to this replica: its own MAC entry first (cheap, before the signature). */
  const directMacOk = (m: Message): boolean =>
    !macMode || m.type !== 'request' || cfg.self === undefined || ownMacOk(m, signingBytes(domain, m));

  /** The verdict on a decoded message (not counted yet). */
  const admit = <T extends Message>(m: Message, want: (m: Message) => m is T, link?: ReplicaId, cheap?: (m: T) => DropReason | undefined): Result<Verified<T>, DropReason> => {
    if (!want(m)) return err('malformed');
    const reason = structural(m, link) ?? cheap?.(m);
    if (reason !== undefined) return err(reason);
    if (!directMacOk(m)) return err('bad-authenticator');
    if (!signaturesOk(m)) return err('bad-signature');
    return ok(markVerified(m));
  };

  const decoded = (bytes: Uint8Array): Result<Message, DropReason> => {
    const d = decodeMessage(bytes);
    return d.ok ? d : err(codecDrop(d.error));
  };
  const validated = (v: unknown): Result<Message, DropReason> => {
    const d = validateMessage(v);
    return d.ok ? d : err(codecDrop(d.error));
  };
  const isType = <T extends MessageType>(t: T) => (m: Message): m is Extract<Message, { type: T }> => m.type === t;
  const isRequest = isType('request');
  const isReply = (m: Message): m is AnyReply => m.type === 'reply' || m.type === 'reply-digest';

  const shared = cfg.shared;
  /** "mac" mode: a pre-prepare's or an hs-proposal's verdict reads this replica's own entries (batchedRequestOk); its tag is the first byte. */
  const readsOwnEntry = (bytes: Uint8Array): boolean =>
    macMode && (bytes[0] === MESSAGE_TAGS['pre-prepare'] || bytes[0] === MESSAGE_TAGS['hs-proposal']);
  const replicaVerdict = (bytes: Uint8Array, link: ReplicaId | undefined): Result<Verified<ReplicaMessage>, DropReason> => {
    const d = decoded(bytes);
    return d.ok ? admit(d.value, isReplicaMessage, link) : err(d.error);
  };
  const requestVerdict = (bytes: Uint8Array, cheap?: (r: Request) => DropReason | undefined): Result<Verified<Request>, DropReason> => {
    const d = decoded(bytes);
    return d.ok ? admit(d.value, isRequest, undefined, cheap) : err(d.error);
  };

  return {
    replicaMessage(bytes, link) {
      if (shared === undefined || readsOwnEntry(bytes)) return count(replicaVerdict(bytes, link));
      const key = link ?? -1;
      const held = shared.replica.get(bytes);
      if (held === undefined) {
        const verdict = replicaVerdict(bytes, link);
        shared.replica.set(bytes, { link: key, verdict });
        return count(verdict);
      }
      if (held.link === key) return count(held.verdict);
      let v = held.others?.get(key);
      if (v === undefined) (held.others ??= new Map()).set(key, (v = replicaVerdict(bytes, link)));
      return count(v);
    },
    replicaMessageDecoded(m, link) {
      const d = validated(m);
      return count(d.ok ? admit(d.value, isReplicaMessage, link) : err(d.error));
    },
    request(bytes, cheap) {
      // A `cheap` check is the caller's own, and "mac" mode reads the own entry: the verdict is not shared.
      if (shared === undefined || cheap !== undefined || macMode) return count(requestVerdict(bytes, cheap));
      let v = shared.request.get(bytes);
      if (v === undefined) shared.request.set(bytes, (v = requestVerdict(bytes)));
      return count(v);
    },
    requestDecoded(r) {
      const d = validated(r);
      return count(d.ok ? admit(d.value, isRequest) : err(d.error));
    },
    reply(bytes) {
      const d = decoded(bytes);
      return count(d.ok ? admit(d.value, isReply) : err(d.error));
    },
    counters: () => ({ ...counts }),
    signatureCache: () => cache.stats(),
  };
}
