// Recovery time: virtual ticks from the primary's failure (its crash, or a partition that leaves it
// without a quorum) to the next committed batch. "Next" means a batch, executed for the first time
// by any replica, that holds at least one request and was not already under way at the failure: it
// belongs to a later view, or its sequence number is above every pre-prepare released before the
// failure. A second failure while one is open (a cascade: the next primary fails too) is part of
// the same recovery.

export type FailureCause = 'crash' | 'isolation';

export interface RecoveryRecord {
  readonly cause: FailureCause;
  readonly primary: number;
  readonly view: number;
  readonly at: number;
  /** Tick of the next committed batch; null when the run ended first. */
  readonly recoveredAt: number | null;
  /** recoveredAt − at, or null. */
  readonly ticks: number | null;
}

export interface RecoveryTracker {
  onPrimaryFailure(cause: FailureCause, primary: number, view: number, tick: number): void;
  /** A pre-prepare was released (by anyone). */
  onPrePrepareSent(seq: number): void;
  /** A batch was agreed (first execution anywhere). */
  onAgreed(view: number, seq: number, requests: number, tick: number): void;
  records(): RecoveryRecord[];
}

/** Most failures recorded (a schedule is short; this only bounds a pathological one). */
const MAX_RECORDS = 64;

interface Open {
  readonly cause: FailureCause;
  readonly primary: number;
  readonly view: number;
  readonly at: number;
  readonly maxSeq: number;
}

export function createRecoveryTracker(): RecoveryTracker {
  const done: RecoveryRecord[] = [];
  let open: Open | undefined;
  let maxSeq = 0;
  return {
    onPrimaryFailure(cause, primary, view, tick) {
      if (open !== undefined || done.length >= MAX_RECORDS) return;
      open = { cause, primary, view, at: tick, maxSeq };
    },
    onPrePrepareSent(seq) {
      if (seq > maxSeq) maxSeq = seq;
    },
    onAgreed(view, seq, requests, tick) {
      if (open === undefined || requests === 0 || (view <= open.view && seq <= open.maxSeq)) return;
      done.push({ cause: open.cause, primary: open.primary, view: open.view, at: open.at, recoveredAt: tick, ticks: tick - open.at });
      open = undefined;
    },
    records() {
      const out = [...done];
      if (open !== undefined) out.push({ cause: open.cause, primary: open.primary, view: open.view, at: open.at, recoveredAt: null, ticks: null });
      return out;
    },
  };
}
