// The failover case (issue 12 item 4): kill -9 of the primary under load, and the time until the
// first batch commits in the new view. The replicas' status ports are polled every POLL_MS; the
// figure for one kill is from the SIGKILL to the first poll at which a surviving replica reports a
// view above the killed primary's, status normal, and an executed seq above every seq executed at
// the kill (so a batch committed in the new view). The killed replica is restarted from its disk and
// the cluster left to settle before the next kill (whose target is the then primary).

import { loadavg } from 'node:os';
import { fetchStatus } from '../cli/procs.ts';
import type { BenchCluster } from './cluster.ts';
import type { RunSettings } from './runner.ts';
import { withCluster } from './runner.ts';
import type { CaseSpec, FailoverResult } from './types.ts';
import { round } from './measure.ts';

/** Status-port poll period: the resolution of the figure (the port allows 200 requests/s per source). */
export const POLL_MS = 10;
/** A kill without a new-view commit within this long counts as a failed failover. */
const GIVE_UP_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HOST = '127.0.0.1';

type Status = NonNullable<Awaited<ReturnType<typeof fetchStatus>>>;

async function statuses(c: BenchCluster, skip: number): Promise<(Status | undefined)[]> {
  return Promise.all(c.config.replicas.map((r, i) => (i === skip ? Promise.resolve(undefined) : fetchStatus(HOST, r.httpPort))));
}

/** Waits until every replica is up, in one view, normal, with its peers connected and executing. */
async function settled(c: BenchCluster, timeoutMs: number): Promise<Status | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const all = await statuses(c, -1);
    const first = all[0];
    const same = first !== undefined && all.every((s) => s !== undefined && s.view === first.view && s.status === 'normal' && s.peers.length === all.length - 1);
    if (same) {
      await sleep(1000);
      const later = await statuses(c, -1);
      if (later.every((s) => s !== undefined && s.view === first.view && s.lastExecuted > first.lastExecuted)) return later[0];
    }
    await sleep(200);
  }
  return undefined;
}

/**
 * One kill: ms to the first new-view commit, and to the first poll that saw a surviving replica in
 * the new view (normal status, so the view change itself is done: the difference is the wait for a
 * batch to commit in it); undefined after GIVE_UP_MS.
 */
async function killPrimary(c: BenchCluster, before: Status): Promise<{ commitMs: number; viewMs: number } | undefined> {
  const victim = before.primary;
  const atKill = await statuses(c, -1);
  const executed = Math.max(...atKill.map((s) => s?.lastExecuted ?? 0));
  const t0 = performance.now();
  let viewMs: number | undefined;
  await c.kill9(victim);
  while (performance.now() - t0 < GIVE_UP_MS) {
    const now = await statuses(c, victim);
    const inNewView = now.filter((s) => s !== undefined && s.view > before.view && s.status === 'normal');
    if (inNewView.length > 0) viewMs ??= performance.now() - t0;
    if (inNewView.some((s) => s!.lastExecuted > executed)) {
      const commitMs = performance.now() - t0;
      return { commitMs, viewMs: viewMs ?? commitMs };
    }
    await sleep(POLL_MS);
  }
  return undefined;
}

export async function runFailover(spec: CaseSpec, s: RunSettings, kills: number): Promise<FailoverResult> {
  s.progress(`failover: n=${spec.n} ${spec.storage}, closed loop ${spec.clients}×${spec.window}, ${kills} kill -9s of the primary`);
  return withCluster(spec, s, async (cluster) => {
    const times: number[] = [];
    const viewTimes: number[] = [];
    let failed = 0;
    await sleep(s.warmupSec * 1000);
    for (let k = 0; k < kills; k++) {
      const before = await settled(cluster, 60_000);
      if (before === undefined) throw new Error('the cluster did not settle (one view, all replicas executing) within 60 s');
      const killedAt = Date.now();
      const r = await killPrimary(cluster, before);
      cluster.restart(before.primary);
      if (r === undefined) failed++;
      else {
        times.push(round(r.commitMs, 1));
        viewTimes.push(round(r.viewMs, 1));
      }
      const what = r === undefined ? `no new-view commit within ${GIVE_UP_MS} ms` : `new view after ${round(r.viewMs, 1)} ms, first new-view commit after ${round(r.commitMs, 1)} ms`;
      s.progress(`  kill ${k + 1}/${kills} at ${new Date(killedAt).toISOString()}: primary ${before.primary} of view ${before.view}: ${what}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
    const res: FailoverResult = { n: spec.n, storage: spec.storage, failoverMs: times, newViewMs: viewTimes, p50, max: sorted[sorted.length - 1] ?? 0, failedKills: failed, loadAvg: loadavg().map((x) => round(x, 2)) };
    s.progress(`  failover n=${spec.n}: p50 ${res.p50} ms, max ${res.max} ms over ${times.length} kills (${failed} failed); load average ${res.loadAvg.join(' ')}`);
    return res;
  });
}
