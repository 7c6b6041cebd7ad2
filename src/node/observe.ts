// Turns a round's executed batches and core events into metrics and logs (SPEC E1, E2).

import type { CoreEvent, ExecutedBatch } from '../protocol/types.ts';
import type { NodeMetrics } from '../metrics/metrics.ts';
import type { Logger } from '../log/logger.ts';
import type { RoundStats } from './driver.ts';
import { refusalKind } from '../service/quota.ts';

type RoundAudit = (executed: readonly ExecutedBatch[], events: readonly CoreEvent[]) => void;

export type RoundObserver = (executed: readonly ExecutedBatch[], events: readonly CoreEvent[], round: RoundStats) => void;

/**
 * One observer per node: proposal times by seq (at the primary) feed the commit-latency histogram;
 * the audit trail, when on, gets the round's batches and events as one append (src/node/audit.ts).
 */
export function createRoundObserver(m: NodeMetrics, log: Logger, audit?: { observe: RoundAudit }): RoundObserver {
  const proposedAt = new Map<number, number>();
  return (executed, events, round) => {
    m.processing.observe(round.handleMs / 1000);
    if (round.persistOps > 0) m.storageFlush.observe(round.flushMs / 1000);
    observeRound(m, log, proposedAt, executed, events, round);
    audit?.observe(executed, events);
  };
}

function observeRound(m: NodeMetrics, log: Logger, proposedAt: Map<number, number>, executed: readonly ExecutedBatch[], events: readonly CoreEvent[], round: RoundStats): void {
  const now = performance.now();
  for (const ev of events) observeEvent(m, log, proposedAt, ev, now, round);
  for (const b of executed) {
    m.committedBatches.inc();
    m.committedOps.inc(b.executed.length);
    m.batchSize.observe(b.executed.length);
    for (const e of b.executed) {
      const kind = refusalKind(e.result);
      if (kind !== undefined) m.quotaRefusals.inc({ reason: kind });
    }
    const t = proposedAt.get(b.seq);
    if (t !== undefined) {
      m.commitLatency.observe((now - t) / 1000);
      proposedAt.delete(b.seq);
    }
  }
  if (proposedAt.size > 100_000) proposedAt.clear();
}

/** What a view change's log lines say about the round it happened in: how long its input waited, how much was queued behind it, the round's own cost. */
function roundLog(r: RoundStats): Record<string, number> {
  const ms = (x: number): number => Math.round(x * 10) / 10;
  return { waitedMs: ms(r.waitedMs), queued: r.queued, inputs: r.inputs, handleMs: ms(r.handleMs), flushMs: ms(r.flushMs) };
}

function observeEvent(m: NodeMetrics, log: Logger, proposedAt: Map<number, number>, ev: CoreEvent, now: number, round: RoundStats): void {
  switch (ev.type) {
    case 'drop':
      m.messagesDropped.inc({ reason: ev.reason });
      return;
    case 'batch-proposed':
      proposedAt.set(ev.seq, now);
      return;
    case 'leader-suspected':
      m.leaderSuspicions.inc({ reason: ev.reason });
      log.info({ view: ev.view, reason: ev.reason, ...(ev.detail === undefined ? {} : { detail: ev.detail }) }, 'leader suspected');
      return;
    case 'view-change-started':
      m.viewChanges.inc();
      log.warn({ view: ev.view, round: roundLog(round) }, 'view change started');
      return;
    case 'new-view-installed':
      m.view.set(ev.view);
      log.info({ view: ev.view, primary: ev.primary, round: roundLog(round) }, 'new view installed');
      return;
    case 'checkpoint-stable':
      m.checkpoints.inc();
      m.stableCheckpoint.set(ev.seq);
      log.debug({ seq: ev.seq, digest: ev.stateDigest }, 'checkpoint stable');
      return;
    case 'state-transfer-started':
      m.stateTransfers.inc();
      log.info({ seq: ev.seq, from: ev.from }, 'state transfer started');
      return;
    case 'state-transfer-done':
      log.info({ seq: ev.seq }, 'state transfer done');
      return;
    case 'evidence':
      m.evidence.inc({ kind: ev.kind });
      log.warn({ accused: ev.accused, kind: ev.kind, reason: ev.reason, reporter: ev.reporter }, 'evidence');
      return;
    case 'peer-state':
      log.info({ replica: ev.replica, state: ev.state, score: ev.score }, 'peer state changed');
      return;
    case 'fault-found': // the accountability layer checks it; 'evidence' follows when it holds
      return;
    case 'threat-level':
      log.warn({ level: ev.level, reasons: ev.reasons }, 'threat level changed');
      return;
    default: {
      const never: never = ev;
      return never;
    }
  }
}
