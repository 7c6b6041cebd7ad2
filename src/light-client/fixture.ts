// A certified cluster state built from the real pieces (Ed25519 signers, the signing domain, the
// service's Merkle trees and commitment), for tests, the bench and the browser demo page: n
// replicas (2f+1 of them) sign ⟨CHECKPOINT, seq, d⟩ over a KV state and one client's last reply. Not used by
// replicas. The crypto is injected so this file stays free of Node built-ins.

import { MerkleDict } from '../app/merkle-dict.ts';
import type { CryptoSuite, Signer } from '../core/crypto-port.ts';
import { clientId, reqNo, seq } from '../core/ids.ts';
import type { Digest } from '../core/ids.ts';
import { toHex, replicaId } from '../core/ids.ts';
import { signMessage } from '../protocol/emit.ts';
import { quorumOf } from '../core/quorum.ts';
import { clientKey, encodeClientRecord, stateCommitment } from '../service/commitment.ts';
import { signingDomain } from '../wire/domain.ts';
import type { Checkpoint } from '../wire/messages.ts';
import type { ProofFile } from './format.ts';
import { buildProof, readClaim, writeClaim } from './make.ts';
import type { Trust } from './verify.ts';

export interface Fixture {
  readonly trust: Trust;
  readProof(key: string): ProofFile;
  writeProof(): ProofFile;
  /** The client whose last request (reqNo 7, result "OK") the state holds. */
  readonly client: string;
  readonly signers: readonly Signer[];
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** n replicas with seeds [i+1, 0, …], cluster "proof-test" epoch 0, KV entries `entries`. */
export function makeFixture(suite: CryptoSuite, n: number, entries: Readonly<Record<string, string>>, clusterId = 'proof-test', epoch = 0): Fixture {
  const signers = Array.from({ length: n }, (_, i) => suite.signer(Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i + 1 : 0))));
  const domain = signingDomain(clusterId, epoch, 'pbft');
  const app = new MerkleDict();
  for (const [k, v] of Object.entries(entries)) app.set(k, enc(k), enc(v));
  const client = toHex(Uint8Array.from({ length: 32 }, (_, j) => j + 100));
  const clients = new MerkleDict();
  const record = { reqNo: reqNo(7), seq: seq(40), result: enc('OK'), stateBytes: 0, windowStart: 0, windowBytes: 0 };
  clients.set(client, clientKey(clientId(client)), encodeClientRecord(record));
  const appRoot = app.root(suite.hash);
  const clientRoot = clients.root(suite.hash);
  const stateDigest: Digest = stateCommitment(suite.hash, appRoot, clientRoot);
  const checkpoints = signers.slice(0, quorumOf(n)).map((s, i) =>
    signMessage<Checkpoint>(s, domain, { type: 'checkpoint', seq: seq(64), stateDigest, replica: replicaId(i) }));
  const roots = { appRoot, clientRoot, checkpoints };
  return {
    trust: { clusterId, epoch, protocol: 'pbft', replicaKeys: signers.map((s) => toHex(s.publicKey)) },
    readProof: (key) => buildProof(domain, roots, readClaim(key, app.prove(suite.hash, enc(key)))),
    writeProof: () => buildProof(domain, roots, writeClaim(client, 7, enc('OK'), clients.prove(suite.hash, clientKey(clientId(client))))),
    client,
    signers,
  };
}
