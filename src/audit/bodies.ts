// What a driver round adds to the audit trail (docs/AUDIT.md): each executed batch with its full
// request list and the certificate that decided it (ExecutedBatch.committed, handed over by reference),
// each new view installed, each stable checkpoint, each new piece of evidence; and the configuration
// record a trail starts with. Protocol-neutral: certificates are kept as the protocol's own signed
// messages, which its module checks (src/engine/module.ts verifyCertificate).

import { faultsTolerated } from '../core/quorum.ts';
import type { PublicKey } from '../core/ids.ts';
import type { CoreEvent, ExecutedBatch } from '../protocol/types.ts';
import { encodeMessage } from '../wire/codec.ts';
import type { EvidenceKind, Request } from '../wire/messages.ts';
import type { AuditBody, AuditConfigBody, AuditRequest } from './record.ts';
import { AUDIT_FORMAT } from './record.ts';

export interface AuditConfigInfo {
  readonly replica: number;
  readonly clusterId: string;
  readonly epoch: number;
  readonly protocol: string;
  readonly replicaKeys: readonly PublicKey[];
  readonly params: { readonly windowSize: number; readonly checkpointInterval: number };
}

/** Lowercase hex, as src/core/ids.ts toHex spells it; Node's encoder, since this runs once per request on the node's event loop. */
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function configBody(c: AuditConfigInfo): Omit<AuditConfigBody, 'type' | 'reason'> {
  const n = c.replicaKeys.length;
  return {
    format: AUDIT_FORMAT, replica: c.replica, clusterId: c.clusterId, epoch: c.epoch, protocol: c.protocol, n, f: faultsTolerated(n),
    scheme: 'ed25519', replicaKeys: c.replicaKeys.map((k) => toHex(k)),
    params: { windowSize: c.params.windowSize, checkpointInterval: c.params.checkpointInterval },
  };
}

const auditRequest = (r: Request): AuditRequest => ({ client: r.client, reqNo: r.reqNo, readOnly: r.readOnly, op: toHex(r.op), auth: toHex(r.auth), sig: toHex(r.sig) });

export function batchBody(b: ExecutedBatch): AuditBody {
  const c = b.committed;
  return {
    type: 'batch', epoch: c.epoch, seq: c.seq, view: c.view, digest: c.digest, executed: b.executed.length,
    requests: c.requests.map(auditRequest), certificate: c.certificate.map((m) => toHex(encodeMessage(m))),
  };
}

/** The signed evidence message this replica holds against `accused` for `kind` (from its accountability state). */
export type EvidenceLookup = (accused: number, kind: EvidenceKind) => Uint8Array | undefined;

function eventBody(ev: CoreEvent, evidence: EvidenceLookup): AuditBody | undefined {
  switch (ev.type) {
    case 'new-view-installed':
      return { type: 'view', view: ev.view, primary: ev.primary, ...(ev.newView === undefined ? {} : { newView: toHex(encodeMessage(ev.newView)) }) };
    case 'checkpoint-stable':
      return { type: 'checkpoint', seq: ev.seq, stateDigest: ev.stateDigest };
    case 'evidence': {
      const message = evidence(ev.accused, ev.kind);
      return message === undefined ? undefined : { type: 'evidence', accused: ev.accused, kind: ev.kind, reason: ev.reason, reporter: ev.reporter, message: toHex(message) };
    }
    case 'drop':
    case 'fault-found': // the 'evidence' event that follows is the record
    case 'leader-suspected':
    case 'view-change-started':
    case 'state-transfer-started':
    case 'state-transfer-done':
    case 'batch-proposed':
    case 'peer-state':
    case 'threat-level':
      return undefined;
    default: {
      const never: never = ev;
      return never;
    }
  }
}

/** A round's records: events first (a new view is installed before the batches it executes), then the batches in order. */
export function roundBodies(executed: readonly ExecutedBatch[], events: readonly CoreEvent[], evidence: EvidenceLookup): AuditBody[] {
  const out: AuditBody[] = [];
  for (const ev of events) {
    const b = eventBody(ev, evidence);
    if (b !== undefined) out.push(b);
  }
  for (const b of executed) out.push(batchBody(b));
  return out;
}
