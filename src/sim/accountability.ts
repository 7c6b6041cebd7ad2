// Accountability in the simulator (SPEC C1–C5): every replica's core runs inside the accountability
// wrapper (src/accountability), exactly as in the real node (core.ts builds it; Twins alone runs
// bare cores); this module feeds it the symptoms ingress sees on a replica's link, and judges the result:
//   C5 — no honest replica ever adopts evidence against an honest replica (a violation, like any
//        other checker's, with the replay command);
//   the summary lists who holds evidence against whom, and the highest threat level any honest
//   replica reached, with its reasons.

import type { CryptoSuite } from '../core/crypto-port.ts';
import type { PublicKey, ReplicaId } from '../core/ids.ts';
import type { DropReason } from '../core/drops.ts';
import type { AccountableInput } from '../accountability/accountable.ts';
import { symptomOfIngressDrop } from '../accountability/ingress-symptoms.ts';
import type { ExportableEvidence } from '../accountability/file.ts';
import { exportEvidenceFile } from '../accountability/file.ts';
import type { ThreatLevel } from '../protocol/types.ts';
import type { CoreEvent } from '../protocol/types.ts';
import type { EngineParams } from '../engine/module.ts';
import type { SigningDomain } from '../wire/domain.ts';
import type { Violation } from './checkers.ts';
import type { SimCore } from './core.ts';

/** The symptom input for an ingress drop on `from`'s link (authenticated; integrity unless --corrupt). */
export function symptomInput(from: ReplicaId, reason: DropReason, linkIntegrity: boolean): AccountableInput | undefined {
  const symptom = symptomOfIngressDrop(reason, linkIntegrity);
  return symptom === undefined ? undefined : { type: 'symptom', replica: from, symptom };
}

/** C5: evidence adopted by an honest replica against an honest replica is a violation. */
export function checkEvidenceEvent(reporter: ReplicaId, ev: CoreEvent, isByzantine: (id: number) => boolean, tick: number): Violation | undefined {
  if (ev.type !== 'evidence' || isByzantine(ev.accused)) return undefined;
  return {
    checker: 'accountability',
    tick,
    detail: `honest replica ${reporter} holds ${ev.kind} evidence against honest replica ${ev.accused}: ${ev.reason} (SPEC C5)`,
  };
}

export interface EvidenceRow {
  readonly accused: number;
  readonly kind: string;
  /** Honest replicas holding it. */
  readonly heldBy: readonly number[];
}

export interface AccountabilityReport {
  readonly evidence: readonly EvidenceRow[];
  /** The highest threat level an honest replica shows at the end, and its reasons. */
  readonly threat: { readonly level: ThreatLevel; readonly replica: number; readonly reasons: readonly string[] };
  /** Messages honest replicas dropped because their sender was quarantined. */
  readonly quarantinedDrops: number;
}

const LEVELS: readonly ThreatLevel[] = ['low', 'medium', 'high', 'critical'];

export interface HonestCore {
  readonly id: ReplicaId;
  readonly core: SimCore;
}

/** What the honest replicas hold at the end of a run. */
export function accountabilityReport(honest: readonly HonestCore[]): AccountabilityReport {
  const rows = new Map<string, { accused: number; kind: string; heldBy: number[] }>();
  let threat: AccountabilityReport['threat'] = { level: 'low', replica: honest[0]?.id ?? 0, reasons: [] };
  let quarantinedDrops = 0;
  for (const { id, core } of honest) {
    const a = core.accountability();
    if (a === undefined) continue;
    quarantinedDrops += a.quarantinedDrops;
    for (const e of a.evidence) {
      const key = `${e.accused}/${e.kind}`;
      const row = rows.get(key) ?? { accused: e.accused, kind: e.kind, heldBy: [] };
      row.heldBy.push(id);
      rows.set(key, row);
    }
    if (LEVELS.indexOf(a.threat.level) > LEVELS.indexOf(threat.level)) threat = { level: a.threat.level, replica: id, reasons: a.threat.reasons };
  }
  const evidence = [...rows.values()].sort((x, y) => x.accused - y.accused || x.kind.localeCompare(y.kind));
  return { evidence, threat, quarantinedDrops };
}

/** The evidence file of everything the honest replicas hold (one record per accused and kind). */
export function simEvidenceFile(
  suite: CryptoSuite, params: EngineParams, replicaKeys: readonly PublicKey[], domain: SigningDomain, honest: readonly HonestCore[],
): string {
  const seen = new Set<string>();
  const records: ExportableEvidence[] = [];
  for (const { core } of honest) {
    for (const e of core.accountability()?.evidence ?? []) {
      const key = `${e.accused}/${e.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      records.push(e);
    }
  }
  const scheme = suite.name === 'ed25519' ? 'ed25519' : 'sim';
  return exportEvidenceFile(
    { scheme, n: replicaKeys.length, replicaKeys, domain, params: { windowSize: params.windowSize, checkpointInterval: params.checkpointInterval } },
    records,
  );
}
