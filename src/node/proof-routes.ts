// The replica's proof queries on its HTTP status port (issue 14 items 2–3, docs/PROTOCOL.md §4b):
//   GET /proof/kv/<key>                    → 200 a read proof file (value or absence) at the newest retained certified checkpoint
//   GET /proof/client/<id>[?reqNo=N]       → 200 a write proof file: the client's last request and result (request N)
//   either with ?share=1                   → 200 the same at this replica's last executed state, signed by it alone:
//                                            a share of an on-demand certificate a client merges (§4c)
//   ?share=1&at=N                          → the share at exactly seq N: at once if kept, else after N executes
//                                            (N at most MAX_SHARE_AHEAD ahead; waits up to SHARE_WAIT_MS)
// 404 when no retained certified state holds what was asked (yet), 400 for a malformed query. The
// input is hostile: the key is bounded like a KV key, the id must be 32 bytes of hex, reqNo an
// integer; failures are HttpErrors, so the guard answers and counts them (byz_http_drops_total),
// and the status port's caps bound the work (src/http/admission.ts). The input is checked in the
// status-port worker thread; only a well-formed query reaches the main thread (answerProof). Nobody trusts these answers: a
// client checks each proof with the light client.

import type { ServerResponse } from 'node:http';
import { KV_MAX_KEY_BYTES } from '../app/kv-codec.ts';
import { clientId } from '../core/ids.ts';
import { HttpError } from '../http/io.ts';
import type { Route } from '../http/serve.ts';
import { pathnameOf } from '../http/serve.ts';
import type { CertifiedStates, ProofAnswer } from './proofs.ts';
import { boundedBody } from './http-messages.ts';
import type { Ask, Reply } from './http-messages.ts';

const KV_PREFIX = '/proof/kv/';
const CLIENT_PREFIX = '/proof/client/';

function keyOf(pathname: string): string {
  const key = decodeURIComponent(pathname.slice(KV_PREFIX.length)); // a URIError is a 400 (the guard)
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > KV_MAX_KEY_BYTES) throw new HttpError(400, `key too long: ${bytes} bytes of UTF-8, at most ${KV_MAX_KEY_BYTES}`);
  return key;
}

const paramsOf = (url: string): URLSearchParams => new URL(url, 'http://replica').searchParams;

/** ?share=1: a share of an on-demand certificate (docs/PROTOCOL.md §4c); absent or 0: a certified checkpoint's proof. */
function shareOf(url: string): boolean {
  const raw = paramsOf(url).get('share');
  if (raw === null || raw === '0') return false;
  if (raw === '1') return true;
  throw new HttpError(400, 'share must be 1 (a share of an on-demand certificate, signed by this replica alone) or 0');
}

/** ?at=N (with share=1): the seq the share must be at (§4c: replicas of a busy cluster are a few seqs apart). */
function atOf(url: string, share: boolean): number | undefined {
  const raw = paramsOf(url).get('at');
  if (raw === null) return undefined;
  if (!share) throw new HttpError(400, 'at=N asks for a share at seq N: it goes with share=1');
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new HttpError(400, 'at must be a non-negative integer (the seq the share is asked at)');
  return Number(raw);
}

function reqNoOf(url: string): number | undefined {
  const raw = paramsOf(url).get('reqNo');
  if (raw === null) return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new HttpError(400, 'reqNo must be a non-negative integer (the request number the write proof is for)');
  return Number(raw);
}

function idOf(pathname: string): string {
  const id = pathname.slice(CLIENT_PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new HttpError(400, 'a client id is its 32-byte public key as 64 hex characters: /proof/client/<id>[?reqNo=N]');
  return id.toLowerCase();
}

type ProofAsk = Extract<Ask, { kind: 'proof-kv' | 'proof-client' }>;

/** The main thread's side: the proof `ask` names, from the certified states (a 404 when none holds it). */
export async function answerProof(proofs: CertifiedStates, ask: ProofAsk): Promise<Reply> {
  const a: ProofAnswer =
    ask.kind === 'proof-kv'
      ? ask.share ? await proofs.readShare(ask.key, ask.at) : proofs.readProof(ask.key)
      : ask.share ? await proofs.writeShare(clientId(ask.id), ask.reqNo, ask.at) : proofs.writeProof(clientId(ask.id), ask.reqNo);
  if (!a.ok) return { ok: false, status: a.status, message: a.reason };
  return boundedBody(JSON.stringify(a.proof));
}

/**
 * The proof query a request target (the raw `req.url`) asks, checked: undefined when the path is not
 * a proof route; an HttpError (400) or a URIError (bad percent-encoding, a 400 by the guard) when it
 * is malformed. Pure, so the fuzzer drives it (test/fuzz/targets.ts).
 */
export function parseProofAsk(url: string): ProofAsk | undefined {
  const pathname = pathnameOf(url);
  if (!pathname.startsWith(KV_PREFIX) && !pathname.startsWith(CLIENT_PREFIX)) return undefined;
  const share = shareOf(url);
  return pathname.startsWith(KV_PREFIX)
    ? { kind: 'proof-kv', key: keyOf(pathname), share, at: atOf(url, share) }
    : { kind: 'proof-client', id: idOf(pathname), reqNo: reqNoOf(url), share, at: atOf(url, share) };
}

/**
 * The two proof routes, served by the status-port worker: it checks the hostile input here and asks
 * the main thread (`ask`) for the proof; `send` writes a 200 JSON body.
 */
export function proofRoutes(ask: (a: Ask) => Promise<string>, send: (res: ServerResponse, body: string) => void): Route[] {
  const get = ['GET'];
  const handle: Route['handle'] = async (req, res) => {
    const a = parseProofAsk(req.url ?? '/');
    if (a === undefined) throw new HttpError(404, 'not a proof route');
    send(res, await ask(a));
  };
  return [
    { name: 'GET /proof/kv/<key>', path: KV_PREFIX, methods: get, example: '/proof/kv/<key>', handle },
    { name: 'GET /proof/client/<id>', path: CLIENT_PREFIX, methods: get, example: '/proof/client/<id>', handle },
  ];
}
