// fast-check arbitraries for every wire message, nested ones included (test support, not shipped).

import fc from 'fast-check';
import { MAX_REPLICAS } from '../../src/core/limits.ts';
import { clientId, digest, replicaId, reqNo, seq, signature, toHex, view } from '../../src/core/ids.ts';
import type {
  Checkpoint, Commit, CommittedProof, EvidenceMessage, FetchLog, FetchState, HsBlocks, HsFetch, HsProposal, HsQc, HsTc, HsTimeout, HsVote, Timeout, TimeoutCert,
  Message, MessageType, NewView, PrePrepare, PrePrepareCopy, Prepare, PreparedProof, Reply, ReplyDigest, Request, StateChunk, ViewChange,
} from '../../src/wire/messages.ts';

/** Plain-prototype records, like decoded messages (fc.record defaults to null-prototype objects). */
function rec<R extends Record<string, unknown>>(model: { [K in keyof R]: fc.Arbitrary<R[K]> }): fc.Arbitrary<R> {
  const arb: fc.Arbitrary<unknown> = fc.record(model, { noNullPrototype: true });
  return arb as fc.Arbitrary<R>;
}

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
export const arbDigest = hex32.map(digest);
export const arbClient = hex32.map(clientId);
export const arbSig = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(signature);
export const arbU64 = fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER));
export const arbU32 = fc.integer({ min: 0, max: 0xffffffff });
export const arbReplica = fc.integer({ min: 0, max: MAX_REPLICAS - 1 }).map(replicaId);
const arbView = arbU64.map(view);
const arbSeq = arbU64.map(seq);
const arbBytes = fc.uint8Array({ maxLength: 48 });

export const arbRequest: fc.Arbitrary<Request> = rec({
  type: fc.constant('request' as const),
  client: arbClient,
  reqNo: arbU64.map(reqNo),
  op: arbBytes,
  readOnly: fc.boolean(),
  sig: arbSig,
  auth: arbBytes,
});

export const arbReply: fc.Arbitrary<Reply> = rec({
  type: fc.constant('reply' as const),
  view: arbView, client: arbClient, reqNo: arbU64.map(reqNo), result: arbBytes, replica: arbReplica, sig: arbSig,
});

export const arbReplyDigest: fc.Arbitrary<ReplyDigest> = rec({
  type: fc.constant('reply-digest' as const),
  view: arbView, client: arbClient, reqNo: arbU64.map(reqNo), resultDigest: arbDigest, replica: arbReplica, sig: arbSig,
});

export const arbPrePrepare: fc.Arbitrary<PrePrepare> = rec({
  type: fc.constant('pre-prepare' as const),
  view: arbView, seq: arbSeq, digest: arbDigest,
  requests: fc.array(arbRequest, { maxLength: 3 }),
  replica: arbReplica, sig: arbSig,
});

export const arbPrepare: fc.Arbitrary<Prepare> = rec({
  type: fc.constant('prepare' as const), view: arbView, seq: arbSeq, digest: arbDigest,
  invalid: fc.uint8Array({ maxLength: 8 }).map((b) => b.subarray(0, b.length & ~1)), replica: arbReplica, sig: arbSig,
});
export const arbCommit: fc.Arbitrary<Commit> = rec({ type: fc.constant('commit' as const), view: arbView, seq: arbSeq, digest: arbDigest, replica: arbReplica, sig: arbSig });

export const arbCheckpoint: fc.Arbitrary<Checkpoint> = rec({
  type: fc.constant('checkpoint' as const), seq: arbSeq, stateDigest: arbDigest, replica: arbReplica, sig: arbSig,
});

export const arbPreparedProof: fc.Arbitrary<PreparedProof> = rec({
  prePrepare: arbPrePrepare,
  prepares: fc.array(arbPrepare, { maxLength: 3 }),
});

export const arbViewChange: fc.Arbitrary<ViewChange> = rec({
  type: fc.constant('view-change' as const),
  newView: arbView, stableSeq: arbSeq,
  checkpointProof: fc.array(arbCheckpoint, { maxLength: 3 }),
  prepared: fc.array(arbPreparedProof, { maxLength: 2 }),
  prePrepared: fc.array(arbPrePrepare, { maxLength: 2 }),
  replica: arbReplica, sig: arbSig,
});

export const arbNewView: fc.Arbitrary<NewView> = rec({
  type: fc.constant('new-view' as const),
  view: arbView,
  viewChanges: fc.array(arbViewChange, { maxLength: 2 }),
  prePrepares: fc.array(arbPrePrepare, { maxLength: 2 }),
  replica: arbReplica, sig: arbSig,
});

export const arbFetchState: fc.Arbitrary<FetchState> = rec({
  type: fc.constant('fetch-state' as const), seq: arbSeq, stateDigest: arbDigest, chunk: arbU32, replica: arbReplica, sig: arbSig,
});

export const arbStateChunk: fc.Arbitrary<StateChunk> = rec({
  type: fc.constant('state-chunk' as const),
  seq: arbSeq, stateDigest: arbDigest, chunk: arbU32, totalChunks: arbU32, data: arbBytes, replica: arbReplica, sig: arbSig,
});

export const arbFetchLog: fc.Arbitrary<FetchLog> = rec({
  type: fc.constant('fetch-log' as const), fromSeq: arbSeq, replica: arbReplica, sig: arbSig,
});

export const arbCommittedProof: fc.Arbitrary<CommittedProof> = rec({
  type: fc.constant('committed-proof' as const),
  prePrepare: arbPrePrepare, commits: fc.array(arbCommit, { maxLength: 3 }), prepares: fc.array(arbPrepare, { maxLength: 3 }), replica: arbReplica, sig: arbSig,
});


export const arbPrePrepareCopy: fc.Arbitrary<PrePrepareCopy> = rec({
  type: fc.constant('pre-prepare-copy' as const),
  prePrepare: arbPrePrepare,
  replica: arbReplica, sig: arbSig,
});

export const arbHsVote: fc.Arbitrary<HsVote> = rec({
  type: fc.constant('hs-vote' as const), round: arbU64, blockId: arbDigest, replica: arbReplica, sig: arbSig,
});

export const arbHsQc: fc.Arbitrary<HsQc> = rec({ round: arbU64, blockId: arbDigest, votes: fc.array(arbHsVote, { maxLength: 3 }) });

export const arbHsTimeout: fc.Arbitrary<HsTimeout> = rec({
  type: fc.constant('hs-timeout' as const), round: arbU64, highQc: arbHsQc, replica: arbReplica, sig: arbSig,
});

export const arbHsProposal: fc.Arbitrary<HsProposal> = rec({
  type: fc.constant('hs-proposal' as const),
  epoch: arbU64, round: arbU64, height: arbU64, qc: arbHsQc,
  tc: fc.array(arbHsTimeout, { maxLength: 2 }),
  digest: arbDigest,
  requests: fc.array(arbRequest, { maxLength: 2 }),
  replica: arbReplica, sig: arbSig,
});

export const arbHsFetch: fc.Arbitrary<HsFetch> = rec({
  type: fc.constant('hs-fetch' as const), blockId: arbDigest, count: arbU32, replica: arbReplica, sig: arbSig,
});

export const arbHsBlocks: fc.Arbitrary<HsBlocks> = rec({
  type: fc.constant('hs-blocks' as const), blocks: fc.array(arbHsProposal, { maxLength: 2 }), replica: arbReplica, sig: arbSig,
});

export const arbHsTc: fc.Arbitrary<HsTc> = rec({
  type: fc.constant('hs-tc' as const), round: arbU64, timeouts: fc.array(arbHsTimeout, { maxLength: 2 }), replica: arbReplica, sig: arbSig,
});

export const arbTimeout: fc.Arbitrary<Timeout> = rec({
  type: fc.constant('timeout' as const), view: arbU64, replica: arbReplica, sig: arbSig,
});

export const arbTimeoutCert: fc.Arbitrary<TimeoutCert> = rec({
  type: fc.constant('timeout-cert' as const), view: arbU64, timeouts: fc.array(arbTimeout, { maxLength: 3 }), replica: arbReplica, sig: arbSig,
});

/** Evidence: up to 2 messages of each type (MAX_EVIDENCE_ITEMS); the kind is any u32, as on the wire. */
export const arbEvidence: fc.Arbitrary<EvidenceMessage> = rec({
  type: fc.constant('evidence' as const),
  accused: arbReplica,
  kind: fc.oneof(fc.constantFrom(1, 2, 3), arbU32),
  prePrepares: fc.array(arbPrePrepare, { maxLength: 2 }),
  prepares: fc.array(arbPrepare, { maxLength: 2 }),
  commits: fc.array(arbCommit, { maxLength: 2 }),
  checkpoints: fc.array(arbCheckpoint, { maxLength: 2 }),
  viewChanges: fc.array(arbViewChange, { maxLength: 1 }),
  newViews: fc.array(arbNewView, { maxLength: 1 }),
  hsProposals: fc.array(arbHsProposal, { maxLength: 2 }),
  hsVotes: fc.array(arbHsVote, { maxLength: 2 }),
  replica: arbReplica, sig: arbSig,
});

/** One arbitrary per message type (the record type forces a new message type to get one). */
export const arbByType: { readonly [T in MessageType]: fc.Arbitrary<Extract<Message, { type: T }>> } = {
  request: arbRequest,
  reply: arbReply,
  'reply-digest': arbReplyDigest,
  'pre-prepare': arbPrePrepare,
  prepare: arbPrepare,
  commit: arbCommit,
  checkpoint: arbCheckpoint,
  'view-change': arbViewChange,
  'new-view': arbNewView,
  'fetch-state': arbFetchState,
  'state-chunk': arbStateChunk,
  'fetch-log': arbFetchLog,
  'committed-proof': arbCommittedProof,
  evidence: arbEvidence,
  'pre-prepare-copy': arbPrePrepareCopy,
  'hs-proposal': arbHsProposal,
  'hs-vote': arbHsVote,
  'hs-timeout': arbHsTimeout,
  'hs-fetch': arbHsFetch,
  'hs-blocks': arbHsBlocks,
  'hs-tc': arbHsTc,
  timeout: arbTimeout,
  'timeout-cert': arbTimeoutCert,
};

export const arbMessage: fc.Arbitrary<Message> = fc.oneof(...Object.values(arbByType));
