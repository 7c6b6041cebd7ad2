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
import { encodeSafety, hotstuffKeys, reputationRecord, snapRecord } from '../../src/hotstuff/keys.ts';
import { encodeClientRecord } from '../../src/service/commitment.ts';
import { PROOF_FIXTURE } from './targets.ts';

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
  const votes = fc.sample(arbByType['hs-vote'], { numRuns: 3, seed: 4 });
  const keys = hotstuffKeys(0);
  const proofs = [PROOF_FIXTURE.readProof('alpha'), PROOF_FIXTURE.readProof('absent'), PROOF_FIXTURE.writeProof()].map((p) => utf8(JSON.stringify(p, null, 1)));
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
    'twins-scenario': [utf8('n=4;twin=0;seed=7;r=0a,1,2|0b,3@0;r=all@1;r=0a,0b|1|2,3@3'), utf8('n=4;twin=0;seed=7;r=3,0b|2,1,0a@0')],
    'byzantine-spec': [utf8('0:equivocate,1:double-vote'), utf8('random'), utf8('c:flood')],
    'sim-partition': [utf8('0,1|2,3@100-600'), utf8('0@60-267')],
    'sim-replica-events': [utf8('0@200,1@400')],
    'audit-record': [
      sealRecord(sha256, 0, { type: 'config', reason: 'start', format: AUDIT_FORMAT, replica: 1, clusterId: 'c', epoch: 0, protocol: 'pbft', n: 4, f: 1, scheme: 'ed25519', replicaKeys: [hex64('a')], params: { windowSize: 256, checkpointInterval: 64 } }, 't', GENESIS),
      sealRecord(sha256, 1, { type: 'batch', epoch: 0, seq: 1, view: 0, digest: hex64('d'), executed: 1, requests: [{ client: hex64('c'), reqNo: 1, readOnly: false, op: '00ff', auth: '', sig: hex64('e').repeat(2) }], certificate: ['0a0b'] }, 't', GENESIS),
      sealRecord(sha256, 2, { type: 'evidence', accused: 0, kind: 'equivocation', reason: 'r', reporter: 2, message: '00' }, 't', GENESIS),
    ].map((r) => utf8(r.line)),
    'http-json-body': [utf8('{"value":"1"}'), utf8('{"value":"1","expected":null}')],
    'gateway-request-target': ['/kv/a', '/kv/a%20b?proof=1', '/kv/%E2%82%AC?proof=0&x=1', '/status'].map(utf8),
    'replica-proof-target': ['/proof/kv/a', '/proof/kv/k%2Fv?share=1&at=12', `/proof/client/${hex64('a')}?reqNo=3`, `/proof/client/${hex64('B')}?share=1&at=7&reqNo=9`].map(utf8),
    'light-client-proof': proofs,
    'light-client-share': proofs,
    'replica-status': [utf8(JSON.stringify({
      view: 3, status: 'normal', primary: 3, lastExecuted: 120, stableCheckpoint: 64, protocol: 'pbft', epoch: 0,
      peers: [{ id: 0, connected: true }, { id: 1, connected: false }],
      accountability: { threat: { level: 'elevated' }, evidence: [{}], peers: [{ id: 2, suspicion: 0.5 }] },
      commits: { ops: 500, latencySumSeconds: 1.5, latencyCount: 500 },
    }))],
    'client-record': [encodeClientRecord({ reqNo: reqNo(7), seq: seq(40), result: utf8('OK'), stateBytes: 3, windowStart: 1, windowBytes: 9 })],
    'hotstuff-safety-record': [encodeSafety({ lastVotedRound: 5, highestTimeoutRound: 4, lockedRound: 3, lastProposedRound: 5, highQc: { round: 4, blockId: digest(hex64('b')), votes } })],
    'hotstuff-snap-record': [(snapRecord(keys, 10, digest(hex64('c')), 12) as { value: Uint8Array }).value],
    'hotstuff-reputation-record': [(reputationRecord(keys, [{ round: 3, active: [0, 1, 2] }, { round: 4, active: [3] }]) as { value: Uint8Array }).value],
    'chaos-spec': ['drop=0.01,delay=5-50,reset=30000,seed=7', 'delay=20'].map(utf8),
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
