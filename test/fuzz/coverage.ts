// Block coverage of one call, from V8's own precise coverage (the inspector's Profiler domain, in
// process and synchronous): the feedback of the guided fuzzer (guided.ts). No instrumenting build,
// no native module: V8 counts every basic block of the scripts it runs once started.
//
// What V8 reports per take (counts reset at each take): for each function run since the last take,
// its ranges with counts, where a block with the same count as its enclosing range is merged into it
// and not listed. So a block's count is the count of the innermost listed range that contains it.
// This probe remembers every range it has ever seen per function and gives each one its count that
// way; a feature is a (script, range) that ran at least once.

import { Session } from 'node:inspector';

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
interface FunctionCoverage {
  readonly ranges: readonly Range[];
}
interface ScriptCoverage {
  readonly scriptId: string;
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

/** The count of `r` given the listed ranges of its function (innermost listed range containing it). */
function countOf(r: readonly [number, number], listed: readonly Range[]): number {
  let best: Range | undefined;
  for (const l of listed) {
    if (l.startOffset <= r[0] && r[1] <= l.endOffset && (best === undefined || l.endOffset - l.startOffset < best.endOffset - best.startOffset)) best = l;
  }
  return best?.count ?? 0;
}

class CoverageProbe {
  private readonly session = new Session();
  /** Every range seen so far, per script and function start. */
  private readonly known = new Map<string, Map<number, [number, number][]>>();

  constructor() {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.take();
  }

  private post(method: string, params: object = {}): unknown {
    let out: unknown;
    let failure: string | undefined;
    // An in-process inspector session answers synchronously, before post returns.
    this.session.post(method, params, (err, res) => {
      if (err !== null) failure = err.message;
      out = res;
    });
    if (failure !== undefined) throw new Error(`the inspector refused ${method}: ${failure}`);
    if (out === undefined) throw new Error(`the inspector did not answer ${method} synchronously`);
    return out;
  }

  private take(): readonly ScriptCoverage[] {
    return (this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] }).result;
  }

  /** Clears the counts (call before the run to measure). */
  reset(): void {
    this.take();
  }

  /** The features of what ran since the last reset or collect, in the scripts `include` picks (by URL). */
  collect(include: (url: string) => boolean): string[] {
    const out: string[] = [];
    for (const script of this.take()) {
      if (!include(script.url)) continue;
      let fns = this.known.get(script.scriptId);
      if (fns === undefined) this.known.set(script.scriptId, (fns = new Map<number, [number, number][]>()));
      for (const fn of script.functions) {
        const head = fn.ranges[0];
        if (head === undefined || head.count === 0) continue;
        let ranges = fns.get(head.startOffset);
        if (ranges === undefined) fns.set(head.startOffset, (ranges = []));
        for (const r of fn.ranges) {
          if (!ranges.some((k) => k[0] === r.startOffset && k[1] === r.endOffset)) ranges.push([r.startOffset, r.endOffset]);
        }
        for (const k of ranges) {
          if (countOf(k, fn.ranges) > 0) out.push(`${script.scriptId}:${k[0]}-${k[1]}`);
        }
      }
    }
    return out;
  }
}

/** The process's probe (block coverage runs from this module's first evaluation on). */
export const coverage = new CoverageProbe();
