// The slow-primary detector (docs/PROTOCOL.md §10). Aardvark (Clement et al., NSDI '09 §4.3,
// "adaptive view change"): a primary that delays every batch to just under the request timeout is
// never suspected by timeouts (src/sim/byzantine/slow-adaptive.ts cuts throughput to ~0.2× with no
// view change), so each backup also watches the primary's throughput and votes it out when it falls
// below a fraction of what the cluster has shown it can do:
//
//   - throughput is counted per check period (slowPrimaryPeriodTicks): the work executed here, in
//     request cost units (core/limits.ts requestCost: one per request of up to 4 KiB, one more per
//     further 4 KiB). Counted in requests, a flood of 64 KiB ops (`byz bench --attack c:oversized`)
//     made every honest primary look slow: each costs the cluster what twenty small ones do, so the
//     requests executed per period fell under the bar while the primary ordered all it was given;
//   - the expectation is learnt from what this cluster actually did, never a configured absolute
//     rate: the highest of the MEDIAN periods of the last n views and of this one (a view's figure is
//     the peak of its running median, so a primary that turns slow cannot lower it). Aardvark holds the
//     primary to the best period ("the maximum throughput observed during the last n views"); on real
//     processes an honest primary's 1 s periods under steady load measured 0.73–0.93 of the best
//     one (bench/README.md, "Why it fires on an honest primary"), so the best period replaced honest
//     primaries. A median is what a primary sustains, and a single fast period does not raise it;
//   - the primary is suspected when SLOW_PERIODS_TO_SUSPECT of the last SLOW_PERIODS_WINDOW checked
//     periods were under the bar (one can be a burst of lost messages; session 17: 2 of 3, not 2 in a
//     row, since a primary held just at the bar passes one period in two and was replaced in up to
//     2.5 s, bench/README.md "Under attack");
//   - a period is checked only when clients were waiting on the primary during it: requests re-sent
//     to this backup (clients send to the primary and re-send to all replicas only when no reply
//     comes in time, TOCS '02 §4.1), batches nearly full (a backlog at the primary), or a steady
//     population of clients served (at least 16, and 75 % of the most served in a period so far: the
//     same clients getting less done); so an idle system, or fewer clients, is never judged;
//   - no check for slowPrimaryGraceTicks after a NEW-VIEW (§4.3's grace period, during which the
//     new primary's throughput is measured);
//   - the requirement starts at slowPrimaryPercent % of the expectation and rises by
//     slowPrimaryRaisePercent points per checked period of the view (§4.3: "periodically raises the
//     level of minimal acceptable throughput"), so that a primary cannot settle at a fixed rate just
//     above the bar. It rises up to slowPrimaryMaxPercent, not to Aardvark's 100 %: at 100 % of a
//     median, half of an honest primary's periods fail it. The price: a primary slow from the
//     cluster's first tick is held to its own median, since no other primary was ever measured
//     (slowPrimaryMaxPercent 100 is Aardvark's rule: it replaces such a primary, and, under load
//     that keeps clients re-sending, every honest one in turn).
//
// Two such periods makes this backup suspect the primary exactly as an expired request
// timer does (view-timeout.ts: a TIMEOUT for the next view; 2f+1 of them change the view). Pure:
// ticks are inputs, the state is plain data, nothing is persisted (a restarted replica learns anew).

import type { View } from '../core/ids.ts';
import { view as toView } from '../core/ids.ts';
import { isPrimary } from './context.ts';
import type { ReplicaState, SlowPrimaryState } from './state.ts';
import type { Request } from '../wire/messages.ts';
import { requestKey } from '../service/types.ts';
import { requestCost } from '../core/limits.ts';

export function emptySlowPrimary(): SlowPrimaryState {
  return { view: toView(0), periodStart: 0, executed: 0, work: 0, resent: 0, batches: 0, loaded: false, periodClients: new Set(), clientsPeak: 0, periods: [], viewPeak: 0, checks: 0, window: 0, lastShortfall: undefined, history: [], slowAt: undefined, slowViews: [] };
}

/**
 * Before a batch executes here: count its requests toward the current period, and how many of them
 * were queued at this replica — sent to it by a client that got no reply in time (§4.1).
 */
export function noteExecuting(st: ReplicaState, requests: readonly Request[]): void {
  const sp = st.slowPrimary;
  sp.executed += requests.length;
  sp.batches++;
  for (const r of requests) {
    sp.work += requestCost(r.op.length);
    sp.periodClients.add(r.client);
    if (st.svc.pending.has(requestKey(r.client, r.reqNo))) sp.resent++;
  }
}

/** The verdict of one tick: 'slow' when a period just ended below the requirement. */
export type SlowPrimaryVerdict = 'ok' | 'slow';

/**
 * On tick (normal status): note whether a client request is queued here, and at the end of each
 * period judge it (Aardvark §4.3). A new view first moves the old view's peak median to the history.
 */
export function tickSlowPrimary(st: ReplicaState): SlowPrimaryVerdict {
  const sp = st.slowPrimary;
  if (st.params.slowPrimaryPercent === 0 || st.status !== 'normal') return 'ok';
  if (sp.view !== st.view) enterView(st, st.view, st.viewChange.startedTick);
  if (st.svc.pending.size > 0) sp.loaded = true;
  if (st.tick - sp.periodStart < st.params.slowPrimaryPeriodTicks) return 'ok';
  const verdict = judgePeriod(st);
  if (sp.executed > 0) {
    sp.periods.push(sp.work);
    if (sp.periods.length > SLOW_PRIMARY_SAMPLES) sp.periods.shift();
    sp.viewPeak = Math.max(sp.viewPeak, viewMedian(sp.periods) ?? 0);
  }
  sp.periodStart = st.tick;
  sp.executed = 0;
  sp.work = 0;
  sp.resent = 0;
  sp.batches = 0;
  sp.loaded = false;
  sp.clientsPeak = Math.max(sp.clientsPeak, sp.periodClients.size);
  sp.periodClients.clear();
  return verdict;
}

/**
 * Checked periods under the bar, among the last SLOW_PERIODS_WINDOW, before the backup suspects the
 * primary: one short period can be a burst of lost messages (a client waits a retransmission
 * timeout); two of three are the primary's doing far more often. Not two in a row: a primary held
 * just at the bar (`byz bench --attack slow-adaptive@0`, about 0.6 of the median) passes one period
 * in two or three, and two in a row came only after 2–4 checks (replaced in 0.9–2.5 s over nine
 * runs; with two of three 1.5–1.8 s over four, with no view change in seven fault-free windows).
 */
export const SLOW_PERIODS_TO_SUSPECT = 2;
export const SLOW_PERIODS_WINDOW = 3;

/** How many of the last SLOW_PERIODS_WINDOW checked periods were under the bar (the set bits of `window`). */
export function strikes(sp: Pick<SlowPrimaryState, 'window'>): number {
  let n = 0;
  for (let w = sp.window; w > 0; w >>= 1) n += w & 1;
  return n;
}

/** The period that just ended, against the requirement; a checked period raises the next one's. */
function judgePeriod(st: ReplicaState): SlowPrimaryVerdict {
  const sp = st.slowPrimary;
  const required = requiredThroughput(st);
  if (!waitedOn(st) || isPrimary(st) || inGrace(st) || required === undefined) {
    sp.window = 0;
    return 'ok';
  }
  const percent = requiredPercent(st);
  sp.checks++;
  const under = sp.work < required;
  sp.window = ((sp.window << 1) | (under ? 1 : 0)) & ((1 << SLOW_PERIODS_WINDOW) - 1);
  if (under) {
    const expected = expectedThroughput(sp) ?? 0;
    sp.lastShortfall = `executed ${sp.work} units of work (${sp.executed} requests) in the period, under ${Math.ceil(required)} (${percent} % of the expected ${expected}, the highest median period of recent views; check ${sp.checks} of this view)`;
  }
  if (!under || strikes(sp) < SLOW_PERIODS_TO_SUSPECT) return 'ok';
  sp.slowAt = sp.work;
  return 'slow';
}

/**
 * Clients were waiting on the primary during the period, by any of three signs (the third,
 * steadyPopulation, below):
 *   - re-sent requests: a request was queued here at some tick, and at least RESENT_PERCENT % of
 *     the requests executed had been re-sent here by their clients (a lost message makes a few
 *     clients re-send; a primary slower than the clients' patience makes many of them: on real
 *     processes, with the client library's adaptive retransmission, 35–47 % of the requests of a
 *     saturated period, honest primary or slow — docs/PROTOCOL.md §10);
 *   - a backlog at the primary: the batches executed were on average at least
 *     BACKLOG_BATCH_PERCENT % full, so the primary had that many requests queued whenever it cut
 *     one. Clients whose retransmission timeout follows the latency they measure (the client
 *     library's) stop re-sending once they have adapted to a slow primary; its full batches still
 *     show that requests wait. Only with batchMaxRequests ≥ BACKLOG_MIN_BATCH: a batch of a few
 *     requests fills at light load.
 */
function waitedOn(st: ReplicaState): boolean {
  const sp = st.slowPrimary;
  if (sp.loaded && 100 * sp.resent >= RESENT_PERCENT * sp.executed) return true;
  if (steadyPopulation(sp)) return true;
  const max = st.params.batchMaxRequests;
  return max >= BACKLOG_MIN_BATCH && sp.batches > 0 && 100 * sp.executed >= BACKLOG_BATCH_PERCENT * max * sp.batches;
}

/**
 * The third sign (session 16): at least POPULATION_MIN clients were served in the period, and at least
 * POPULATION_PERCENT % of the most served in one period so far (the population the expectation was
 * measured with). Clients whose retransmission timeout follows
 * the latency they measure (the client library's, RFC 6298) stop re-sending once they have adapted
 * to a slow primary, and with fair batching (one request per client per batch) a batch holds at
 * most one request per client, so neither sign above showed a primary that held every batch: `byz
 * bench --attack slow-adaptive@0` ran at 0.52–0.61× with no period judged. A steady population of
 * clients whose work drops under the bar is served slower, whatever the clients do; the load that
 * merely gets lighter (fewer clients) is not judged. Clients that slow down all at once are, and cost
 * at most f+1 view changes before the expectation restarts (enterView).
 */
function steadyPopulation(sp: SlowPrimaryState): boolean {
  const now = sp.periodClients.size;
  return now >= POPULATION_MIN && 100 * now >= POPULATION_PERCENT * sp.clientsPeak;
}

/** The fewest clients served in a period for the steady-population sign (a few clients' throughput is their own latency). */
export const POPULATION_MIN = 16;

/** The share of the most clients served in a period, in percent, that keeps a population steady. */
export const POPULATION_PERCENT = 75;

/** Share of a period's executed requests, in percent, that clients re-sent here: they were waiting on the primary. */
export const RESENT_PERCENT = 25;

/** Mean batch fullness, in percent of batchMaxRequests, that shows a backlog at the primary. */
export const BACKLOG_BATCH_PERCENT = 75;

/** The smallest batchMaxRequests whose full batches show a backlog (smaller ones fill at light load). */
export const BACKLOG_MIN_BATCH = 64;

/** The period began within slowPrimaryGraceTicks of the NEW-VIEW that installed this view. */
function inGrace(st: ReplicaState): boolean {
  return st.slowPrimary.periodStart - st.viewChange.startedTick < st.params.slowPrimaryGraceTicks;
}

/** Complete periods of a view kept for its median (a sliding window of the view's most recent ones). */
export const SLOW_PRIMARY_SAMPLES = 32;

/** Periods a view needs before its median counts: one or two can be a burst of backlog after a NEW-VIEW. */
export const SLOW_PRIMARY_MIN_SAMPLES = 3;

/** The median of a non-empty list (the lower middle one of an even count: the reference errs low). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

/** The median period of a view's samples, once it has SLOW_PRIMARY_MIN_SAMPLES; otherwise undefined. */
function viewMedian(periods: readonly number[]): number | undefined {
  return periods.length >= SLOW_PRIMARY_MIN_SAMPLES ? median(periods) : undefined;
}

/** The highest median period of the last n views and of this one; undefined before any. */
export function expectedThroughput(sp: SlowPrimaryState): number | undefined {
  const best = Math.max(sp.viewPeak, ...sp.history);
  return best > 0 ? best : undefined;
}

/** The requirement's percentage now: slowPrimaryPercent raised per checked period, up to slowPrimaryMaxPercent (never under the start). */
export function requiredPercent(st: ReplicaState): number {
  const p = st.params;
  return Math.min(Math.max(p.slowPrimaryPercent, p.slowPrimaryMaxPercent), p.slowPrimaryPercent + p.slowPrimaryRaisePercent * st.slowPrimary.checks);
}

/** Work (cost units) the primary must have executed in a period (a fraction of the expectation); undefined: no expectation yet. */
export function requiredThroughput(st: ReplicaState): number | undefined {
  const expected = expectedThroughput(st.slowPrimary);
  return expected === undefined ? undefined : (expected * requiredPercent(st)) / 100;
}

/**
 * The replica is in view v since `since`: the old view's median joins the history (the last n views
 * kept) — unless this replica has now found f+1 primaries in a row slow. At most f of them were
 * faulty, so a correct one fell under the expectation too: what the cluster did before no longer
 * holds (the machines got slower, the load heavier, a flood of large requests), and voting out
 * every primary in turn would only add view changes. The expectation then starts again from the
 * best of what those primaries did in the periods they were found slow in.
 */
function enterView(st: ReplicaState, v: View, since: number): void {
  const sp = st.slowPrimary;
  if (sp.slowAt === undefined) sp.slowViews.length = 0;
  else sp.slowViews.push(sp.slowAt);
  if (sp.slowViews.length > st.f) {
    const best = Math.max(...sp.slowViews);
    sp.history.length = 0;
    if (best > 0) sp.history.push(best);
    sp.slowViews.length = 0;
  } else if (sp.viewPeak > 0) {
    sp.history.push(sp.viewPeak);
    while (sp.history.length > st.n) sp.history.shift();
  }
  sp.slowAt = undefined;
  sp.view = v;
  sp.periodStart = since;
  sp.executed = 0;
  sp.work = 0;
  sp.periodClients.clear();
  sp.resent = 0;
  sp.batches = 0;
  sp.loaded = false;
  sp.periods.length = 0;
  sp.viewPeak = 0;
  sp.checks = 0;
  sp.window = 0;
}
