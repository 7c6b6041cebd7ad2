// Hand-built signed messages for accountability unit tests (the sim signature suite, harness keys).

import type { Digest, ReplicaId } from '../../src/core/ids.ts';
import { replicaId, seq, view } from '../../src/core/ids.ts';
import type { Signer } from '../../src/core/crypto-port.ts';
import { batchBytes } from '../../src/wire/codec.ts';
import type { Checkpoint, Commit, NewView, PrePrepare, Prepare, PreparedProof, Request, ViewChange } from '../../src/wire/messages.ts';
import { pbftEvidenceRules } from '../../src/pbft/evidence-rules.ts';
import { makeClient, request, seedFor, signAs, suite } from '../pbft/harness.ts';
import { SMALL_PARAMS } from './fixture.ts';
import { NO_INVALID } from '../../src/wire/messages.ts';

export const signers: Signer[] = Array.from({ length: 7 }, (_, i) => suite.signer(seedFor(i)));
export const keysFor = (n: number): Signer['publicKey'][] => signers.slice(0, n).map((s) => s.publicKey);
export const rulesFor = (n: number): ReturnType<typeof pbftEvidenceRules> => pbftEvidenceRules({ n, params: SMALL_PARAMS, hash: suite.hash });

const client = makeClient(77);
export const req = (no: number, value = `v${no}`): Request => request(client, no, 'k', value);
export const stateDigest = (s: string): Digest => suite.hash(new TextEncoder().encode(s));

const r = (i: number): ReplicaId => replicaId(i);

export function prePrepare(by: number, v: number, n: number, requests: readonly Request[] = []): PrePrepare {
  return signAs<PrePrepare>(signers[by]!, {
    type: 'pre-prepare', view: view(v), seq: seq(n), digest: suite.hash(batchBytes(requests)), requests, replica: r(by),
  });
}

export function prepare(by: number, v: number, n: number, digest: Digest): Prepare {
  return signAs<Prepare>(signers[by]!, { type: 'prepare', view: view(v), seq: seq(n), digest, invalid: NO_INVALID, replica: r(by) });
}

export function commit(by: number, v: number, n: number, digest: Digest): Commit {
  return signAs<Commit>(signers[by]!, { type: 'commit', view: view(v), seq: seq(n), digest, replica: r(by) });
}

export function checkpoint(by: number, n: number, d: Digest): Checkpoint {
  return signAs<Checkpoint>(signers[by]!, { type: 'checkpoint', seq: seq(n), stateDigest: d, replica: r(by) });
}

/** A prepared certificate for pp with prepares from the given backups. */
export function certificate(pp: PrePrepare, backups: readonly number[]): PreparedProof {
  return { prePrepare: pp, prepares: backups.map((b) => prepare(b, pp.view, pp.seq, pp.digest)) };
}

export function viewChange(
  by: number, newView: number, opts: { stableSeq?: number; proof?: readonly Checkpoint[]; prepared?: readonly PreparedProof[]; prePrepared?: readonly PrePrepare[] } = {},
): ViewChange {
  return signAs<ViewChange>(signers[by]!, {
    type: 'view-change', newView: view(newView), stableSeq: seq(opts.stableSeq ?? 0),
    checkpointProof: opts.proof ?? [], prepared: opts.prepared ?? [], prePrepared: opts.prePrepared ?? [], replica: r(by),
  });
}

export function newView(by: number, v: number, vcs: readonly ViewChange[], prePrepares: readonly PrePrepare[] = []): NewView {
  return signAs<NewView>(signers[by]!, { type: 'new-view', view: view(v), viewChanges: vcs, prePrepares, replica: r(by) });
}
