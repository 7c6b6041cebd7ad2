// Forensics over audit trails (`byz audit forensics DIR DIR… --config cluster.json`; issue 17 item 1,
// docs/ACCOUNTABILITY.md "Forensics beyond f"). Each trail is first verified in full (verify.ts: hash
// chain, every certificate, every NEW-VIEW's signatures), so everything read here is signed by who it
// names. Then the trails' decisions are compared seq by seq; where two replicas executed different
// batches at one seq, src/accountability/forensics.ts names the culprits from the two commit
// certificates (same view: equivocation) or from the VIEW-CHANGEs inside the NEW-VIEWs the trails
// recorded (across views: amnesia).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CryptoSuite } from '../core/crypto-port.ts';
import { digest, fromHex, seq, view } from '../core/ids.ts';
import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { forensics } from '../accountability/forensics.ts';
import type { ForensicReport } from '../accountability/forensics.ts';
import { ed25519Suite } from '../crypto/index.ts';
import type { Committed } from '../protocol/types.ts';
import { decodeMessage, isClientMessage } from '../wire/codec.ts';
import type { ReplicaMessage, ViewChange } from '../wire/messages.ts';
import { SEGMENT_RE, parseBody, parseRecordLine } from './record.ts';
import type { AuditFailure, AuditVerifyOptions } from './verify.ts';
import { verifyAuditDir } from './verify.ts';

/** What one verified trail says its replica decided, and the VIEW-CHANGEs of the NEW-VIEWs it installed. */
export interface TrailDecisions {
  readonly dir: string;
  readonly replica: number;
  /** seq → the last decision the trail recorded at that seq (a restart may repeat one). */
  readonly decisions: ReadonlyMap<number, Committed>;
  readonly viewChanges: readonly ViewChange[];
}

/** Two replicas that executed different batches at one seq, and who is to blame. */
export interface Divergence {
  readonly seq: number;
  readonly replicas: readonly [number, number];
  readonly views: readonly [number, number];
  readonly report: ForensicReport;
}

export interface TrailForensics {
  readonly trails: readonly { readonly dir: string; readonly replica: number; readonly decisions: number; readonly viewChanges: number }[];
  /** Seqs decided by at least two of the trails (where they could disagree). */
  readonly compared: number;
  readonly divergences: readonly Divergence[];
}

/** Verifies every trail, then compares them; a trail that does not verify ends it (with its failure). */
export function forensicsOfTrails(dirs: readonly string[], opts: AuditVerifyOptions): Result<TrailForensics, AuditFailure & { readonly dir: string }> {
  const trails: TrailDecisions[] = [];
  for (const dir of dirs) {
    const v = verifyAuditDir(dir, opts);
    if (!v.ok) return err({ dir, ...v.error });
    trails.push(readDecisions(dir, v.value.replica, opts.suite ?? ed25519Suite));
  }
  const viewChanges = trails.flatMap((t) => t.viewChanges);
  const divergences: Divergence[] = [];
  let compared = 0;
  const seqs = [...new Set(trails.flatMap((t) => [...t.decisions.keys()]))].sort((a, b) => a - b);
  for (const n of seqs) {
    const at = trails.flatMap((t) => {
      const d = t.decisions.get(n);
      return d === undefined ? [] : [{ replica: t.replica, d }];
    });
    if (at.length >= 2) compared++;
    const first = at[0];
    const other = at.find((x) => x.d.digest !== first?.d.digest);
    if (first === undefined || other === undefined) continue;
    divergences.push({ seq: n, replicas: [first.replica, other.replica], views: [first.d.view, other.d.view], report: forensics(first.d, other.d, viewChanges) });
  }
  return ok({
    trails: trails.map((t) => ({ dir: t.dir, replica: t.replica, decisions: t.decisions.size, viewChanges: t.viewChanges.length })),
    compared,
    divergences,
  });
}

/** The decisions and NEW-VIEWs of a trail verifyAuditDir accepted (so every line parses and every message decodes). */
function readDecisions(dir: string, replica: number, suite: CryptoSuite): TrailDecisions {
  const decisions = new Map<number, Committed>();
  const viewChanges: ViewChange[] = [];
  const names = readdirSync(dir).filter((n) => SEGMENT_RE.test(n)).sort();
  for (const name of names) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const rec = parseRecordLine(suite.hash, line);
      const body = rec.ok ? parseBody(rec.value.fields) : undefined;
      if (body === undefined || !body.ok) continue; // the torn last line verify reported
      const b = body.value;
      if (b.type === 'batch') {
        const certificate = b.certificate.map((hex) => decoded(hex)).filter((m): m is ReplicaMessage => m !== undefined);
        decisions.set(b.seq, { epoch: b.epoch, seq: seq(b.seq), view: view(b.view), digest: digest(b.digest), requests: [], certificate });
      } else if (b.type === 'view' && b.newView !== undefined) {
        const nv = decoded(b.newView);
        if (nv?.type === 'new-view') viewChanges.push(...nv.viewChanges);
      }
    }
  }
  return { dir, replica, decisions, viewChanges };
}

function decoded(hex: string): ReplicaMessage | undefined {
  const d = decodeMessage(fromHex(hex)!);
  return d.ok && !isClientMessage(d.value) ? d.value : undefined;
}
