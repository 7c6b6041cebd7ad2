// Durable audit trail of evidence (SPEC C1, E5), in the replica's own key/value log next to the
// core's records (the whole key layout: src/protocol/storage-keys.ts):
//   acct/evidence/<accused, 3 digits>/<kind code> → tick (u64) ‖ reporter (u32) ‖ the evidence
//   message this replica signed and gossiped (its canonical encoding).
// One record per (accused, kind): the first proof found is the one kept.

import type { ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { EvidenceKind } from '../wire/messages.ts';
import { EVIDENCE_KIND_CODES } from '../wire/messages.ts';
import { EVIDENCE_KEY_PREFIX } from '../protocol/storage-keys.ts';

export { EVIDENCE_KEY_PREFIX };

export function evidenceKey(accused: ReplicaId, kind: EvidenceKind): string {
  return `${EVIDENCE_KEY_PREFIX}${accused.toString().padStart(3, '0')}/${EVIDENCE_KIND_CODES[kind]}`;
}

export interface EvidenceRecord {
  readonly tick: number;
  readonly reporter: ReplicaId;
  /** Canonical bytes of the signed evidence message. */
  readonly message: Uint8Array;
}

const HEADER = 12;
const TWO_32 = 2 ** 32;

export function encodeEvidenceRecord(r: EvidenceRecord): Uint8Array {
  const out = new Uint8Array(HEADER + r.message.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, Math.floor(r.tick / TWO_32));
  dv.setUint32(4, r.tick >>> 0);
  dv.setUint32(8, r.reporter);
  out.set(r.message, HEADER);
  return out;
}

export function decodeEvidenceRecord(bytes: Uint8Array): EvidenceRecord | undefined {
  if (bytes.length <= HEADER) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tick = dv.getUint32(0) * TWO_32 + dv.getUint32(4);
  if (!Number.isSafeInteger(tick)) return undefined;
  return { tick, reporter: replicaId(dv.getUint32(8)), message: bytes.slice(HEADER) };
}
