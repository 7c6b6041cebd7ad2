// Domain separation of signatures (issue 11): every signature covers the cluster it was made in, so
// a message signed in one cluster, epoch or protocol never verifies in another. The prefix is
// canonical and unambiguous (every variable part is length-prefixed or fixed-width):
//   "byzantium/v2" ‖ u8 len ‖ cluster id (ASCII) ‖ u64 BE epoch ‖ u8 len ‖ protocol (ASCII)
// Replica-to-replica messages are signed under (cluster, epoch, protocol). Client requests and
// replies are service-level — they outlive a protocol switch or a reconfiguration, and a request
// travels inside whatever ordering protocol runs — so they are signed under (cluster, epoch 0,
// "client"): a fixed label no protocol may take. docs/PROTOCOL.md, "Signing domain".

import { assert } from '../core/assert.ts';
import type { HashFn, VerifyFn } from '../core/crypto-port.ts';
import type { PublicKey } from '../core/ids.ts';

/** The version tag every signing prefix starts with ("byzantium/v1" had no cluster, epoch or protocol). */
export const DOMAIN_TAG = 'byzantium/v2';
/** The protocol label of client requests and replies; reserved (no ordering protocol is named so). */
export const CLIENT_LABEL = 'client';
/** The epoch replicas start in; reconfiguration will move to higher ones. */
export const INITIAL_EPOCH = 0;

const CLUSTER_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const PROTOCOL_RE = /^[a-z0-9-]{1,32}$/;
/** Hex characters of SHA-256 kept in a default cluster id. */
const DEFAULT_ID_HEX = 16;

/** The context a signature is made in, with its prefix bytes computed once. */
export interface SigningDomain {
  readonly clusterId: string;
  readonly epoch: number;
  readonly protocol: string;
  /** Prefix of replica-to-replica messages: (clusterId, epoch, protocol). */
  readonly replicaPrefix: Uint8Array;
  /** Prefix of client requests and replies: (clusterId, 0, "client"). */
  readonly clientPrefix: Uint8Array;
}

/** Why s is not a cluster id, or undefined: 1–64 characters from A–Z a–z 0–9 . _ - */
export function clusterIdProblem(s: string): string | undefined {
  return CLUSTER_ID_RE.test(s) ? undefined : `must be 1–64 characters from A–Z a–z 0–9 . _ - (got ${JSON.stringify(s.slice(0, 70))})`;
}

/** Why s is not a protocol name, or undefined: 1–32 characters from a–z 0–9 -, and not "client". */
export function protocolNameProblem(s: string): string | undefined {
  if (!PROTOCOL_RE.test(s)) return `must be 1–32 characters from a–z 0–9 - (got ${JSON.stringify(s.slice(0, 40))})`;
  return s === CLIENT_LABEL ? `"${CLIENT_LABEL}" is reserved for client requests and replies` : undefined;
}

function prefixOf(clusterId: string, epoch: number, protocol: string): Uint8Array {
  const enc = new TextEncoder();
  const tag = enc.encode(DOMAIN_TAG);
  const id = enc.encode(clusterId);
  const proto = enc.encode(protocol);
  const out = new Uint8Array(tag.length + 1 + id.length + 8 + 1 + proto.length);
  const dv = new DataView(out.buffer);
  let pos = 0;
  out.set(tag, pos);
  pos += tag.length;
  out[pos++] = id.length;
  out.set(id, pos);
  pos += id.length;
  dv.setUint32(pos, Math.floor(epoch / 2 ** 32));
  dv.setUint32(pos + 4, epoch >>> 0);
  pos += 8;
  out[pos++] = proto.length;
  out.set(proto, pos);
  return out;
}

/** The domain for (clusterId, epoch, protocol). Asserts (a bug: config validation comes first) on bad values. */
export function signingDomain(clusterId: string, epoch: number, protocol: string): SigningDomain {
  assert(clusterIdProblem(clusterId) === undefined, `signing domain: bad cluster id ${JSON.stringify(clusterId)}`);
  assert(protocolNameProblem(protocol) === undefined, `signing domain: bad protocol name ${JSON.stringify(protocol)}`);
  assert(Number.isSafeInteger(epoch) && epoch >= 0, `signing domain: epoch ${epoch} is not a non-negative safe integer`);
  return {
    clusterId,
    epoch,
    protocol,
    replicaPrefix: prefixOf(clusterId, epoch, protocol),
    clientPrefix: prefixOf(clusterId, INITIAL_EPOCH, CLIENT_LABEL),
  };
}

/**
 * The cluster id of a config that names none: "byz-" and the first 16 hex characters of SHA-256 of
 * the replica public keys in id order. Deterministic, so every member and client derives the same.
 */
export function defaultClusterId(hash: HashFn, replicaKeys: readonly PublicKey[]): string {
  const all = new Uint8Array(replicaKeys.reduce((s, k) => s + k.length, 0));
  let pos = 0;
  for (const k of replicaKeys) {
    all.set(k, pos);
    pos += k.length;
  }
  return `byz-${hash(all).slice(0, DEFAULT_ID_HEX)}`;
}

/**
 * The domain of a cluster known only by its keys and protocol (the simulator, Twins, the core
 * bench): its default cluster id and the initial epoch — what a config without a clusterId gets too
 * (src/config/validate.ts clusterDomain).
 */
export function defaultDomain(hash: HashFn, replicaKeys: readonly PublicKey[], protocol: string): SigningDomain {
  return signingDomain(defaultClusterId(hash, replicaKeys), INITIAL_EPOCH, protocol);
}

/** The plain-data description of a domain (evidence files record it). */
export interface DomainInfo {
  readonly clusterId: string;
  readonly epoch: number;
  readonly protocol: string;
}

/** Checks a client's signature over a request under the cluster's signing domain (evidence rules that judge requests). */
export interface ClientSignatureCheck {
  readonly verify: VerifyFn;
  readonly domain: SigningDomain;
}
