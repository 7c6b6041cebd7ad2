// forge (role: any). TOCS '02 §4 / SPEC B1, B3: every message is signed and links are
// authenticated. This replica replaces about half of its messages with forgeries: a signature that
// does not verify, or the message re-signed under its own key but claiming another replica as the
// sender. Now and then it also relays a request in an honest client's name with a bad signature,
// and sends a false accusation: an EVIDENCE message against an honest peer built from that peer's
// real, non-conflicting messages (the same vote twice, or votes of two views) or from messages it
// forged in the peer's name. None of it may pass ingress or yield evidence against the peer (C5).

import type { ReplicaId } from '../../core/ids.ts';
import { reqNo } from '../../core/ids.ts';
import type { Commit, EvidenceMessage, Prepare, Request } from '../../wire/messages.ts';
import { EVIDENCE_KIND_CODES } from '../../wire/messages.ts';
import type { Adversary, Behaviour, BehaviourCtx, Emission } from './types.ts';
import { badSig, bump, createRing, message, otherDigest, peersOf, resign, signNew } from './util.ts';

/** Chance that one of its messages is replaced by a forgery. */
const FORGE_SHARE = 0.5;
/** Chance per step of a forged client request, and of a false accusation. */
const FAKE_REQUEST_CHANCE = 0.05;
const ACCUSE_CHANCE = 0.02;

function create(ctx: BehaviourCtx): Adversary {
  const counts: Record<string, number> = {};
  const peers = peersOf(ctx.id, ctx.n);
  /** Real votes of honest peers it received (material for false accusations). */
  const seen = createRing<Prepare | Commit>(64);
  let fakeReqNo = 1;

  const claimOther = (): ReplicaId => ctx.prng.pick(peers);

  const forged = (e: Emission): Emission => {
    if (e.kind !== 'message' || e.message.type === 'request') return e;
    const m = e.message;
    if (ctx.prng.chance(0.5)) {
      bump(counts, 'bad signatures');
      return message(e.to, badSig(m));
    }
    bump(counts, 'messages claiming another sender');
    return message(e.to, resign(ctx, { ...m, replica: claimOther() }));
  };

  const fakeRequest = (): Emission | undefined => {
    const client = ctx.clients.length === 0 ? undefined : ctx.prng.pick(ctx.clients);
    if (client === undefined) return undefined;
    bump(counts, "requests forged in a client's name");
    const op = Uint8Array.from([0xff, fakeReqNo & 0xff]);
    const r = signNew<Request>(ctx, { type: 'request', client, reqNo: reqNo(1_000_000 + fakeReqNo++), op, readOnly: false, auth: new Uint8Array(0) });
    return message(ctx.prng.pick(peers), r);
  };

  /** EVIDENCE against an honest peer that must not convince anyone. */
  const falseAccusation = (): Emission | undefined => {
    const votes = seen.items();
    const real = votes.length === 0 ? undefined : ctx.prng.pick(votes);
    if (real === undefined) return undefined;
    const accused = real.replica;
    const base = { type: 'evidence', accused, kind: EVIDENCE_KIND_CODES.equivocation, prePrepares: [], checkpoints: [], viewChanges: [], newViews: [], hsProposals: [], hsVotes: [], replica: ctx.id } as const;
    const prepares: Prepare[] = [];
    const commits: Commit[] = [];
    const variant = ctx.prng.int(0, 2);
    if (variant === 0) {
      // The same real vote twice: no conflict at all.
      if (real.type === 'prepare') prepares.push(real, real);
      else commits.push(real, real);
      bump(counts, 'false accusations (a vote repeated)');
    } else if (variant === 1) {
      // Two real votes of the peer for one seq in different views (a view change, not a lie).
      const other = votes.find((v) => v.type === real.type && v.replica === accused && v.seq === real.seq && v.view !== real.view);
      if (other === undefined) return undefined;
      if (real.type === 'prepare' && other.type === 'prepare') prepares.push(real, other);
      else if (real.type === 'commit' && other.type === 'commit') commits.push(real, other);
      bump(counts, 'false accusations (votes of two views)');
    } else {
      // A "conflicting" vote forged in the peer's name: its signature is the forger's.
      const digest = otherDigest(ctx.hash, real.digest, 'forge');
      if (real.type === 'prepare') prepares.push(real, resign(ctx, { ...real, digest }));
      else commits.push(real, resign(ctx, { ...real, digest }));
      bump(counts, 'false accusations (a forged vote)');
    }
    const ev = signNew<EvidenceMessage>(ctx, { ...base, prepares, commits });
    return message('all', ev);
  };

  return {
    counts,
    observe(input) {
      if (input.type !== 'message') return;
      const m = input.message;
      if ((m.type === 'prepare' || m.type === 'commit') && m.replica !== ctx.id) seen.push(m);
    },
    release(io) {
      const out: Emission[] = [];
      for (const s of io.sends) {
        const e = message(s.to, s.message);
        out.push(ctx.prng.chance(FORGE_SHARE) ? forged(e) : e);
      }
      for (const reply of io.replies) out.push({ kind: 'reply', reply });
      const extra = [ctx.prng.chance(FAKE_REQUEST_CHANCE) ? fakeRequest() : undefined, ctx.prng.chance(ACCUSE_CHANCE) ? falseAccusation() : undefined];
      for (const e of extra) if (e !== undefined) out.push(e);
      return out;
    },
  };
}

export const forge: Behaviour = {
  name: 'forge',
  summary: "replaces half its messages with forgeries (bad signature, or claiming another sender); forges client requests; falsely accuses honest peers",
  provable: false,
  role: 'any',
  create,
};
