// Getting proofs from a cluster (issue 14 items 2–3, docs/PROTOCOL.md §4b, docs/CLIENT.md): ask
// every replica's status port (replicas[i].httpPort: GET /proof/kv/<key>, /proof/client/<id>) at
// once, check each answer with the light client (src/light-client, the same verifier a third party
// runs) and return the valid one at the highest certified checkpoint. A replica's answer is hostile
// input: bounded in time and size, and used only if it verifies AND proves what was asked (the key,
// or the client's request), so f lying or silent replicas cannot make the client accept anything.

import type { ClientId } from '../core/ids.ts';
import type { ClusterConfig } from '../config/index.ts';
import { replicaPublicKeys } from '../config/index.ts';
import { toHex } from '../core/ids.ts';
import { MAX_OP_BYTES } from '../core/limits.ts';
import { quorumConfig } from '../core/quorum.ts';
import { INITIAL_EPOCH } from '../wire/domain.ts';
import { mergeShares, verifyProof } from '../light-client/index.ts';
import { ed25519Suite } from '../crypto/index.ts';
import type { ProofFile, Proven, Trust } from '../light-client/index.ts';
import { ByzClientError } from './errors.ts';

/** Largest proof answer read from a replica: a value or result of up to MAX_OP_BYTES as hex, 256 sibling hashes and the signatures. */
export const MAX_PROOF_BYTES = 4 * MAX_OP_BYTES + 256 * 1024;

/** A read proven by a proof file: the value of `key` (null: absent) at certified checkpoint `seq`. */
export interface ProvenRead {
  /** The proof file (JSON-ready): `byz proof verify` and the light client accept it. */
  readonly proof: ProofFile;
  readonly key: string;
  readonly value: Uint8Array | null;
  /** The checkpoint the proof certifies (the value is the one there; later writes are not in it). */
  readonly seq: number;
  /** The replicas whose signatures certify it (2f+1 or more). */
  readonly signers: readonly number[];
}

/** A write proven by a proof file: request `reqNo` of `client` executed with `result` (certified at `seq`). */
export interface ProvenWrite {
  readonly proof: ProofFile;
  readonly client: ClientId;
  readonly reqNo: number;
  readonly result: Uint8Array;
  readonly seq: number;
  readonly signers: readonly number[];
}

/** What the light client trusts for this cluster: its id, epoch, protocol and replica keys. */
export function trustOf(config: ClusterConfig): Trust {
  return { clusterId: config.clusterId, epoch: INITIAL_EPOCH, protocol: config.protocol, replicaKeys: replicaPublicKeys(config).map((k) => toHex(k)) };
}

type Answer = { readonly ok: true; readonly proof: ProofFile; readonly seq: number; readonly signers: readonly number[]; readonly proven: Proven } | { readonly ok: false; readonly why: string };

/** The body of `res`, refusing more than `max` bytes (a replica could stream forever). */
async function boundedText(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new Error(`answer larger than ${max} bytes`); // leaving the loop cancels the stream
    parts.push(chunk);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return new TextDecoder().decode(all);
}

type Fetched = { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly why: string };

/** One replica's answer to `path` as parsed JSON (unchecked), or why there is none. */
async function fetchProofJson(host: string, port: number, path: string, signal: AbortSignal): Promise<Fetched> {
  try {
    const res = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`, { signal });
    const text = await boundedText(res, MAX_PROOF_BYTES);
    if (res.status !== 200) {
      let reason = text.slice(0, 300);
      try {
        const error = (JSON.parse(text) as { error?: unknown }).error;
        if (typeof error === 'string') reason = error.slice(0, 300);
      } catch {
        // not JSON: the text as it is
      }
      return { ok: false, why: `HTTP ${res.status}: ${reason}` };
    }
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
}

/** One replica's answer to `path`, checked: a valid proof of what `wanted` accepts, or why not. */
async function ask(host: string, port: number, path: string, trust: Trust, wanted: (p: Proven) => boolean, signal: AbortSignal): Promise<Answer> {
  const got = await fetchProofJson(host, port, path, signal);
  if (!got.ok) return got;
  // The light client's rules (verify.ts) with the Ed25519 the replicas use (src/crypto), faster than @noble's.
  const v = verifyProof(got.json, trust, ed25519Suite);
  if (!v.ok) return { ok: false, why: `invalid proof: ${v.reason}` };
  if (!wanted(v.proven)) return { ok: false, why: 'a valid proof of something else than what was asked' };
  return { ok: true, proof: got.json as ProofFile, seq: v.seq, signers: v.signers, proven: v.proven };
}

/** Tries at asking for shares when they do not match yet (replicas a few seqs apart), and the pause between. */
const SHARE_TRIES = 3;
const SHARE_RETRY_MS = 50;
/** How far past the (f+1)-th highest share a target may be: f lying replicas cannot push it further. */
const SHARE_TARGET_SPREAD = 32;

/**
 * The seq to ask every replica's share at when their current shares did not match: the highest
 * valid share (`past` 0), which the replicas that signed it keep and the others capture as they
 * reach it, so no new batch has to execute; after that failed, one past it (`past` 1), which every
 * replica still has ahead. At most SHARE_TARGET_SPREAD past the (f+1)-th highest, which some honest
 * replica reached, so that f replicas signing shares at made-up high seqs cannot send the others
 * waiting for nothing.
 */
export function shareTarget(seqs: readonly number[], f: number, past: 0 | 1 = 0): number | undefined {
  if (seqs.length === 0) return undefined;
  const sorted = [...seqs].sort((a, b) => b - a);
  const honest = sorted[Math.min(f, sorted.length - 1)]!;
  return Math.min(sorted[0]!, honest + SHARE_TARGET_SPREAD) + past;
}

/**
 * An on-demand certificate (docs/PROTOCOL.md §4c): every replica's share at its last executed state
 * (`?share=1`), each checked alone, merged once 2f+1 match. Matches at once on an idle cluster, where
 * no new checkpoint would come. On a busy one the replicas are a few seqs apart, so the next tries ask
 * for shares at one seq ahead of all of them (`&at=N`, shareTarget), which each replica captures as it
 * executes it.
 */
async function fromShares(config: ClusterConfig, path: string, wanted: (p: Proven) => boolean, signal: AbortSignal): Promise<Answer> {
  const trust = trustOf(config);
  const f = quorumConfig(config.replicas.length).f;
  const sep = path.includes('?') ? '&' : '?';
  let why = '';
  let at: number | undefined;
  for (let t = 1; t <= SHARE_TRIES && !signal.aborted; t++) {
    const query = `${path}${sep}share=1${at === undefined ? '' : `&at=${at}`}`;
    const got = await Promise.all(config.replicas.map((r) => fetchProofJson(r.host, r.httpPort, query, signal)));
    const shares = got.filter((g): g is Extract<Fetched, { ok: true }> => g.ok).map((g) => g.json);
    const m = mergeShares(shares, trust, ed25519Suite);
    if (m.ok && wanted(m.verdict.proven)) return { ok: true, proof: m.proof, seq: m.verdict.seq, signers: m.verdict.signers, proven: m.verdict.proven };
    const failed = got.map((g, i) => (g.ok ? '' : `replica ${i}: ${g.why}`)).filter((x) => x !== '');
    why = `${m.ok ? 'the merged shares prove something else than what was asked' : m.reason}${at === undefined ? '' : ` (asked at seq ${at})`}${failed.length === 0 ? '' : `; ${failed.join('; ')}`}`;
    const next = m.ok ? undefined : shareTarget(m.seqs, f, at === undefined ? 0 : 1);
    if (next !== undefined && (at === undefined || next > at)) at = next;
    else if (t < SHARE_TRIES) await new Promise((r) => setTimeout(r, SHARE_RETRY_MS));
  }
  return { ok: false, why: `on-demand certificate: ${why}` };
}

/**
 * Asks every replica at once for a proof at its newest certified checkpoint and, at the same time,
 * for shares of an on-demand certificate at the executed state (§4c); the valid answer at the
 * highest seq, or a no-proof error listing why each failed.
 */
async function best(config: ClusterConfig, path: string, wanted: (p: Proven) => boolean, timeoutMs: number, what: string): Promise<Extract<Answer, { ok: true }>> {
  const trust = trustOf(config);
  const signal = AbortSignal.timeout(timeoutMs);
  const [shared, ...answers] = await Promise.all([fromShares(config, path, wanted, signal), ...config.replicas.map((r) => ask(r.host, r.httpPort, path, trust, wanted, signal))]);
  let top: Extract<Answer, { ok: true }> | undefined;
  for (const a of [shared, ...answers]) if (a.ok && (top === undefined || a.seq > top.seq)) top = a;
  if (top !== undefined) return top;
  const why = answers.map((a, i) => `replica ${i}: ${a.ok ? 'ok' : a.why}`).join('; ');
  throw new ByzClientError('no-proof', `no replica gave a valid proof of ${what} (${why}; ${shared.ok ? '' : shared.why})`);
}

/** A read proof of `key` at the newest certified checkpoint any replica holds, checked by the light client. */
export async function fetchReadProof(config: ClusterConfig, key: string, timeoutMs: number): Promise<ProvenRead> {
  const a = await best(config, `/proof/kv/${encodeURIComponent(key)}`, (p) => p.kind === 'read' && p.key === key, timeoutMs, `key ${JSON.stringify(key.slice(0, 64))}`);
  const p = a.proven;
  const value = p.kind === 'read' && p.present ? p.value : null;
  return { proof: a.proof, key, value, seq: a.seq, signers: a.signers };
}

/** A write proof of `client`'s request `reqNo`, checked by the light client (no-proof until shares or a checkpoint after it certify it). */
export async function fetchWriteProof(config: ClusterConfig, client: ClientId, reqNo: number, timeoutMs: number): Promise<ProvenWrite> {
  const wanted = (p: Proven): boolean => p.kind === 'write' && p.client === client && p.reqNo === reqNo;
  const a = await best(config, `/proof/client/${client}?reqNo=${reqNo}`, wanted, timeoutMs, `request ${reqNo} of client ${client.slice(0, 16)}…`);
  const result = a.proven.kind === 'write' ? a.proven.result : new Uint8Array(0);
  return { proof: a.proof, client, reqNo, result, seq: a.seq, signers: a.signers };
}
