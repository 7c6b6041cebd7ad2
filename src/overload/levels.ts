// Graceful degradation in named levels (issue 18 item 4), entered and left by measured pressure
// (capacity.ts: the largest of latency / target, pending / pendingHigh, inbox / inboxHigh) with
// hysteresis: a level is entered after `enterPeriods` periods in a row at or above its threshold
// and left after `exitPeriods` periods in a row below `exitRatio` × its threshold, one level at a
// time. The decision is pure; the node shell applies the effects (src/node/overload.ts).

export const LEVELS = ['normal', 'shedding', 'relaxed', 'read-only'] as const;
export type LevelName = (typeof LEVELS)[number];

export interface LevelParams {
  /** Pressure at which shedding, relaxed and read-only are entered (increasing). */
  readonly thresholds: { readonly shedding: number; readonly relaxed: number; readonly 'read-only': number };
  /** A level is left when the pressure stays below exitRatio × its threshold (0 < exitRatio < 1). */
  readonly exitRatio: number;
  readonly enterPeriods: number;
  readonly exitPeriods: number;
  /** The highest level this replica may enter. */
  readonly maxLevel: LevelName;
}

export interface LevelState {
  level: LevelName;
  /** Consecutive periods at or above the next level's threshold / below this level's exit mark. */
  above: number;
  below: number;
}

export function createLevels(): LevelState {
  return { level: 'normal', above: 0, below: 0 };
}

const index = (l: LevelName): number => LEVELS.indexOf(l);

function threshold(p: LevelParams, l: LevelName): number {
  switch (l) {
    case 'normal':
      return 0;
    case 'shedding':
    case 'relaxed':
    case 'read-only':
      return p.thresholds[l];
  }
}

/** One period's pressure; returns the level change it caused, if any. */
export function stepLevel(st: LevelState, pressure: number, p: LevelParams): { readonly from: LevelName; readonly to: LevelName } | undefined {
  const from = st.level;
  const i = index(from);
  const up = i < index(p.maxLevel) ? LEVELS[i + 1] : undefined;
  st.above = up !== undefined && pressure >= threshold(p, up) ? st.above + 1 : 0;
  st.below = i > 0 && pressure < threshold(p, from) * p.exitRatio ? st.below + 1 : 0;
  let to: LevelName | undefined;
  if (up !== undefined && st.above >= p.enterPeriods) to = up;
  else if (i > 0 && st.below >= p.exitPeriods) to = LEVELS[i - 1];
  if (to === undefined) return undefined;
  st.level = to;
  st.above = 0;
  st.below = 0;
  return { from, to };
}

/** What a level does (the shell applies it). Each level keeps the ones below it. */
export interface LevelEffects {
  /** Requests larger than this many encoded bytes are refused (shedding and above); undefined: none. */
  readonly shedBytes: number | undefined;
  /** Clients over their fair share get less (admission.ts heavyFactor; shedding and above). */
  readonly shedHeavy: boolean;
  /** Deliver one timer tick to the core per this many tick periods (relaxed and above): timeouts and the batch timer last this many times longer, so batches grow and fewer timers fire. */
  readonly tickStretch: number;
  /** Only read-only requests are admitted (read-only). */
  readonly readOnly: boolean;
}

export function effectsOf(level: LevelName, p: { readonly shedRequestBytes: number; readonly relaxedTickStretch: number }): LevelEffects {
  switch (level) {
    case 'normal':
      return { shedBytes: undefined, shedHeavy: false, tickStretch: 1, readOnly: false };
    case 'shedding':
      return { shedBytes: p.shedRequestBytes, shedHeavy: true, tickStretch: 1, readOnly: false };
    case 'relaxed':
      return { shedBytes: p.shedRequestBytes, shedHeavy: true, tickStretch: p.relaxedTickStretch, readOnly: false };
    case 'read-only':
      return { shedBytes: p.shedRequestBytes, shedHeavy: true, tickStretch: p.relaxedTickStretch, readOnly: true };
  }
}
