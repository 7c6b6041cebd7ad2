// Encodings of what a replica keeps durably or certifies: prepared certificates, and the
// checkpoint state (application snapshot + replicated client table, TOCS '02 §4.3 / §5.3).

import type { ClientId, ReqNo, Seq } from '../core/ids.ts';
import { clientId, fromHex, reqNo, seq, toHex } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import type { Message, PrePrepare, Prepare, PreparedProof } from '../wire/messages.ts';
import { decodeMessage, encodeMessage } from '../wire/codec.ts';
import { ByteReader, ByteWriter } from '../core/bytes.ts';
import type { ClientRecord } from './state.ts';

export function encodePreparedProof(cert: PreparedProof): Uint8Array {
  const w = new ByteWriter().bytes(encodeMessage(cert.prePrepare)).u32(cert.prepares.length);
  for (const p of cert.prepares) w.bytes(encodeMessage(p));
  return w.finish();
}

export function decodePreparedProof(bytes: Uint8Array): PreparedProof | undefined {
  const r = new ByteReader(bytes);
  const pp = decodeAs<PrePrepare>(r.bytes(), 'pre-prepare');
  const count = r.u32();
  const prepares: Prepare[] = [];
  for (let i = 0; i < count && r.ok; i++) {
    const p = decodeAs<Prepare>(r.bytes(), 'prepare');
    if (p === undefined) return undefined;
    prepares.push(p);
  }
  if (!r.done || pp === undefined) return undefined;
  return { prePrepare: pp, prepares };
}

export function decodeAs<M extends Message>(bytes: Uint8Array, type: M['type']): M | undefined {
  const d = decodeMessage(bytes);
  if (!d.ok || d.value.type !== type) return undefined;
  return d.value as M;
}

const STATE_MAGIC = 0x42595a31; // "BYZ1"

/** Canonical checkpoint state: equal replicated states give equal bytes (clients sorted by id). */
export function encodeState(appSnapshot: Uint8Array, clients: ReadonlyMap<ClientId, ClientRecord>): Uint8Array {
  const ids = [...clients.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const w = new ByteWriter().u32(STATE_MAGIC).bytes(appSnapshot).u32(ids.length);
  for (const id of ids) {
    const rec = clients.get(id)!;
    w.raw(fromHex(id) ?? new Uint8Array(32)).u64(rec.reqNo).u64(rec.seq).bytes(rec.result);
  }
  return w.finish();
}

export interface DecodedState {
  readonly appSnapshot: Uint8Array;
  readonly clients: Map<ClientId, ClientRecord>;
}

export function decodeState(bytes: Uint8Array): Result<DecodedState, string> {
  const r = new ByteReader(bytes);
  if (r.u32() !== STATE_MAGIC) return err('bad state magic');
  const appSnapshot = r.bytes();
  const count = r.u32();
  const clients = new Map<ClientId, ClientRecord>();
  for (let i = 0; i < count && r.ok; i++) {
    const id = clientId(toHex(r.raw(32)));
    const rn: ReqNo = reqNo(r.u64());
    const s: Seq = seq(r.u64());
    const result = r.bytes().slice();
    clients.set(id, { reqNo: rn, seq: s, result });
  }
  if (!r.done) return err('truncated or trailing state bytes');
  return ok({ appSnapshot: appSnapshot.slice(), clients });
}
