// The shape of a readiness report (`byz validate`): gates grouped in sections, each with a verdict,
// the measured value, the threshold it was held to and a one-line reason; GO when no gate failed.

export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export type Section = 'config' | 'sim' | 'cluster';

export interface Gate {
  /** Stable id, e.g. `config.quorum`, `cluster.failover` (tests and --json consumers key on it). */
  readonly id: string;
  readonly section: Section;
  readonly title: string;
  readonly verdict: Verdict;
  /** What was measured or found, in words and units. */
  readonly measured: string;
  /** What it was held to. */
  readonly threshold: string;
  /** One line: why this verdict. */
  readonly reason: string;
  /** The figures behind `measured`, for machines. */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface Report {
  readonly config: string;
  readonly verdict: 'GO' | 'NO-GO';
  readonly quick: boolean;
  readonly n: number | null;
  readonly f: number | null;
  readonly elapsedMs: number;
  readonly gates: readonly Gate[];
  /** The reason of every failed gate, prefixed with its id. */
  readonly reasons: readonly string[];
}

/** Builds a gate (a helper that keeps gate construction one line at each call site). */
export function gate(id: string, section: Section, title: string, verdict: Verdict, measured: string, threshold: string, reason: string, data?: Record<string, unknown>): Gate {
  return { id, section, title, verdict, measured, threshold, reason, ...(data === undefined ? {} : { data }) };
}

/** A gate that did not run because an earlier one made it meaningless. */
export function skipped(id: string, section: Section, title: string, why: string): Gate {
  return gate(id, section, title, 'skip', '—', '—', why);
}
