// Every decoder and parser that reads bytes or text from outside the process (issue 17 item 4): the
// network (wire messages, frames, handshake), peers' state transfers, clients' ops and results, the
// disk (durable records), and users (config, evidence files, CLI specs, HTTP bodies). The contract
// is the same for all: any input returns — a value or a Result error — and never throws, except the
// error types a target names (an HTTP body parser answers 400 by throwing HttpError).

import { decodeMessage } from '../../src/wire/codec.ts';
import { FrameDecoder } from '../../src/wire/framing.ts';
import { decodeAuth, decodeHello } from '../../src/transport/handshake.ts';
import { decodeKvOp, decodeKvResult } from '../../src/app/kv-codec.ts';
import { decodeSnapshotRecord, decodeState } from '../../src/service/snapshot.ts';
import { decodeEvidenceRecord } from '../../src/accountability/records.ts';
import { decodeStable, decodeViewRecord } from '../../src/pbft/recovery-keys.ts';
import { decodePreparedProof } from '../../src/pbft/persist.ts';
import { parseClusterConfig } from '../../src/config/validate.ts';
import { parseEvidenceFile } from '../../src/accountability/file.ts';
import { parseScenario } from '../../src/sim/twins/scenario.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { parsePartition, parseReplicaEvents } from '../../src/sim/options.ts';
import { HttpError, parseJsonObject } from '../../src/http/io.ts';
import { MAX_MESSAGE_BYTES } from '../../src/core/limits.ts';
import { parseBody, parseRecordLine } from '../../src/audit/record.ts';
import { ed25519Suite, sha256 } from '../../src/crypto/ed25519.ts';
import { decodeReputation, decodeSafety, decodeSnap } from '../../src/hotstuff/keys.ts';
import { decodeClientRecord } from '../../src/service/commitment.ts';
import { parseChaosSpec } from '../../src/transport/chaos.ts';
import { parseStatus } from '../../src/status/view.ts';
import { verifyProof, verifyShare } from '../../src/light-client/verify.ts';
import { makeFixture } from '../../src/light-client/fixture.ts';
import { pathnameOf } from '../../src/http/serve.ts';
import { keyOf, wantsProof } from '../../src/gateway/gateway.ts';
import { parseProofAsk } from '../../src/node/proof-routes.ts';

export interface FuzzTarget {
  readonly name: string;
  /** What the bytes are (the corpus generator and the mutator work on bytes; text targets decode UTF-8). */
  readonly input: 'bytes' | 'text';
  run(input: Uint8Array): unknown;
  /** Errors this target may throw by design (anything else is a bug). */
  readonly allowed?: readonly (abstract new (...args: never[]) => Error)[];
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const json = (b: Uint8Array): unknown => {
  try {
    return JSON.parse(text(b)) as unknown;
  } catch {
    return text(b); // not JSON: the parser gets the raw string, as a careless caller might pass
  }
};

/** A certified 4-replica state (real Ed25519 signatures): the proofs the light-client targets check. */
export const PROOF_FIXTURE = makeFixture(ed25519Suite, 4, { alpha: '1', beta: 'two' });
const lightCrypto = { hash: sha256, verify: ed25519Suite.verify };

export const TARGETS: readonly FuzzTarget[] = [
  { name: 'wire-message', input: 'bytes', run: (b) => decodeMessage(b) },
  {
    name: 'frames',
    input: 'bytes',
    // The stream cut into chunks at every third byte boundary, as TCP may deliver it.
    run: (b) => {
      const d = new FrameDecoder(MAX_MESSAGE_BYTES);
      const out: unknown[] = [];
      for (let i = 0; i < b.length; i += 3) out.push(d.push(b.subarray(i, i + 3)));
      return out;
    },
  },
  { name: 'handshake-hello', input: 'bytes', run: (b) => decodeHello(b) },
  { name: 'handshake-auth', input: 'bytes', run: (b) => decodeAuth(b) },
  { name: 'kv-op', input: 'bytes', run: (b) => decodeKvOp(b) },
  { name: 'kv-result', input: 'bytes', run: (b) => decodeKvResult(b) },
  { name: 'service-state', input: 'bytes', run: (b) => decodeState(b) },
  { name: 'snapshot-record', input: 'bytes', run: (b) => decodeSnapshotRecord(b) },
  { name: 'evidence-record', input: 'bytes', run: (b) => decodeEvidenceRecord(b) },
  { name: 'pbft-stable-record', input: 'bytes', run: (b) => decodeStable(b) },
  { name: 'pbft-view-record', input: 'bytes', run: (b) => decodeViewRecord(b) },
  { name: 'pbft-prepared-proof', input: 'bytes', run: (b) => decodePreparedProof(b) },
  { name: 'cluster-config', input: 'text', run: (b) => parseClusterConfig(json(b)) },
  { name: 'evidence-file', input: 'text', run: (b) => parseEvidenceFile(text(b)) },
  { name: 'twins-scenario', input: 'text', run: (b) => parseScenario(text(b)) },
  { name: 'byzantine-spec', input: 'text', run: (b) => parseByzantine(text(b)) },
  { name: 'sim-partition', input: 'text', run: (b) => parsePartition(text(b)) },
  { name: 'sim-replica-events', input: 'text', run: (b) => parseReplicaEvents(text(b)) },
  {
    name: 'audit-record',
    input: 'text',
    // A line of an audit segment (byz audit verify): the line check, and the body check even when the hash fails.
    run: (b) => {
      const v = json(b);
      return [parseRecordLine(sha256, text(b)), typeof v === 'object' && v !== null && !Array.isArray(v) ? parseBody(v as Record<string, unknown>) : undefined];
    },
  },
  { name: 'http-json-body', input: 'text', run: (b) => parseJsonObject(b, '{"value": "…"}'), allowed: [HttpError] },
  {
    name: 'gateway-request-target',
    input: 'text',
    // The gateway's reading of a request target (`req.url`): the /kv/<key> path and ?proof=.
    run: (b) => {
      const url = text(b);
      const path = pathnameOf(url);
      return path.startsWith('/kv/') ? [keyOf(path), wantsProof(url)] : path;
    },
    allowed: [HttpError],
  },
  // A replica's proof routes: a URIError is bad percent-encoding, which the guard answers with a 400.
  { name: 'replica-proof-target', input: 'text', run: (b) => parseProofAsk(text(b)), allowed: [HttpError, URIError] },
  { name: 'light-client-proof', input: 'text', run: (b) => verifyProof(json(b), PROOF_FIXTURE.trust, lightCrypto) },
  { name: 'light-client-share', input: 'text', run: (b) => verifyShare(json(b), PROOF_FIXTURE.trust, lightCrypto) },
  { name: 'replica-status', input: 'text', run: (b) => parseStatus(json(b), 4) },
  { name: 'client-record', input: 'bytes', run: (b) => decodeClientRecord(b) },
  { name: 'hotstuff-safety-record', input: 'bytes', run: (b) => decodeSafety(b) },
  { name: 'hotstuff-snap-record', input: 'bytes', run: (b) => decodeSnap(b) },
  { name: 'hotstuff-reputation-record', input: 'bytes', run: (b) => decodeReputation(b, 4) },
  { name: 'chaos-spec', input: 'text', run: (b) => parseChaosSpec(text(b)) },
];
