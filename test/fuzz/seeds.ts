// Seed inputs per fuzz target: valid encodings made by the encoders themselves (so the seeds follow
// the formats as they change), plus the saved corpus in test/fuzz/corpus/<target>/ — inputs that once
// broke a target (regressions) or that reach deep paths. The mutator works from these.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeMessage } from '../../src/wire/codec.ts';
import { encodeFrames } from '../../src/wire/framing.ts';
import { encodeAuth, encodeHello } from '../../src/transport/handshake.ts';
import { encodeKvOp, encodeKvResult } from '../../src/app/kv-codec.ts';
import { encodeState, snapshotRecord } from '../../src/service/snapshot.ts';
import { encodeEvidenceRecord } from '../../src/accountability/records.ts';
import { encodeStable, encodeViewRecord } from '../../src/pbft/recovery-keys.ts';
import { encodePreparedProof } from '../../src/pbft/persist.ts';
import { buildClusterConfig } from '../../src/config/layout.ts';
import { serializeClusterConfig } from '../../src/config/load.ts';
import { clientId, digest, publicKey, replicaId, reqNo, seq, signature, view } from '../../src/core/ids.ts';
import type { Message } from '../../src/wire/messages.ts';
import { arbByType, arbCheckpoint } from '../wire/arbitraries.ts';
import { AUDIT_FORMAT, GENESIS, sealRecord } from '../../src/audit/record.ts';
import { sha256 } from '../../src/crypto/ed25519.ts';

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex64 = (c: string): string => c.repeat(64);

/** A few messages of every type, the same every run (fast-check's sample with a fixed seed). */
function sampleMessages(): Message[] {
  return Object.values(arbByType).flatMap((arb) => fc.sample(arb as fc.Arbitrary<Message>, { numRuns: 3, seed: 7 }));
}

function generated(): Record<string, Uint8Array[]> {
  const messages = sampleMessages().map(encodeMessage);
  const key = publicKey(new Uint8Array(32).fill(3));
  const sig = signature(new Uint8Array(64).fill(5));
  const cp = fc.sample(arbCheckpoint, { numRuns: 2, seed: 3 });
  const state = encodeState(utf8('app-snapshot'), new Map([[clientId(hex64('a')), { reqNo: reqNo(3), seq: seq(9), result: utf8('r'), stateBytes: 5, windowStart: 0, windowBytes: 7 }]]));
  const config = buildClusterConfig({ clusterId: 'fuzz', host: '127.0.0.1', basePort: 7000, publicKeys: ['1', '2', '3', '4'].map(hex64) });
  const pp = fc.sample(arbByType['pre-prepare'], { numRuns: 1, seed: 1 })[0]!;
  const prepares = fc.sample(arbByType.prepare, { numRuns: 2, seed: 2 });
  return {
    'wire-message': messages,
    frames: [encodeFrames(messages.slice(0, 3)), encodeFrames(messages.slice(5, 6))],
    'handshake-hello': [encodeHello({ kind: 'replica', id: replicaId(1) }, key, new Uint8Array(16).fill(1)), encodeHello({ kind: 'client', id: clientId(hex64('0')) }, key, new Uint8Array(16))],
    'handshake-auth': [encodeAuth(sig)],
    'kv-op': [
      encodeKvOp({ type: 'put', key: 'k', value: utf8('v') }),
      encodeKvOp({ type: 'get', key: 'key' }),
      encodeKvOp({ type: 'delete', key: 'ключ' }),
      encodeKvOp({ type: 'cas', key: 'k', expected: null, value: utf8('v2') }),
    ],
    'kv-result': [
      encodeKvResult({ status: 'ok', value: utf8('v') }),
      encodeKvResult({ status: 'ok', value: null }),
      encodeKvResult({ status: 'not-found' }),
      encodeKvResult({ status: 'cas-failed', current: utf8('c') }),
      encodeKvResult({ status: 'bad-op', reason: 'why' }),
    ],
    'service-state': [state],
    'snapshot-record': [(snapshotRecord(seq(64), state) as { value: Uint8Array }).value],
    'evidence-record': [encodeEvidenceRecord({ tick: 12, reporter: replicaId(2), message: messages[messages.length - 1]! })],
    'pbft-stable-record': [encodeStable(seq(64), digest(hex64('d')), cp)],
    'pbft-view-record': [encodeViewRecord(view(3), 'normal'), encodeViewRecord(view(4), 'view-change')],
    'pbft-prepared-proof': [encodePreparedProof({ prePrepare: pp, prepares })],
    'cluster-config': config.ok ? [utf8(serializeClusterConfig(config.value))] : [],
    'evidence-file': [utf8('{"format":"byzantium-evidence/3","scheme":"ed25519","evidence":[]}')],
    'twins-scenario': [utf8('0,1|2,3 0|1,2,3 -'), utf8('0|1,2,3')],
    'byzantine-spec': [utf8('0:equivocate,1:double-vote'), utf8('random'), utf8('c:flood')],
    'sim-partition': [utf8('0,1|2,3@100-600'), utf8('0@60-267')],
    'sim-replica-events': [utf8('0@200,1@400')],
    'audit-record': [
      sealRecord(sha256, 0, { type: 'config', reason: 'start', format: AUDIT_FORMAT, replica: 1, clusterId: 'c', epoch: 0, protocol: 'pbft', n: 4, f: 1, scheme: 'ed25519', replicaKeys: [hex64('a')], params: { windowSize: 256, checkpointInterval: 64 } }, 't', GENESIS),
      sealRecord(sha256, 1, { type: 'batch', epoch: 0, seq: 1, view: 0, digest: hex64('d'), executed: 1, requests: [{ client: hex64('c'), reqNo: 1, readOnly: false, op: '00ff', auth: '', sig: hex64('e').repeat(2) }], certificate: ['0a0b'] }, 't', GENESIS),
      sealRecord(sha256, 2, { type: 'evidence', accused: 0, kind: 'equivocation', reason: 'r', reporter: 2, message: '00' }, 't', GENESIS),
    ].map((r) => utf8(r.line)),
    'http-json-body': [utf8('{"value":"1"}'), utf8('{"value":"1","expected":null}')],
  };
}

/** The saved corpus of one target (files under test/fuzz/corpus/<target>/). */
export function savedCorpus(target: string): Uint8Array[] {
  const dir = join(CORPUS_DIR, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

let cache: Record<string, Uint8Array[]> | undefined;

export function seedsFor(target: string): Uint8Array[] {
  cache ??= generated();
  return [...(cache[target] ?? []), ...savedCorpus(target)];
}
