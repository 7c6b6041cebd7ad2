import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_MESSAGE_BYTES, MAX_OP_BYTES, MAX_REPLICAS } from '../core/limits.ts';
import { bytesEqual, clientId, digest, replicaId, reqNo, seq, signature, view } from '../core/ids.ts';
import type { Message, MessageType, NewView, PrePrepare, Request } from './messages.ts';
import { MESSAGE_TAGS } from './messages.ts';
import { batchBytes, decodeMessage, decodeWithDepth, encodeMessage, encodeTransient, peekReply, signingBytes } from './codec.ts';
import { SCHEMA } from './schema.ts';
import type { FieldType } from './schema.ts';
import { arbByType, arbHsProposal, arbMessage, arbNewView, arbPrePrepare, arbRequest } from '../../test/wire/arbitraries.ts';
import { TEST_DOMAIN } from '../../test/domain.ts';
import { NO_INVALID } from './messages.ts';

const SIG = signature(new Uint8Array(64).fill(7));
const D = digest('ab'.repeat(32));
const C = clientId('cd'.repeat(32));
const request = (op: Uint8Array, readOnly = false): Request => ({ type: 'request', client: C, reqNo: reqNo(5), op, readOnly, auth: new Uint8Array(0), sig: SIG });

function decodeOk(bytes: Uint8Array): Message {
  const d = decodeMessage(bytes);
  assert.ok(d.ok, d.ok ? '' : `${d.error.code}: ${d.error.detail}`);
  return d.value;
}

function decodeErr(bytes: Uint8Array): { code: string; detail: string } {
  const d = decodeMessage(bytes);
  assert.ok(!d.ok, 'expected a decode error');
  return d.error;
}

for (const type of Object.keys(arbByType) as MessageType[]) {
  test(`${type}: encode → decode round-trips exactly, and re-encodes to the same bytes`, () => {
    fc.assert(
      fc.property(arbByType[type], (m) => {
        const bytes = encodeMessage(m);
        assert.equal(bytes[0], MESSAGE_TAGS[type]);
        const back = decodeOk(bytes);
        assert.deepEqual(back, m);
        assert.deepEqual(encodeMessage(back), bytes);
      }),
      { numRuns: type === 'new-view' || type === 'view-change' ? 60 : 150 },
    );
  });
}

test('decodeMessage never throws on arbitrary bytes, tagged or not', () => {
  const tagged = fc.tuple(fc.integer({ min: 0, max: 14 }), fc.uint8Array({ maxLength: 300 })).map(([t, b]) => Uint8Array.of(t, ...b));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), tagged), (b) => {
      const d = decodeMessage(b);
      if (d.ok) assert.deepEqual(encodeMessage(d.value), b, 'anything accepted is canonical');
    }),
    { numRuns: 2500 },
  );
});

test('mutated valid encodings never throw, and whatever still decodes is canonical', () => {
  const mutate = fc.tuple(arbMessage, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete'));
  fc.assert(
    fc.property(mutate, ([m, at, byte, how]) => {
      const b = encodeMessage(m);
      const i = at % b.length;
      const out =
        how === 'set' ? Uint8Array.from(b).fill(byte, i, i + 1)
        : how === 'insert' ? Uint8Array.of(...b.subarray(0, i), byte, ...b.subarray(i))
        : Uint8Array.of(...b.subarray(0, i), ...b.subarray(i + 1));
      const d = decodeMessage(out);
      if (d.ok) assert.deepEqual(encodeMessage(d.value), out);
      else assert.equal(typeof d.error.detail, 'string');
    }),
    { numRuns: 1500 },
  );
});

test('every truncation of a valid encoding is rejected', () => {
  fc.assert(
    fc.property(arbMessage, (m) => {
      const b = encodeMessage(m);
      for (let len = 0; len < b.length; len++) {
        const d = decodeMessage(b.subarray(0, len));
        assert.ok(!d.ok, `prefix of ${len}/${b.length} bytes decoded`);
        assert.equal(d.error.code, len === 0 ? 'empty' : 'truncated');
      }
    }),
    { numRuns: 60 },
  );
});

test('trailing bytes are rejected', () => {
  fc.assert(
    fc.property(arbMessage, fc.uint8Array({ minLength: 1, maxLength: 8 }), (m, extra) => {
      assert.equal(decodeErr(Uint8Array.of(...encodeMessage(m), ...extra)).code, 'trailing-bytes');
    }),
    { numRuns: 100 },
  );
});

test('empty, oversized and unknown tags are rejected with their own codes', () => {
  assert.equal(decodeErr(new Uint8Array(0)).code, 'empty');
  assert.equal(decodeErr(new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(1)).code, 'oversized');
  for (const tag of [0, 24, 99, 255]) assert.equal(decodeErr(Uint8Array.of(tag, 0, 0, 0)).code, 'unknown-tag');
});

test('non-canonical values are rejected: bool byte 2, u64 above 2^53-1, replica id ≥ MAX_REPLICAS', () => {
  const r = encodeMessage(request(Uint8Array.of(1, 2, 3)));
  // request: tag(1) client(32) reqNo(8) opLen(4) op(3) readOnly(1) sig(64)
  const boolAt = 1 + 32 + 8 + 4 + 3;
  const badBool = Uint8Array.from(r).fill(2, boolAt, boolAt + 1);
  assert.deepEqual(decodeErr(badBool), { code: 'bad-field', detail: 'request.readOnly: bool byte 2 is not 0 or 1' });

  const big = Uint8Array.from(r);
  new DataView(big.buffer).setUint32(33, 0x200000); // reqNo high word: value ≥ 2^53
  assert.equal(decodeErr(big).code, 'bad-field');
  new DataView(big.buffer).setUint32(33, 0x1fffff);
  new DataView(big.buffer).setUint32(37, 0xffffffff);
  assert.equal((decodeOk(big) as Request).reqNo, Number.MAX_SAFE_INTEGER);

  const p = encodeMessage({ type: 'prepare', view: view(1), seq: seq(2), digest: D, invalid: NO_INVALID, replica: replicaId(3), sig: SIG });
  new DataView(p.buffer).setUint32(1 + 8 + 8 + 32 + 4, MAX_REPLICAS); // after invalid: its u32 length, 0
  assert.equal(decodeErr(p).detail, `prepare.replica: replica id ${MAX_REPLICAS} ≥ MAX_REPLICAS`);
});

test('lengths and counts are bounded before anything is allocated, with the field named', () => {
  const r = encodeMessage(request(new Uint8Array(3)));
  const huge = Uint8Array.from(r);
  new DataView(huge.buffer).setUint32(41, MAX_OP_BYTES + 1);
  assert.equal(decodeErr(huge).code, 'bad-field');
  assert.match(decodeErr(huge).detail, /^request\.op: too long/);
  new DataView(huge.buffer).setUint32(41, MAX_OP_BYTES); // within bound, beyond the bytes present
  assert.equal(decodeErr(huge).code, 'truncated');

  // A new-view claiming 0xffffffff view-changes in a few bytes.
  const nv = new Uint8Array(1 + 8 + 4);
  nv[0] = MESSAGE_TAGS['new-view'];
  new DataView(nv.buffer).setUint32(9, 0xffffffff);
  assert.deepEqual(decodeErr(nv).code, 'bad-field');
  new DataView(nv.buffer).setUint32(9, 3); // allowed count, but 3 view-changes cannot fit in 0 bytes
  assert.match(decodeErr(nv).detail, /^new-view\.viewChanges: 3 items need/);
});

test('a nested error names its path', () => {
  const pp: PrePrepare = {
    type: 'pre-prepare', view: view(0), seq: seq(1), digest: D, requests: [request(new Uint8Array(1)), request(new Uint8Array(2))],
    replica: replicaId(0), sig: SIG,
  };
  const b = encodeMessage(pp);
  const second = 1 + 8 + 8 + 32 + 4 + (32 + 8 + 4 + 1 + 1 + 4 + 64);
  const boolAt = second + 32 + 8 + 4 + 2;
  b[boolAt] = 9;
  assert.deepEqual(decodeErr(b), { code: 'bad-field', detail: 'pre-prepare.requests[1].readOnly: bool byte 9 is not 0 or 1' });
});

test('nesting deeper than the bound is rejected as too-deep', () => {
  const pp: PrePrepare = { type: 'pre-prepare', view: view(0), seq: seq(1), digest: D, requests: [request(new Uint8Array(1))], replica: replicaId(0), sig: SIG };
  const nv: NewView = {
    type: 'new-view', view: view(1), prePrepares: [],
    viewChanges: [{
      type: 'view-change', newView: view(1), stableSeq: seq(0), checkpointProof: [],
      prepared: [{ prePrepare: pp, prepares: [] }], prePrepared: [], replica: replicaId(1), sig: SIG,
    }],
    replica: replicaId(1), sig: SIG,
  };
  const b = encodeMessage(nv);
  assert.deepEqual(decodeWithDepth(b, 4), decodeMessage(b));
  assert.ok(decodeMessage(b).ok, 'depth 4 (new-view → view-change → proof → pre-prepare → request) is allowed');
  const d = decodeWithDepth(b, 3);
  assert.ok(!d.ok);
  assert.equal(d.error.code, 'too-deep');
  assert.match(d.error.detail, /^new-view\.viewChanges\[0\]\.prepared\[0\]\.prePrepare\.requests\[0\]: nesting depth 4 > 3/);
});

// --- signing bytes ---------------------------------------------------------------------------

/** A different value of the same field type (undefined if there is nothing to change, e.g. []). */
function changed(v: unknown, t: FieldType): unknown {
  switch (t.kind) {
    case 'u32': return ((v as number) ^ 1) >>> 0;
    case 'u64': return (v as number) === 0 ? 1 : (v as number) - 1;
    case 'replica': return ((v as number) + 1) % MAX_REPLICAS;
    case 'bool': return !(v as boolean);
    case 'bytes': return Uint8Array.of(...(v as Uint8Array), 0);
    case 'digest':
    case 'clientId': return ((v as string)[0] === '0' ? '1' : '0') + (v as string).slice(1);
    case 'signature': return Uint8Array.from(v as Uint8Array).fill((v as Uint8Array)[0]! ^ 1, 0, 1);
    case 'array': {
      const a = v as readonly unknown[];
      if (a.length === 0) return undefined;
      const first = changed(a[0], t.of);
      return first === undefined ? a.slice(1) : [first, ...a.slice(1)];
    }
    case 'struct': {
      const rec = v as Record<string, unknown>;
      for (const f of SCHEMA[t.of].fields) {
        const c = changed(rec[f.name], f.type);
        if (c !== undefined) return { ...rec, [f.name]: c };
      }
      return undefined;
    }
  }
}

/** The prefix a message is signed under: requests and replies (either form) the client one, the rest the replica one. */
const prefixOf = (m: Message): Uint8Array => (m.type === 'request' || m.type === 'reply' || m.type === 'reply-digest' ? TEST_DOMAIN.clientPrefix : TEST_DOMAIN.replicaPrefix);

test('signingBytes = domain ‖ tag ‖ fields, and changes when any signed field (or nested value) changes', () => {
  fc.assert(
    fc.property(arbMessage, (m) => {
      const domain = prefixOf(m);
      const sb = signingBytes(TEST_DOMAIN, m);
      assert.deepEqual(sb.subarray(0, domain.length), domain);
      assert.equal(sb[domain.length], MESSAGE_TAGS[m.type]);
      for (const f of SCHEMA[m.type].fields) {
        const c = changed((m as unknown as Record<string, unknown>)[f.name], f.type);
        if (c === undefined) continue;
        const m2: Message = { ...m, [f.name]: c };
        const same = bytesEqual(signingBytes(TEST_DOMAIN, m2), sb);
        const signed = f.name !== 'sig' && f.unsigned !== true;
        assert.equal(same, !signed, `${m.type}.${f.name}: signed=${signed}`);
      }
    }),
    { numRuns: 300 },
  );
});

/** Messages that carry a batch of requests, themselves or nested (their bodies are not signed). */
const BATCH_CARRIERS: readonly Message['type'][] = ['pre-prepare', 'hs-proposal', 'view-change', 'new-view', 'committed-proof', 'pre-prepare-copy', 'evidence', 'hs-blocks'];

test('except for messages that carry a batch, signingBytes = domain ‖ wire bytes without the trailing signature (and a request\'s authenticator)', () => {
  fc.assert(
    fc.property(arbMessage, (m) => {
      fc.pre(!BATCH_CARRIERS.includes(m.type));
      const domain = prefixOf(m);
      // A request's `auth` (u32 length ‖ entries, just before sig) is an unsigned field.
      const wire = encodeMessage(m.type === 'request' ? { ...m, auth: new Uint8Array(0) } : m);
      const cut = m.type === 'request' ? 64 + 4 : 64;
      assert.deepEqual(signingBytes(TEST_DOMAIN, m), Uint8Array.of(...domain, ...wire.subarray(0, wire.length - cut)));
    }),
    { numRuns: 200 },
  );
});

test('pre-prepare: the signature covers the digest but not the request bodies', () => {
  fc.assert(
    fc.property(arbPrePrepare, fc.array(arbRequest, { maxLength: 3 }), (pp, other) => {
      assert.deepEqual(signingBytes(TEST_DOMAIN, { ...pp, requests: other }), signingBytes(TEST_DOMAIN, pp));
      assert.notDeepEqual(signingBytes(TEST_DOMAIN, { ...pp, digest: digest('f'.repeat(64)) }), signingBytes(TEST_DOMAIN, { ...pp, digest: digest('e'.repeat(64)) }));
    }),
    { numRuns: 50 },
  );
});

test('hs-proposal: the signature covers the digest but not the request bodies', () => {
  fc.assert(
    fc.property(arbHsProposal, fc.array(arbRequest, { maxLength: 3 }), (p, other) => {
      assert.deepEqual(signingBytes(TEST_DOMAIN, { ...p, requests: other }), signingBytes(TEST_DOMAIN, p));
    }),
    { numRuns: 50 },
  );
});

test('a pre-prepare nested in a new-view is signed with its digest and signature, not its bodies (the digest binds them)', () => {
  fc.assert(
    fc.property(arbNewView, arbRequest, (nv, r) => {
      fc.pre(nv.prePrepares.length > 0);
      const [first, ...rest] = nv.prePrepares;
      const withBody: NewView = { ...nv, prePrepares: [{ ...first!, requests: [...first!.requests, r] }, ...rest] };
      assert.deepEqual(signingBytes(TEST_DOMAIN, withBody), signingBytes(TEST_DOMAIN, nv));
      const otherDigest: NewView = { ...nv, prePrepares: [{ ...first!, digest: digest(first!.digest === 'e'.repeat(64) ? 'f'.repeat(64) : 'e'.repeat(64)) }, ...rest] };
      assert.notDeepEqual(signingBytes(TEST_DOMAIN, otherDigest), signingBytes(TEST_DOMAIN, nv));
      const otherSig: NewView = { ...nv, prePrepares: [{ ...first!, sig: signature(first!.sig.map((b) => b ^ 1)) }, ...rest] };
      assert.notDeepEqual(signingBytes(TEST_DOMAIN, otherSig), signingBytes(TEST_DOMAIN, nv), 'a nested signature is signed');
    }),
    { numRuns: 50 },
  );
});

test('batchBytes is the canonical encoding of the requests field', () => {
  fc.assert(
    fc.property(arbPrePrepare, (pp) => {
      const wire = encodeMessage(pp);
      const start = 1 + 8 + 8 + 32;
      const bb = batchBytes(pp.requests);
      assert.deepEqual(wire.subarray(start, start + bb.length), bb);
      // A view into the codec's slab (transientWriter): read it at its own offset.
      assert.equal(new DataView(bb.buffer, bb.byteOffset, bb.byteLength).getUint32(0), pp.requests.length);
    }),
    { numRuns: 100 },
  );
  assert.deepEqual(batchBytes([]), new Uint8Array(4));
});

test('encodeMessage refuses (as a bug) a message that breaks the schema bounds', () => {
  assert.throws(() => encodeMessage(request(new Uint8Array(MAX_OP_BYTES + 1))), /u32 field out of range/);
  assert.throws(() => encodeMessage({ ...request(new Uint8Array(0)), client: clientId('XY'.repeat(32)) }), /bad clientId hex/);
  assert.throws(() => encodeMessage({ ...request(new Uint8Array(0)), reqNo: reqNo(2 ** 53) }), /u64/);
});

test('decoded byte fields are plain Uint8Arrays that pin only themselves, not a larger input buffer', () => {
  const m = request(Uint8Array.of(1, 2, 3));
  const wire = encodeMessage(m);
  const chunk = new Uint8Array(wire.length + 1000);
  chunk.set(wire, 500);
  const fromView = decodeOk(chunk.subarray(500, 500 + wire.length)) as Request;
  assert.equal(fromView.op.buffer.byteLength, 3);
  assert.equal(fromView.sig.buffer.byteLength, 64);
  assert.deepEqual(fromView, m);
  // A field above 64 bytes is a view of one copy of the message, not of the larger buffer.
  const big = request(new Uint8Array(300).fill(5));
  const bigWire = encodeMessage(big);
  const bigChunk = new Uint8Array(bigWire.length + 1000);
  bigChunk.set(bigWire, 500);
  const bigView = decodeOk(bigChunk.subarray(500, 500 + bigWire.length)) as Request;
  assert.equal(bigView.op.buffer.byteLength, bigWire.length);
  assert.deepEqual(bigView, big);
  const fromBuffer = decodeOk(Buffer.from(wire)) as Request;
  assert.equal(Object.getPrototypeOf(fromBuffer.sig), Uint8Array.prototype);
  assert.deepEqual(fromBuffer, m);
  const whole = decodeOk(wire) as Request;
  assert.equal(whole.op.buffer, wire.buffer, 'an exact plain input is not copied');
});

test('encodeTransient: the same bytes as encodeMessage, as a view into the slab; what decodes from it pins nothing of the slab', () => {
  const m = request(Uint8Array.of(9, 8, 7, 6));
  const wire = encodeMessage(m);
  const view = encodeTransient(m);
  assert.deepEqual(view, wire);
  assert.ok(view.buffer.byteLength > view.length, 'a view into a larger buffer');
  const back = decodeOk(view) as Request;
  assert.deepEqual(back, m);
  assert.notEqual(back.op.buffer, view.buffer);
  assert.notEqual(back.sig.buffer, view.buffer);
});

test('peekReply reads reqNo and replica exactly when the bytes decode as a reply or reply-digest (any message, truncated or altered; property)', () => {
  const agree = (bytes: Uint8Array): void => {
    const d = decodeMessage(bytes);
    const peek = peekReply(bytes);
    if (d.ok && (d.value.type === 'reply' || d.value.type === 'reply-digest')) assert.deepEqual(peek, { reqNo: d.value.reqNo, replica: d.value.replica });
    else assert.equal(peek, undefined);
  };
  fc.assert(
    fc.property(fc.oneof(arbByType.reply, arbByType['reply-digest'], arbMessage), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (m, at, byte, cut) => {
      const bytes = encodeMessage(m);
      agree(bytes);
      const altered = bytes.slice();
      altered[at % altered.length] = byte;
      agree(altered);
      agree(bytes.subarray(0, cut % (bytes.length + 1)));
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      agree(longer);
    }),
    { numRuns: 500 },
  );
});
