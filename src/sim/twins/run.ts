// Runs one Twins scenario. Virtual time is split into the scenario's rounds of `roundTicks` each,
// then the heal. Each tick:
//   1. the links of the tick: during round r, two nodes can talk when the round's partition puts
//      them in one group, and neither belongs to a primary the leader rule cuts off (below); after
//      the last round every link is up. Clients reach every node at all times;
//   2. messages due now on links that are up are delivered (each node's own ingress checks them);
//   3. each replica node takes one step, then each client — the simulator's own driver
//      (src/sim/step.ts) on a cluster built by its own construction (buildCluster) with the
//      twinned replicas as two nodes each, the cores bare (no accountability layer), and the
//      contradiction checker listening to the twins (see ContradictionScope);
//   4. the checkers have seen everything the honest replicas executed and sent.
// The leader rule — how a Twins "leader of the round" maps onto PBFT, where the primary of view v is
// v mod n (TOCS '02 §4.1) and changes only by a view change (§4.4): at each tick of round r, the
// primary of the honest replicas' view (the (f+1)-th highest view among them) is cut off from every
// node when it is not the round's leader, so the honest replicas time out and change views until
// the leader's view is reached; the leader's own links follow the partition. See docs/TWINS.md.
// The run ends at the first violation, when every op submitted before the heal has committed, or
// `healTicks` after the heal (a liveness violation: PBFT with f faulty replicas must finish).

import { primaryOf } from '../../core/quorum.ts';
import { createKvApp } from '../../app/kv.ts';
import { createSimSuite } from '../../crypto/sim.ts';
import type { Violation } from '../checkers.ts';
import { createSafetyChecker } from '../checkers.ts';
import type { Cluster } from '../cluster.ts';
import { buildCluster } from '../cluster.ts';
import { createLinearizabilityChecker } from '../linearizability.ts';
import { createContradictionChecker } from '../contradiction.ts';
import { createRecoveryTracker } from '../recovery.ts';
import type { SimObserver, StepCtx } from '../step.ts';
import { stepNodes } from '../step.ts';
import { newCounters } from '../summary.ts';
import type { TwinsConfig } from './config.ts';
import { DEFAULT_TWINS_CONFIG, replayCommand, twinsParams } from './config.ts';
import type { TwinsScenario } from './scenario.ts';
import { encodeScenario } from './scenario.ts';

export interface TwinsResult {
  /** The encoded scenario (its id; `byz twins --scenario` takes it). */
  readonly scenario: string;
  /** No violation, and every op submitted before the heal committed after it. */
  readonly ok: boolean;
  readonly violation: Violation | undefined;
  readonly ticks: number;
  /** Tick of the heal (end of the last round). */
  readonly healTick: number;
  readonly submitted: number;
  readonly committed: number;
  /** The honest replicas' view at the end ((f+1)-th highest) and NEW-VIEWs they installed. */
  readonly finalView: number;
  readonly newViews: number;
  /** Ticks during which the leader rule cut a non-leader primary off. */
  readonly forcedTicks: number;
  /** The twins' first self-contradiction (what one correct replica would never send), if any. */
  readonly twinConflict: string | undefined;
  readonly replay: string;
}

/**
 * The view the honest replicas are in: the (f+1)-th highest of their views — at least f+1 of them
 * are there or beyond — but never the lowest one while there are two or more: a primary the leader
 * rule cuts off cannot learn of newer views, and must not pin the view when only f+1 or fewer
 * replicas are honest (the teeth). With one twin pair at n=4 (three honest) it is the median.
 */
export function honestView(world: Cluster): number {
  const views = world.replicas.filter((x) => world.isHonest(x.id) && x.up).map((x) => x.core.status().view as number);
  views.sort((a, b) => b - a);
  return views[Math.max(0, Math.min(world.f, views.length - 2))] ?? 0;
}

/**
 * The world of one scenario: a twinned replica is two nodes with the SAME id and signer but
 * separate state, app and disk (Bano et al., Twins); the simulated signature scheme with the
 * ingress signature cache on (Twins runs sit in view changes for long stretches, re-sending
 * VIEW-CHANGEs whose nested certificates the cache verifies once); FIFO links without loss whose
 * cuts `linkUp` decides tick by tick.
 */
export function createTwinsCluster(s: TwinsScenario, c: TwinsConfig, linkUp: (a: number, b: number) => boolean): Cluster {
  return buildCluster({
    protocol: c.protocol,
    seed: s.seed,
    replicas: s.n,
    clients: c.clients,
    suite: createSimSuite(),
    params: twinsParams(c),
    bugs: {},
    makeApp: createKvApp,
    workload: undefined,
    clientRetransmitTicks: c.clientRetransmitTicks,
    accountable: false,
    sigCache: true,
    twins: s.twins,
    network: { loss: 0, dup: 0, reorder: false, delayMin: c.delayMin, delayMax: c.delayMax, partitions: [], cut: (a, b) => !linkUp(a, b) },
    byzantine: undefined,
  });
}

interface Links {
  /** Node → group index in the current round (all 0 after the heal). */
  group: number[];
  /** Node → cut off by the leader rule now. */
  cut: boolean[];
}

function groupsOf(s: TwinsScenario, round: number, count: number): number[] {
  const group = new Array<number>(count).fill(0);
  s.rounds[round]?.groups.forEach((g, i) => {
    for (const node of g) group[node] = i;
  });
  return group;
}

/**
 * The links of this tick: the round's partition, and the leader rule — the primary of the honest
 * replicas' view is cut off from every node when it is not the round's leader. True when it is.
 */
function setLinks(s: TwinsScenario, world: Cluster, links: Links, round: number): boolean {
  const count = world.replicas.length;
  links.group = groupsOf(s, round, count);
  links.cut = new Array<boolean>(count).fill(false);
  const leader = s.rounds[round]?.leader;
  if (leader === undefined) return false;
  const primary = primaryOf(honestView(world), world.n);
  if (primary === leader) return false;
  for (const node of world.copiesOf[primary] ?? []) links.cut[node] = true;
  return true;
}

export function runTwinsScenario(s: TwinsScenario, config: TwinsConfig = DEFAULT_TWINS_CONFIG, observer: SimObserver = {}): TwinsResult {
  const encoded = encodeScenario(s);
  const links: Links = { group: [], cut: [] };
  // Clients reach every node: the network asks only about links between replica nodes.
  const linkUp = (a: number, b: number): boolean => !links.cut[a] && !links.cut[b] && links.group[a] === links.group[b];
  const world = createTwinsCluster(s, config, linkUp);
  const healTick = s.rounds.length * config.roundTicks;
  const honestCount = world.replicas.filter((x) => world.isHonest(x.id)).length;
  const safety = createSafetyChecker(honestCount);
  const counters = newCounters();
  let tick = 0;
  let violation: Violation | undefined;
  let forcedTicks = 0;
  const ctx: StepCtx = {
    cluster: world,
    safety,
    lin: createLinearizabilityChecker(world.makeApp()),
    contra: createContradictionChecker((n) => safety.agreed(n)),
    contraScope: 'twins',
    recovery: createRecoveryTracker(),
    counters,
    observer,
    record: (v) => {
      violation ??= v;
    },
    tick: () => tick,
    // After the heal clients stop submitting and wait for what they have outstanding.
    submitting: () => tick <= healTick,
  };
  const none = new Set<number>();

  for (;;) {
    tick++;
    if (setLinks(s, world, links, Math.floor((tick - 1) / config.roundTicks))) forcedTicks++;
    stepNodes(ctx, world.network.takeDue(tick), none);
    if (world.network.inFlight() > MAX_IN_FLIGHT) violation ??= storm(world, tick);
    if (violation !== undefined) break;
    if (tick > healTick && world.clients.every((c) => c.core.outstanding() === undefined)) break;
    if (tick >= healTick + config.healTicks) {
      violation = stuck(world, tick, config.healTicks);
      break;
    }
  }
  return {
    scenario: encoded,
    ok: violation === undefined,
    violation,
    ticks: tick,
    healTick,
    submitted: counters.submitted,
    committed: counters.committed,
    finalView: honestView(world),
    newViews: counters.honestNewViews,
    forcedTicks,
    twinConflict: counters.twinConflict,
    replay: replayCommand(encoded, config),
  };
}

/**
 * Messages in flight above which a run stops: far above what a healthy run of a few clients needs,
 * reached only when something amplifies traffic without bound (a run would otherwise exhaust memory).
 */
export const MAX_IN_FLIGHT = 5_000;

function storm(world: Cluster, tick: number): Violation {
  const views = world.replicas.map((x) => `${x.name}:v${x.core.status().view}${x.core.status().status === 'normal' ? '' : '(vc)'}`);
  return {
    checker: 'liveness',
    tick,
    detail: `message storm: ${world.network.inFlight()} messages in flight (bound ${MAX_IN_FLIGHT}); node views ${views.join(' ')}`,
  };
}

function stuck(world: Cluster, tick: number, healTicks: number): Violation {
  const waiting = world.clients.filter((c) => c.core.outstanding() !== undefined).map((c) => `client ${c.index} #${c.core.outstanding()?.reqNo ?? '?'}`);
  return {
    checker: 'liveness',
    tick,
    detail: `${waiting.length} request(s) still uncommitted ${healTicks} ticks after the network healed (${waiting.join(', ')}); honest view ${honestView(world)}`,
  };
}
