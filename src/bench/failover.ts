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

/**
 * Waits until every replica is up, normal, with its peers connected and executing, and (PBFT) in one
 * view. HotStuff's "view" is its round, which moves with every block, so it is not compared.
 */
async function settled(c: BenchCluster, timeoutMs: number, rotating: boolean): Promise<Status | undefined> {
  const deadline = Date.now() + timeoutMs;
  const sameView = (s: Status, first: Status): boolean => rotating || s.view === first.view;
  while (Date.now() < deadline) {
    const all = await statuses(c, -1);
    const first = all[0];
    const same = first !== undefined && all.every((s) => s !== undefined && sameView(s, first) && s.status === 'normal' && s.peers.length === all.length - 1);
    if (same) {
      await sleep(1000);
      const later = await statuses(c, -1);
      if (later.every((s, i) => s !== undefined && sameView(s, first) && s.lastExecuted > all[i]!.lastExecuted)) return later[0];
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
/** One kill's figures (ms) and when it happened (epoch ms); baselineMs for a rotating leader only. */
interface KillResult {
  readonly commitMs: number;
  readonly viewMs: number;
  readonly killedAt: number;
  /** From the SIGKILL to the victim's exit event (the kernel closes its sockets while it tears the process down). */
  readonly exitMs?: number;
  readonly baselineMs?: number;
}

async function killPrimary(c: BenchCluster, before: Status): Promise<KillResult | undefined> {
  const victim = before.primary;
  const atKill = await statuses(c, -1);
  const executed = Math.max(...atKill.map((s) => s?.lastExecuted ?? 0));
  const t0 = performance.now();
  const killedAt = Date.now();
  let viewMs: number | undefined;
  await c.kill9(victim);
  const exitMs = performance.now() - t0;
  while (performance.now() - t0 < GIVE_UP_MS) {
    const now = await statuses(c, victim);
    const inNewView = now.filter((s) => s !== undefined && s.view > before.view && s.status === 'normal');
    if (inNewView.length > 0) viewMs ??= performance.now() - t0;
    if (inNewView.some((s) => s!.lastExecuted > executed)) {
      const commitMs = performance.now() - t0;
      return { commitMs, viewMs: viewMs ?? commitMs, killedAt, exitMs };
    }
    await sleep(POLL_MS);
  }
  return undefined;
}

/** How long a rotating-leader kill is watched: long enough for the dead replica's turns as leader to come up. */
export const ROTATING_WATCH_MS = 3000;

/**
 * HotStuff (rotating leaders): the leader of a round lives for one block, so "the first commit in a
 * new view" comes within milliseconds whether or not the kill hurt. What a kill costs there is a
 * stall: each round the dead replica would lead has to time out. The figure is the longest gap
 * between two polls that saw the highest executed seq of the survivors advance, over the
 * ROTATING_WATCH_MS after the kill (the one before the kill is reported for comparison as the
 * baseline gap). Every figure is in ms.
 */
async function killRotating(c: BenchCluster, before: Status): Promise<KillResult | undefined> {
  const victim = before.primary;
  const watch = async (skip: number, ms: number, first?: () => Promise<void>): Promise<{ gap: number; advanced: boolean }> => {
    let last = Math.max(...(await statuses(c, skip)).map((s) => s?.lastExecuted ?? 0));
    if (first !== undefined) await first();
    const t0 = performance.now();
    let lastAt = t0;
    let gap = 0;
    let advanced = false;
    while (performance.now() - t0 < ms) {
      await sleep(POLL_MS);
      const now = Math.max(...(await statuses(c, skip)).map((s) => s?.lastExecuted ?? 0));
      const at = performance.now();
      if (now > last) {
        gap = Math.max(gap, at - lastAt);
        lastAt = at;
        last = now;
        advanced = true;
      }
    }
    return { gap: Math.max(gap, performance.now() - lastAt), advanced };
  };
  const baseline = await watch(-1, ROTATING_WATCH_MS);
  let killedAt = 0;
  const after = await watch(victim, ROTATING_WATCH_MS, () => {
    killedAt = Date.now();
    return c.kill9(victim);
  });
  if (!after.advanced) return undefined;
  return { commitMs: after.gap, viewMs: after.gap, killedAt, baselineMs: baseline.gap };
}

export async function runFailover(spec: CaseSpec, s: RunSettings, kills: number): Promise<FailoverResult> {
  const rotating = s.protocol === 'hotstuff';
  const what = rotating ? 'kill -9s of the current leader (HotStuff: the longest commit stall after each)' : 'kill -9s of the primary';
  s.progress(`failover: n=${spec.n} ${spec.storage}, closed loop ${spec.clients}×${spec.window}, ${kills} ${what}`);
  return withCluster(spec, s, async (cluster) => {
    const times: number[] = [];
    const viewTimes: number[] = [];
    let failed = 0;
    await sleep(s.warmupSec * 1000);
    for (let k = 0; k < kills; k++) {
      const before = await settled(cluster, 60_000, rotating);
      if (before === undefined) throw new Error(`the cluster did not settle (${rotating ? '' : 'one view, '}all replicas executing) within 60 s`);
      const r = rotating ? await killRotating(cluster, before) : await killPrimary(cluster, before);
      cluster.restart(before.primary);
      if (r === undefined) failed++;
      else {
        times.push(round(r.commitMs, 1));
        viewTimes.push(round(r.viewMs, 1));
      }
      const what =
        r === undefined
          ? `no ${rotating ? 'commit' : 'new-view commit'} within ${rotating ? ROTATING_WATCH_MS : GIVE_UP_MS} ms`
          : r.baselineMs !== undefined
            ? `longest commit stall ${round(r.commitMs, 1)} ms in the ${ROTATING_WATCH_MS} ms after the kill (${round(r.baselineMs, 1)} ms before it)`
            : `exited after ${round(r.exitMs ?? 0, 1)} ms, new view after ${round(r.viewMs, 1)} ms, first new-view commit after ${round(r.commitMs, 1)} ms`;
      const at = r === undefined ? '' : ` at ${new Date(r.killedAt).toISOString()}`;
      const victim = rotating ? `replica ${before.primary}` : `primary ${before.primary} of view ${before.view}`;
      s.progress(`  kill ${k + 1}/${kills}${at}: ${victim}: ${what}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
    const res: FailoverResult = { n: spec.n, storage: spec.storage, failoverMs: times, newViewMs: viewTimes, p50, max: sorted[sorted.length - 1] ?? 0, failedKills: failed, loadAvg: loadavg().map((x) => round(x, 2)) };
    s.progress(`  failover n=${spec.n}: p50 ${res.p50} ms, max ${res.max} ms over ${times.length} kills (${failed} failed); load average ${res.loadAvg.join(' ')}`);
    return res;
  });
}
