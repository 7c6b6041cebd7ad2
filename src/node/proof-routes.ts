// The replica's proof queries on its HTTP status port (issue 14 items 2–3, docs/PROTOCOL.md §4b):
//   GET /proof/kv/<key>                    → 200 a read proof file (value or absence) at the newest retained certified checkpoint
//   GET /proof/client/<id>[?reqNo=N]       → 200 a write proof file: the client's last request and result (request N)
// 404 when no retained certified state holds what was asked (yet), 400 for a malformed query. The
// input is hostile: the key is bounded like a KV key, the id must be 32 bytes of hex, reqNo an
// integer; failures are HttpErrors, so the guard answers and counts them (byz_http_drops_total),
// and the status port's caps bound the work (src/http/admission.ts). Nobody trusts these answers: a
// client checks each proof with the light client.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { KV_MAX_KEY_BYTES } from '../app/kv-codec.ts';
import { clientId } from '../core/ids.ts';
import { HttpError } from '../http/io.ts';
import type { Route } from '../http/serve.ts';
import type { CertifiedStates, ProofAnswer } from './proofs.ts';

const KV_PREFIX = '/proof/kv/';
const CLIENT_PREFIX = '/proof/client/';

function keyOf(pathname: string): string {
  const key = decodeURIComponent(pathname.slice(KV_PREFIX.length)); // a URIError is a 400 (the guard)
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > KV_MAX_KEY_BYTES) throw new HttpError(400, `key too long: ${bytes} bytes of UTF-8, at most ${KV_MAX_KEY_BYTES}`);
  return key;
}

function reqNoOf(req: IncomingMessage): number | undefined {
  const raw = new URL(req.url ?? '/', 'http://replica').searchParams.get('reqNo');
  if (raw === null) return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new HttpError(400, 'reqNo must be a non-negative integer (the request number the write proof is for)');
  return Number(raw);
}

function idOf(pathname: string): string {
  const id = pathname.slice(CLIENT_PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new HttpError(400, 'a client id is its 32-byte public key as 64 hex characters: /proof/client/<id>[?reqNo=N]');
  return id.toLowerCase();
}

function answer(res: ServerResponse, a: ProofAnswer, send: (res: ServerResponse, body: string) => void): void {
  if (!a.ok) throw new HttpError(a.status, a.reason);
  send(res, JSON.stringify(a.proof));
}

/** The two proof routes over `proofs`; `send` writes a 200 JSON body. */
export function proofRoutes(proofs: CertifiedStates, send: (res: ServerResponse, body: string) => void): Route[] {
  const get = ['GET'];
  return [
    {
      name: 'GET /proof/kv/<key>', path: KV_PREFIX, methods: get, example: '/proof/kv/<key>',
      handle: (_req, res, pathname) => answer(res, proofs.readProof(keyOf(pathname)), send),
    },
    {
      name: 'GET /proof/client/<id>', path: CLIENT_PREFIX, methods: get, example: '/proof/client/<id>',
      handle: (req, res, pathname) => answer(res, proofs.writeProof(clientId(idOf(pathname)), reqNoOf(req)), send),
    },
  ];
}
