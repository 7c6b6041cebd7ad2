// The wire schema: every message's fields, defined once as data. The codec (codec.ts), the
// structural validator (validate.ts), the nested-message walker (walk.ts) and the reference tables
// in docs/PROTOCOL.md (schema-doc.ts) are all driven by this table, so they cannot disagree.
// Field order here IS the wire order. Message shapes: messages.ts (TOCS '02 §4).

import {
  MAX_ARRAY_ITEMS,
  MAX_BATCH_REQUESTS,
  MAX_CHUNK_BYTES,
  MAX_EVIDENCE_ITEMS,
  MAX_FETCH_BLOCKS,
  MAX_NESTING_DEPTH,
  MAX_OP_BYTES,
  MAX_REPLICAS,
  MAX_RESULT_BYTES,
  REQUEST_MAC_BYTES,
} from '../core/limits.ts';
import { assert } from '../core/assert.ts';
import { DIGEST_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../core/ids.ts';
import type { HsQc, Message, MessageType, PreparedProof } from './messages.ts';
import { MESSAGE_TAGS } from './messages.ts';

/** A record the schema describes: every message type, plus the untagged prepared-proof record. */
export type StructName = MessageType | 'prepared-proof' | 'hs-qc';

export type FieldType =
  /** Unsigned 32-bit integer, big-endian. */
  | { readonly kind: 'u32' }
  /** Unsigned 64-bit integer, big-endian; decoding rejects values above 2^53 − 1. */
  | { readonly kind: 'u64' }
  /** One byte, exactly 0 (false) or 1 (true). */
  | { readonly kind: 'bool' }
  /** Replica id: u32, must be < MAX_REPLICAS. */
  | { readonly kind: 'replica' }
  /** u32 length then that many bytes; length ≤ max. */
  | { readonly kind: 'bytes'; readonly max: number }
  /** 32 raw bytes; in memory a 64-character lowercase hex Digest. */
  | { readonly kind: 'digest' }
  /** 32 raw bytes (Ed25519 public key); in memory a 64-character lowercase hex ClientId. */
  | { readonly kind: 'clientId' }
  /** 64 raw bytes (Ed25519 signature). */
  | { readonly kind: 'signature' }
  /** u32 count then that many items; count ≤ max. */
  | { readonly kind: 'array'; readonly of: FieldType; readonly max: number }
  /** A nested record, encoded inline without a tag (the schema says which record it is). */
  | { readonly kind: 'struct'; readonly of: StructName };

export interface FieldSpec<N extends string = string> {
  readonly name: N;
  readonly type: FieldType;
  readonly doc: string;
  /** Left out of signingBytes when this record is the outermost message (pre-prepare bodies). */
  readonly unsigned?: true;
}

export interface StructSpec<N extends string = string> {
  readonly name: StructName;
  /** Wire tag (MESSAGE_TAGS) for messages; undefined for records that only occur nested. */
  readonly tag: number | undefined;
  readonly doc: string;
  readonly fields: readonly FieldSpec<N>[];
}

type FieldsOf<S extends StructName> = S extends MessageType
  ? Exclude<keyof Extract<Message, { readonly type: S }>, 'type'> & string
  : S extends 'hs-qc'
    ? keyof HsQc
    : keyof PreparedProof;

export type Schema = { readonly [S in StructName]: StructSpec<FieldsOf<S>> };

const U32: FieldType = { kind: 'u32' };
const U64: FieldType = { kind: 'u64' };
const BOOL: FieldType = { kind: 'bool' };
const DIGEST: FieldType = { kind: 'digest' };
const CLIENT: FieldType = { kind: 'clientId' };
const struct = (of: StructName): FieldType => ({ kind: 'struct', of });
const array = (of: StructName, max: number): FieldType => ({ kind: 'array', of: struct(of), max });

const REPLICA = { name: 'replica', type: { kind: 'replica' }, doc: 'Id of the sending replica' } as const;
const SIG = { name: 'sig', type: { kind: 'signature' }, doc: 'Signature over signingBytes (every other field)' } as const;
const VIEW = { name: 'view', type: U64, doc: 'View number v' } as const;
const SEQ = { name: 'seq', type: U64, doc: 'Sequence number n' } as const;
const BATCH_DIGEST = { name: 'digest', type: DIGEST, doc: 'SHA-256 of batchBytes(requests)' } as const;

/** The wire schema. Per-certificate arrays hold at most one message per replica (MAX_REPLICAS). */
/** The fields a reply in either form starts with (reply, reply-digest). */
const REPLY_HEAD = [
  { name: 'view', type: U64, doc: 'Current view v of the replica' },
  { name: 'client', type: CLIENT, doc: 'Client c the reply is for' },
  { name: 'reqNo', type: U64, doc: 'Request number t being answered' },
] as const;

export const SCHEMA: Schema = {
  request: {
    name: 'request', tag: MESSAGE_TAGS.request,
    doc: '⟨REQUEST, o, t, c⟩σc: a client operation (TOCS \'02 §4.2). Signed by the client key.',
    fields: [
      { name: 'client', type: CLIENT, doc: 'Client id c = the client\'s Ed25519 public key' },
      { name: 'reqNo', type: U64, doc: 'Request number t, strictly increasing per client' },
      { name: 'op', type: { kind: 'bytes', max: MAX_OP_BYTES }, doc: 'Operation o for the application' },
      { name: 'readOnly', type: BOOL, doc: 'Read-only query flag' },
      {
        name: 'auth', type: { kind: 'bytes', max: MAX_REPLICAS * REQUEST_MAC_BYTES }, unsigned: true,
        doc: 'MAC authenticator (requestAuth "mac"): n entries of 32 bytes, entry i = HMAC-SHA-512 of signingBytes under the (client, replica i) key, truncated; empty in "signature" mode; not in signingBytes',
      },
      { name: 'sig', type: { kind: 'signature' }, doc: 'Client signature over signingBytes' },
    ],
  },
  reply: {
    name: 'reply', tag: MESSAGE_TAGS.reply,
    doc: '⟨REPLY, v, t, c, i, r⟩μic: the result of executing a request (§4.2), authenticated for client c alone by a MAC (§3.2).',
    fields: [
      ...REPLY_HEAD,
      { name: 'result', type: { kind: 'bytes', max: MAX_RESULT_BYTES }, doc: 'Application result r' },
      REPLICA,
      {
        name: 'sig', type: { kind: 'signature' },
        doc: 'MAC over signingBytes: HMAC-SHA-512 under SHA-256("byz-reply-mac-v1" ‖ X25519(replica, client) ‖ both public keys in byte order), the Ed25519 keys converted to X25519',
      },
    ],
  },
  'reply-digest': {
    name: 'reply-digest', tag: MESSAGE_TAGS['reply-digest'],
    doc: '⟨REPLY, v, t, c, i, D(r)⟩μic: a reply with the digest of a large result instead of the result (§5.1.1); the replica designated for the request sends the result whole.',
    fields: [
      ...REPLY_HEAD,
      { name: 'resultDigest', type: DIGEST, doc: 'SHA-256 of the application result r' },
      REPLICA,
      { name: 'sig', type: { kind: 'signature' }, doc: 'MAC over signingBytes, as in a reply' },
    ],
  },
  'pre-prepare': {
    name: 'pre-prepare', tag: MESSAGE_TAGS['pre-prepare'],
    doc: '⟨⟨PRE-PREPARE, v, n, d⟩σp, m⟩: the primary orders a batch (§4.2, batching §5.1.4).',
    fields: [
      VIEW, SEQ, BATCH_DIGEST,
      {
        name: 'requests', type: array('request', MAX_BATCH_REQUESTS), unsigned: true,
        doc: 'The batch, in execution order (empty = the null request, §4.4)',
      },
      REPLICA, SIG,
    ],
  },
  prepare: {
    name: 'prepare', tag: MESSAGE_TAGS.prepare,
    doc: '⟨PREPARE, v, n, d, i⟩σi: a backup accepts a pre-prepare (§4.2).',
    fields: [
      VIEW, SEQ, { name: 'digest', type: DIGEST, doc: 'Batch digest d' },
      {
        name: 'invalid', type: { kind: 'bytes', max: 2 * MAX_BATCH_REQUESTS },
        doc: 'requestAuth "shared": positions (u16 BE, ascending) of the batch\'s requests this replica was assigned to verify and found badly signed; empty otherwise',
      },
      REPLICA, SIG,
    ],
  },
  commit: {
    name: 'commit', tag: MESSAGE_TAGS.commit,
    doc: '⟨COMMIT, v, n, d, i⟩σi: replica i has prepared the batch (§4.2).',
    fields: [VIEW, SEQ, { name: 'digest', type: DIGEST, doc: 'Batch digest d' }, REPLICA, SIG],
  },
  checkpoint: {
    name: 'checkpoint', tag: MESSAGE_TAGS.checkpoint,
    doc: '⟨CHECKPOINT, n, d, i⟩σi: state digest after executing n (§4.3).',
    fields: [
      { name: 'seq', type: U64, doc: 'Sequence number n of the checkpoint' },
      { name: 'stateDigest', type: DIGEST, doc: 'Digest d of the replicated state after n' },
      REPLICA, SIG,
    ],
  },
  'view-change': {
    name: 'view-change', tag: MESSAGE_TAGS['view-change'],
    doc: '⟨VIEW-CHANGE, v+1, n, C, P, Q, i⟩σi (§4.4; Q for the fast path).',
    fields: [
      { name: 'newView', type: U64, doc: 'The view v+1 being moved to' },
      { name: 'stableSeq', type: U64, doc: 'n: last stable checkpoint known to i (with its proof C; possibly one whose state i is still fetching)' },
      { name: 'checkpointProof', type: array('checkpoint', MAX_REPLICAS), doc: 'C: checkpoints proving n' },
      { name: 'prepared', type: array('prepared-proof', MAX_ARRAY_ITEMS), doc: 'P: prepared certificates above n' },
      { name: 'prePrepared', type: array('pre-prepare', MAX_ARRAY_ITEMS), doc: 'Q: pre-prepares accepted above n in a view above that of the prepared certificate (fast path)' },
      REPLICA, SIG,
    ],
  },
  'new-view': {
    name: 'new-view', tag: MESSAGE_TAGS['new-view'],
    doc: '⟨NEW-VIEW, v+1, V, O⟩σp (§4.4).',
    fields: [
      { name: 'view', type: U64, doc: 'The new view v+1' },
      { name: 'viewChanges', type: array('view-change', MAX_REPLICAS), doc: 'V: the view-changes received' },
      { name: 'prePrepares', type: array('pre-prepare', MAX_ARRAY_ITEMS), doc: 'O: pre-prepares re-issued in v+1' },
      REPLICA, SIG,
    ],
  },
  'fetch-state': {
    name: 'fetch-state', tag: MESSAGE_TAGS['fetch-state'],
    doc: 'State transfer request for one chunk of the snapshot at seq (§5.3, simplified).',
    fields: [
      { name: 'seq', type: U64, doc: 'Checkpoint sequence number' },
      { name: 'stateDigest', type: DIGEST, doc: 'Certified digest of that checkpoint' },
      { name: 'chunk', type: U32, doc: 'Index of the chunk wanted' },
      REPLICA, SIG,
    ],
  },
  'state-chunk': {
    name: 'state-chunk', tag: MESSAGE_TAGS['state-chunk'],
    doc: 'One chunk of a checkpoint snapshot (§5.3, simplified).',
    fields: [
      { name: 'seq', type: U64, doc: 'Checkpoint sequence number' },
      { name: 'stateDigest', type: DIGEST, doc: 'Certified state commitment the assembled snapshot must have (docs/PROTOCOL.md §4a)' },
      { name: 'chunk', type: U32, doc: 'Index of this chunk' },
      { name: 'totalChunks', type: U32, doc: 'Number of chunks in the snapshot' },
      { name: 'data', type: { kind: 'bytes', max: MAX_CHUNK_BYTES }, doc: 'Chunk bytes' },
      REPLICA, SIG,
    ],
  },
  'fetch-log': {
    name: 'fetch-log', tag: MESSAGE_TAGS['fetch-log'],
    doc: 'Ask peers for committed batches after a sequence number (log catch-up).',
    fields: [{ name: 'fromSeq', type: U64, doc: 'Send batches with seq > fromSeq' }, REPLICA, SIG],
  },
  'committed-proof': {
    name: 'committed-proof', tag: MESSAGE_TAGS['committed-proof'],
    doc: 'A committed certificate: a pre-prepare and 2f+1 matching commits (§4.2), or a matching prepare from every backup (the fast path).',
    fields: [
      { name: 'prePrepare', type: struct('pre-prepare'), doc: 'The committed pre-prepare, with its batch' },
      { name: 'commits', type: array('commit', MAX_REPLICAS), doc: 'Matching commits (2f+1), or none on the fast path' },
      { name: 'prepares', type: array('prepare', MAX_REPLICAS), doc: 'Fast path: a matching prepare from each of the n−1 backups; otherwise none' },
      REPLICA, SIG,
    ],
  },
  'pre-prepare-copy': {
    name: 'pre-prepare-copy', tag: MESSAGE_TAGS['pre-prepare-copy'],
    doc: 'A copy of the primary\'s signed pre-prepare the sender accepted, sent to a replica whose prepare or commit ' +
      'for the same view and sequence number named another digest: if the primary equivocated, the receiver holds ' +
      'two pre-prepares it signed for one slot (evidence, SPEC C1). At most one per (peer, view, seq).',
    fields: [
      { name: 'prePrepare', type: struct('pre-prepare'), doc: 'The primary\'s pre-prepare as the sender accepted it, with its batch' },
      REPLICA, SIG,
    ],
  },
  evidence: {
    name: 'evidence', tag: MESSAGE_TAGS.evidence,
    doc: 'Evidence (SPEC C1): signed messages of replica `accused` proving it misbehaved; sent by the reporter ' +
      '`replica`. Kinds: 1 = equivocation (two conflicting messages for one slot: PBFT pre-prepares, prepares, commits, ' +
      'checkpoints or new-views; HotStuff proposals or votes of one round), 2 = invalid-view-change, ' +
      '3 = invalid-new-view (one message invalid from its content alone, §4.4), 4 = amnesia (a commit and a later view-change ' +
      'hiding what it prepared), 5 = invalid-proposal (a HotStuff proposal invalid from its content alone), 6 = false-verdict (a ' +
      'prepare naming as badly signed a request whose signature verifies, or a position it was not assigned, or a malformed list; ' +
      'with a pre-prepare, anyone\'s, carrying the batch the prepare\'s digest names), 7 = forged-request (a fresh pre-prepare ' +
      'whose batch holds a request its client did not sign; above view 0 with the accused\'s new-view of that view, whose O ' +
      'does not re-issue the seq). See docs/ACCOUNTABILITY.md.',
    fields: [
      { name: 'accused', type: { kind: 'replica' }, doc: 'The replica whose signed messages are the proof' },
      { name: 'kind', type: U32, doc: 'Evidence kind code (1 equivocation, 2 invalid-view-change, 3 invalid-new-view, 4 amnesia, 5 invalid-proposal, 6 false-verdict, 7 forged-request)' },
      { name: 'prePrepares', type: array('pre-prepare', MAX_EVIDENCE_ITEMS), doc: 'Pre-prepares signed by the accused (false-verdict: the one carrying the batch, by any replica)' },
      { name: 'prepares', type: array('prepare', MAX_EVIDENCE_ITEMS), doc: 'Prepares signed by the accused' },
      { name: 'commits', type: array('commit', MAX_EVIDENCE_ITEMS), doc: 'Commits signed by the accused' },
      { name: 'checkpoints', type: array('checkpoint', MAX_EVIDENCE_ITEMS), doc: 'Checkpoints signed by the accused' },
      { name: 'viewChanges', type: array('view-change', MAX_EVIDENCE_ITEMS), doc: 'View-changes signed by the accused' },
      { name: 'newViews', type: array('new-view', MAX_EVIDENCE_ITEMS), doc: 'New-views signed by the accused' },
      { name: 'hsProposals', type: array('hs-proposal', MAX_EVIDENCE_ITEMS), doc: 'HotStuff proposals signed by the accused' },
      { name: 'hsVotes', type: array('hs-vote', MAX_EVIDENCE_ITEMS), doc: 'HotStuff votes signed by the accused' },
      { name: 'replica', type: { kind: 'replica' }, doc: 'Id of the reporting (sending) replica' },
      SIG,
    ],
  },
  'hs-proposal': {
    name: 'hs-proposal', tag: MESSAGE_TAGS['hs-proposal'],
    doc: 'HotStuff ⟨PROPOSE, B⟩σL: leader L of round r proposes block B extending the block its QC certifies (Jolteon, FC \'22 §4).',
    fields: [
      { name: 'epoch', type: U64, doc: 'Configuration epoch of the block' },
      { name: 'round', type: U64, doc: 'Round r of the block' },
      { name: 'height', type: U64, doc: 'Parent\'s height + 1 (the sequence number it executes at)' },
      { name: 'qc', type: struct('hs-qc'), doc: 'QC certifying the parent block' },
      { name: 'tc', type: array('hs-timeout', MAX_REPLICAS), doc: 'Timeout certificate for round r − 1 when qc.round ≠ r − 1, else empty' },
      { name: 'digest', type: DIGEST, doc: 'SHA-256 of batchBytes(requests)' },
      { name: 'requests', type: array('request', MAX_BATCH_REQUESTS), unsigned: true, doc: 'The batch, in execution order' },
      REPLICA, SIG,
    ],
  },
  'hs-vote': {
    name: 'hs-vote', tag: MESSAGE_TAGS['hs-vote'],
    doc: 'HotStuff ⟨VOTE, r, id⟩σi for block id of round r, sent to the leader of round r + 1 (Jolteon §4).',
    fields: [
      { name: 'round', type: U64, doc: 'Round r of the block voted for' },
      { name: 'blockId', type: DIGEST, doc: 'Id of the block (SHA-256 of its signed content)' },
      REPLICA, SIG,
    ],
  },
  'hs-timeout': {
    name: 'hs-timeout', tag: MESSAGE_TAGS['hs-timeout'],
    doc: 'HotStuff ⟨TIMEOUT, r, qc_high⟩σi: replica i gives up on round r; 2f+1 form a timeout certificate (Jolteon §4).',
    fields: [
      { name: 'round', type: U64, doc: 'Round r timed out' },
      { name: 'highQc', type: struct('hs-qc'), doc: 'The highest QC replica i holds' },
      REPLICA, SIG,
    ],
  },
  timeout: {
    name: 'timeout', tag: MESSAGE_TAGS.timeout,
    doc: 'PBFT ⟨TIMEOUT, v, i⟩σi: replica i\'s request timer expired in view v − 1. Stateless: i keeps voting in v − 1; ' +
      '2f+1 for v (a timeout certificate) move the replicas to the view change for v, f+1 make a replica send its own ' +
      '(docs/PROTOCOL.md §9; BFT-SMaRt STOP, Jolteon TC, TOCS \'02 §4.5.2).',
    fields: [{ name: 'view', type: U64, doc: 'The view v the sender would move to' }, REPLICA, SIG],
  },
  'timeout-cert': {
    name: 'timeout-cert', tag: MESSAGE_TAGS['timeout-cert'],
    doc: 'PBFT timeout certificate: 2f+1 TIMEOUTs for view v from distinct replicas, forwarded by a replica that ' +
      'holds them; a receiver in an older view joins the view change for v (docs/PROTOCOL.md §9).',
    fields: [
      { name: 'view', type: U64, doc: 'The view v timed into' },
      { name: 'timeouts', type: array('timeout', MAX_REPLICAS), doc: 'The 2f+1 TIMEOUTs for v, each signed by its sender' },
      REPLICA, SIG,
    ],
  },
  'hs-fetch': {
    name: 'hs-fetch', tag: MESSAGE_TAGS['hs-fetch'],
    doc: 'HotStuff catch-up: ask for a block by id and up to count − 1 of its ancestors.',
    fields: [
      { name: 'blockId', type: DIGEST, doc: 'Id of the newest block wanted' },
      { name: 'count', type: U32, doc: 'How many blocks, newest first' },
      REPLICA, SIG,
    ],
  },
  'hs-blocks': {
    name: 'hs-blocks', tag: MESSAGE_TAGS['hs-blocks'],
    doc: 'HotStuff catch-up answer: blocks, child first; the receiver checks each id against what it asked for.',
    fields: [
      { name: 'blocks', type: array('hs-proposal', MAX_FETCH_BLOCKS), doc: 'The blocks, with their batches' },
      REPLICA, SIG,
    ],
  },
  'hs-tc': {
    name: 'hs-tc', tag: MESSAGE_TAGS['hs-tc'],
    doc: 'HotStuff: a timeout certificate (2f+1 timeouts of one round), sent to a replica whose timeout shows it is in an older round.',
    fields: [
      { name: 'round', type: U64, doc: 'Round r the certificate times out' },
      { name: 'timeouts', type: array('hs-timeout', MAX_REPLICAS), doc: 'The 2f+1 timeouts of round r' },
      REPLICA, SIG,
    ],
  },
  'hs-qc': {
    name: 'hs-qc', tag: undefined,
    doc: 'A HotStuff quorum certificate: 2f+1 votes for one block (Jolteon §4); the genesis QC has round 0 and no votes.',
    fields: [
      { name: 'round', type: U64, doc: 'Round of the certified block' },
      { name: 'blockId', type: DIGEST, doc: 'Id of the certified block' },
      { name: 'votes', type: array('hs-vote', MAX_REPLICAS), doc: 'The votes, one per replica' },
    ],
  },
  'prepared-proof': {
    name: 'prepared-proof', tag: undefined,
    doc: 'A prepared certificate (§4.4); only occurs inside a view-change, has no tag and no signature.',
    fields: [
      { name: 'prePrepare', type: struct('pre-prepare'), doc: 'The pre-prepare, with its batch' },
      { name: 'prepares', type: array('prepare', MAX_REPLICAS), doc: '2f matching prepares' },
    ],
  },
};

/** Message type for each wire tag. */
export const TAG_TO_TYPE: ReadonlyMap<number, MessageType> = new Map(
  (Object.entries(MESSAGE_TAGS) as [MessageType, number][]).map(([t, tag]) => [tag, t]),
);

/** Every record name, in tag order with untagged records last (the docs use this order). */
export const STRUCT_NAMES: readonly StructName[] = [...TAG_TO_TYPE.values(), 'prepared-proof', 'hs-qc'];

/** Fewest bytes an encoded value of this type can take (used to reject counts before allocating). */
export function minEncodedSize(t: FieldType): number {
  switch (t.kind) {
    case 'u32':
    case 'replica':
    case 'bytes':
    case 'array':
      return 4;
    case 'u64':
      return 8;
    case 'bool':
      return 1;
    case 'digest':
      return DIGEST_BYTES;
    case 'clientId':
      return PUBLIC_KEY_BYTES;
    case 'signature':
      return SIGNATURE_BYTES;
    case 'struct':
      return MIN_STRUCT_SIZE.get(t.of)!;
  }
}

function structMin(name: StructName): number {
  let s = 0;
  for (const f of SCHEMA[name].fields) s += f.type.kind === 'struct' ? structMin(f.type.of) : minEncodedSize(f.type);
  return s;
}

const MIN_STRUCT_SIZE: ReadonlyMap<StructName, number> = new Map(STRUCT_NAMES.map((n) => [n, structMin(n)]));

/** Deepest record nesting below `name` (0 for a record with no nested records). */
export function nestingDepth(name: StructName): number {
  let d = 0;
  for (const f of SCHEMA[name].fields) {
    let t = f.type;
    while (t.kind === 'array') t = t.of;
    if (t.kind === 'struct') d = Math.max(d, 1 + nestingDepth(t.of));
  }
  return d;
}

/** The schema must respect the nesting bound the decoder enforces; checked once at load. */
for (const n of STRUCT_NAMES) assert(nestingDepth(n) <= MAX_NESTING_DEPTH, `schema: ${n} nests deeper than MAX_NESTING_DEPTH`);
