// Malicious clients: extra client nodes that are not part of the honest workload (`c:NAME`).
// TOCS '02 §4.1 and SPEC B2/B4: requests are signed, request numbers increase per client and each
// executes at most once, ops are bounded, and a flooding client degrades only itself.
//   bad-signature — requests whose signature does not verify (its own id, or an honest client's);
//   reuse         — one request number sent twice with different ops (validly signed);
//   skip          — request numbers that jump ahead, and now and then a lower (stale) one;
//   oversized     — every 16 ticks, alternately an op one byte over MAX_OP_BYTES (hand-encoded: the
//                   codec refuses it) and an op of exactly MAX_OP_BYTES of garbage (valid, executed
//                   as a bad op);
//   flood         — several fresh requests per tick, duplicates of old ones and garbage bytes.

import type { ClientId } from '../../core/ids.ts';
import { fromHex, reqNo as toReqNo } from '../../core/ids.ts';
import { MAX_OP_BYTES, REQUEST_MAC_BYTES } from '../../core/limits.ts';
import { signature } from '../../core/ids.ts';
import { NO_AUTH, makeAuthenticator } from '../../wire/authenticator.ts';
import { signingBytes } from '../../wire/codec.ts';
import type { Request } from '../../wire/messages.ts';
import { MESSAGE_TAGS } from '../../wire/messages.ts';
import { encodeTransient } from '../../wire/codec.ts';
import { createWorkload } from '../workload.ts';
import type { ClientAdversary, ClientBehaviour, ClientCtx, ClientEmission } from './types.ts';
import { badSig, bump, createRing, pickFrom } from './util.ts';

/** Fresh requests per tick from a flooding client (bounded so a simulated run stays fast). */
const FLOOD_FRESH_PER_TICK = 2;

const NO_SIG = signature(new Uint8Array(64));

/**
 * A validly signed request: the object signNew would make (same fields in the same order), built
 * directly rather than copied from an unsigned one — the flooding client makes two per tick.
 */
function request(ctx: ClientCtx, no: number, op: Uint8Array, client: ClientId = ctx.id): Request {
  const r: { -readonly [K in keyof Request]: Request[K] } = { type: 'request', client, reqNo: toReqNo(no), op, readOnly: false, auth: new Uint8Array(0), sig: NO_SIG };
  r.sig = ctx.signer.sign(signingBytes(ctx.domain, r));
  return r;
}

const toAll = (r: Request): ClientEmission => ({ to: 'all', bytes: encodeTransient(r) });

function badSignature(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  const ops = createWorkload(ctx.prng.fork());
  let no = 1;
  return {
    counts,
    step(tick) {
      if (tick % 3 !== 0) return [];
      const honest = ctx.honestClients.length > 0 && ctx.prng.chance(0.5) ? ctx.prng.pick(ctx.honestClients) : undefined;
      if (honest !== undefined) {
        bump(counts, "requests signed with its key in an honest client's name");
        return [toAll(request(ctx, no++, ops.next(), honest))];
      }
      bump(counts, 'requests with a bad signature');
      return [toAll(badSig(request(ctx, no++, ops.next())))];
    },
  };
}

function reuse(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  const ops = createWorkload(ctx.prng.fork());
  let no = 1;
  return {
    counts,
    step(tick) {
      const phase = tick % 6;
      if (phase === 0) {
        bump(counts, 'first uses of a request number');
        return [toAll(request(ctx, no, ops.next()))];
      }
      if (phase === 2) {
        bump(counts, 'request numbers reused with another op');
        return [toAll(request(ctx, no++, ops.next()))];
      }
      if (phase === 4 && no > 3 && ctx.prng.chance(0.3)) {
        bump(counts, 'old request numbers reused with another op');
        return [toAll(request(ctx, no - 3, ops.next()))];
      }
      return [];
    },
  };
}

function skip(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  const ops = createWorkload(ctx.prng.fork());
  let no = 0;
  return {
    counts,
    step(tick) {
      if (tick % 4 !== 0) return [];
      if (no > 10 && ctx.prng.chance(0.2)) {
        bump(counts, 'stale (lower) request numbers');
        return [toAll(request(ctx, no - ctx.prng.int(1, 5), ops.next()))];
      }
      no += ctx.prng.int(2, 50);
      bump(counts, 'skipped request numbers');
      return [toAll(request(ctx, no, ops.next()))];
    },
  };
}

/** A request whose op is MAX_OP_BYTES + 1 bytes, encoded by hand (the codec asserts its bounds). */
export function oversizedRequestBytes(client: ClientId, no: number, fill: number): Uint8Array {
  const opLen = MAX_OP_BYTES + 1;
  const bytes = new Uint8Array(1 + 32 + 8 + 4 + opLen + 1 + 64 + 4); // … sig, empty auth
  const dv = new DataView(bytes.buffer);
  bytes[0] = MESSAGE_TAGS.request;
  bytes.set(fromHex(client) ?? new Uint8Array(32), 1);
  dv.setUint32(33, Math.floor(no / 2 ** 32));
  dv.setUint32(37, no >>> 0);
  dv.setUint32(41, opLen);
  bytes.fill(fill, 45, 45 + opLen);
  return bytes;
}

function oversized(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  let no = 1;
  return {
    counts,
    step(tick) {
      if (tick % 16 !== 0) return [];
      if (tick % 32 !== 0) {
        bump(counts, 'ops over MAX_OP_BYTES');
        return [{ to: 'all', bytes: oversizedRequestBytes(ctx.id, no++, ctx.prng.int(0, 255)) }];
      }
      bump(counts, 'garbage ops of exactly MAX_OP_BYTES');
      const op = new Uint8Array(MAX_OP_BYTES).fill(ctx.prng.int(0, 255));
      return [toAll(request(ctx, no++, op))];
    },
  };
}

function flood(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  const ops = createWorkload(ctx.prng.fork());
  const old = createRing<Request>(32);
  let no = 1;
  return {
    counts,
    step() {
      const out: ClientEmission[] = [];
      for (let i = 0; i < FLOOD_FRESH_PER_TICK; i++) {
        const r = request(ctx, no++, ops.next());
        old.push(r);
        out.push({ to: ctx.prng.int(0, ctx.n - 1) as ClientEmission['to'], bytes: encodeTransient(r) });
      }
      bump(counts, 'fresh requests', FLOOD_FRESH_PER_TICK);
      const dup = pickFrom(ctx.prng, old);
      if (dup !== undefined) out.push(toAll(dup)); // never undefined: fresh requests were just pushed
      bump(counts, 'duplicate requests');
      const junk = ctx.prng.bytes(ctx.prng.int(1, 40));
      junk[0] = MESSAGE_TAGS.request;
      out.push({ to: 'all', bytes: junk });
      bump(counts, 'garbage requests');
      return out;
    },
  };
}

/**
 * partial-mac: each request's authenticator (src/wire/authenticator.ts) is right for a random
 * non-empty proper subset of the replicas and wrong (one bit flipped) for the rest, so some replicas
 * accept it and others reject it. Two in three are validly signed (the fallback that lets an honest
 * primary's batch prepare everywhere); one in three is not (no honest primary may propose it).
 */
function partialMac(ctx: ClientCtx): ClientAdversary {
  const counts: Record<string, number> = {};
  const ops = createWorkload(ctx.prng.fork());
  let no = 1;
  return {
    counts,
    step(tick) {
      if (tick % 3 !== 0) return [];
      const draft: Request = { type: 'request', client: ctx.id, reqNo: toReqNo(no++), op: ops.next(), readOnly: false, sig: NO_SIG, auth: NO_AUTH };
      const bytes = signingBytes(ctx.domain, draft);
      const auth = makeAuthenticator(ctx.signer, ctx.replicaKeys, bytes);
      const good = ctx.prng.int(1, ctx.n - 1); // replicas 0 … good−1 of a random rotation keep their entry
      const start = ctx.prng.int(0, ctx.n - 1);
      for (let k = good; k < ctx.n; k++) {
        const at = ((start + k) % ctx.n) * REQUEST_MAC_BYTES;
        auth[at] = auth[at]! ^ 1;
      }
      const signed: Request = { ...draft, sig: ctx.signer.sign(bytes), auth };
      if (ctx.prng.chance(1 / 3)) {
        bump(counts, 'partial authenticators, bad signature');
        return [toAll(badSig(signed))];
      }
      bump(counts, `partial authenticators (valid at ${good} of ${ctx.n}), signed`);
      return [toAll(signed)];
    },
  };
}

export const CLIENT_BEHAVIOURS: readonly ClientBehaviour[] = [
  { name: 'bad-signature', summary: "requests whose signature does not verify (its own id, or an honest client's id)", create: badSignature },
  { name: 'reuse', summary: 'request numbers used twice with different ops (validly signed)', create: reuse },
  { name: 'skip', summary: 'request numbers that jump ahead, and now and then a stale lower one', create: skip },
  { name: 'oversized', summary: 'ops one byte over MAX_OP_BYTES, and garbage ops of exactly MAX_OP_BYTES', create: oversized },
  { name: 'flood', summary: `${FLOOD_FRESH_PER_TICK} fresh requests per tick to random replicas, plus duplicates and garbage (alias client-flood)`, create: flood },
  { name: 'partial-mac', summary: 'MAC authenticators valid for only some replicas (TOCS \'02 §3.2, the Aardvark "MAC attack"); a third also badly signed', create: partialMac },
];
