// `byz sim --seeds N --jobs K`: a sweep's seeds run on K worker threads (src/cli/sweep-worker.ts),
// handed out one at a time as workers finish (a seed takes 0.1–30 CPU-seconds, so a fixed split
// would leave workers idle). Each seed's run is the same deterministic run as in the sequential
// sweep, and the result is aggregated in seed order (aggregateSweep), so `--jobs K` prints what
// `--jobs 1` does: the same failures, totals and records, only sooner on a machine with K cores.

import { Worker } from 'node:worker_threads';
import type { SimOptions } from '../sim/options.ts';
import type { DrawnOption, SeedOutcome, SweepResult } from '../sim/sweep.ts';
import { aggregateSweep } from '../sim/sweep.ts';

/** Most worker threads one sweep starts. */
export const MAX_SWEEP_JOBS = 64;

/** What a worker is given once: the sweep's options (the app as its path: functions do not cross threads). */
export interface SweepWorkerData {
  readonly base: Omit<SimOptions, 'app'>;
  readonly appPath: string | undefined;
  readonly fixed: readonly DrawnOption[];
}

/** A worker's answer: one seed's outcome, or why it could not run one. */
export type SweepWorkerReply = { readonly type: 'outcome'; readonly outcome: SeedOutcome } | { readonly type: 'error'; readonly seed: number | undefined; readonly message: string };

export interface SweepJobsHooks {
  /** Called as each seed finishes, in the order they finish (progress display). */
  onRun?(done: number, total: number, failures: number, outcome: SeedOutcome): void;
}

/**
 * Seeds firstSeed..firstSeed+count−1 on min(jobs, count) worker threads; resolves to exactly what
 * runSweep returns for the same arguments. Rejects (and stops every worker) when a worker fails.
 */
export function runSweepJobs(base: SimOptions, firstSeed: number, count: number, fixed: ReadonlySet<DrawnOption>, jobs: number, hooks: SweepJobsHooks = {}): Promise<SweepResult> {
  if (!Number.isSafeInteger(jobs) || jobs < 1 || jobs > MAX_SWEEP_JOBS) throw new RangeError(`jobs must be an integer in [1, ${MAX_SWEEP_JOBS}], got ${jobs}`);
  const { app, ...rest } = base;
  const data: SweepWorkerData = { base: rest, appPath: app?.path, fixed: [...fixed] };
  const outcomes: SeedOutcome[] = [];
  const workers: Worker[] = [];
  let next = firstSeed;
  const end = firstSeed + count;
  let failures = 0;
  const retired = new Set<Worker>();
  return new Promise<SweepResult>((resolve, reject) => {
    let settled = false;
    const stop = (e: Error | undefined): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (e === undefined) resolve(aggregateSweep(base, outcomes));
      else reject(e);
    };
    const feed = (w: Worker): void => {
      if (next < end) return w.postMessage(next++);
      retired.add(w);
      void w.terminate();
    };
    if (count === 0) return stop(undefined);
    for (let i = 0; i < Math.min(jobs, count); i++) {
      const w = newSweepWorker(data);
      workers.push(w);
      w.on('message', (reply: SweepWorkerReply) => {
        if (reply.type === 'error') return stop(new Error(`sweep worker${reply.seed === undefined ? '' : ` (seed ${reply.seed})`}: ${reply.message}`));
        outcomes.push(reply.outcome);
        if (reply.outcome.failure !== undefined) failures++;
        hooks.onRun?.(outcomes.length, count, failures, reply.outcome);
        if (outcomes.length === count) return stop(undefined);
        feed(w);
      });
      w.on('error', (e) => stop(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => {
        if (!settled && !retired.has(w)) stop(new Error(`sweep worker exited (code ${code}) before the sweep was done`));
      });
      feed(w);
    }
  });
}

/**
 * The compiled sweep-worker.js, or (in a checkout, run through tsx) sweep-worker.ts behind a bootstrap
 * that registers tsx in the worker first (Node 20 does not pass the loader on; as src/node/http-host.ts).
 */
function newSweepWorker(workerData: SweepWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData });
  const entry = new URL('./sweep-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { workerData, eval: true });
}
