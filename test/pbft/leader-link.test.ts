// A backup that loses its link to the primary (Input 'peers', src/protocol/leader-link.ts) suspects
// it after the grace, once per loss, by the same TIMEOUT an expired request timer sends; a view
// change still needs 2f+1 of them (docs/PROTOCOL.md §9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Output } from '../../src/protocol/types.ts';
import { emptyLeaderLink, leaderLinkExpired, notePeers } from '../../src/protocol/leader-link.ts';
import { deliver, deliverRequest, makeClient, makeCluster, request, rid, sent, tick, timeOut } from './harness.ts';
import type { Cluster } from './harness.ts';

const GRACE = 5;
const links = (c: Cluster, to: number, ids: readonly number[]): void => {
  c.replicas[to]!.handle({ type: 'peers', connected: ids.map(rid) });
};
const timeouts = (outs: readonly Output[]): number => outs.reduce((k, o) => k + sent(o, 'timeout').length, 0);
const suspicions = (outs: readonly Output[]): string[] => outs.flatMap((o) => o.events.flatMap((e) => (e.type === 'leader-suspected' ? [`${e.reason}@${e.view}`] : [])));

test('the rule: a loss counts only after the link was up, fires once after the grace, and a reconnect cancels it', () => {
  const l = emptyLeaderLink();
  notePeers(l, [rid(2)], rid(0), 0);
  assert.equal(l.lost, undefined, 'never linked to the leader: left to the timers');
  notePeers(l, [rid(0), rid(2)], rid(0), 1);
  notePeers(l, [rid(2)], rid(0), 10);
  assert.deepEqual(l.lost, { leader: rid(0), tick: 10 });
  assert.equal(leaderLinkExpired(l, rid(0), 14, GRACE), false, 'within the grace');
  assert.equal(leaderLinkExpired(l, rid(0), 15, GRACE), true);
  assert.equal(leaderLinkExpired(l, rid(0), 16, GRACE), false, 'once per loss');
  notePeers(l, [rid(0), rid(2)], rid(0), 20);
  notePeers(l, [rid(2)], rid(0), 21);
  notePeers(l, [rid(0), rid(2)], rid(0), 23);
  assert.equal(leaderLinkExpired(l, rid(0), 40, GRACE), false, 'back within the grace: nothing');
  notePeers(l, [rid(2)], rid(0), 50);
  assert.equal(leaderLinkExpired(l, rid(1), 60, GRACE), false, 'the leader changed since: not this one');
  assert.equal(leaderLinkExpired(l, rid(0), 60, 0), false, 'grace 0: off');
});

test('a flapping link suspects the same leader at most once per interval; another leader is not held back', () => {
  const l = emptyLeaderLink();
  const INTERVAL = 100;
  const flap = (down: number): void => {
    notePeers(l, [rid(0), rid(2)], rid(0), down - 1);
    notePeers(l, [rid(2)], rid(0), down);
  };
  flap(10);
  assert.equal(leaderLinkExpired(l, rid(0), 15, GRACE, INTERVAL), true, 'the first loss: after the grace');
  flap(20);
  assert.equal(leaderLinkExpired(l, rid(0), 25, GRACE, INTERVAL), false, 'a second loss within the interval: held');
  assert.equal(leaderLinkExpired(l, rid(0), 114, GRACE, INTERVAL), false);
  assert.equal(leaderLinkExpired(l, rid(0), 115, GRACE, INTERVAL), true, 'still down when the interval has passed: suspected then');
  let fired = 0;
  for (let t = 200; t < 1_000; t += 10) {
    flap(t);
    for (let k = t; k < t + 9; k++) if (leaderLinkExpired(l, rid(0), k, GRACE, INTERVAL)) fired++;
  }
  assert.equal(fired, 8, '80 losses over 800 ticks: one suspicion per 100 ticks');
  notePeers(l, [rid(1), rid(2)], rid(1), 1_000);
  notePeers(l, [rid(2)], rid(1), 1_001);
  assert.equal(leaderLinkExpired(l, rid(1), 1_006, GRACE, INTERVAL), true, 'a new leader: its own first loss is suspected after the grace');
});

test('a backup whose link to the primary closes sends one TIMEOUT for the next view after the grace', () => {
  const c = makeCluster(4, { leaderLinkGraceTicks: GRACE });
  links(c, 1, [0, 2, 3]);
  tick(c, 1, 3);
  links(c, 1, [2, 3]);
  assert.equal(timeouts(tick(c, 1, GRACE - 1)), 0, 'not within the grace');
  const fired = tick(c, 1, 1);
  const t = sent(fired[0]!, 'timeout');
  assert.equal(t.length, 1);
  assert.equal(t[0]!.view, 1);
  assert.deepEqual(suspicions(fired), ['link-lost@1'], 'the event says why (byz_leader_suspicions_total{reason})');
  assert.equal(timeouts(tick(c, 1, 50)), 0, 'once per loss (the timer path re-sends only with requests waiting)');
});

test('no TIMEOUT when the link comes back within the grace, or for a backup that never reached the primary, or when turned off', () => {
  const flap = makeCluster(4, { leaderLinkGraceTicks: GRACE });
  links(flap, 1, [0, 2, 3]);
  links(flap, 1, [2, 3]);
  tick(flap, 1, 2);
  links(flap, 1, [0, 2, 3]);
  assert.equal(timeouts(tick(flap, 1, 50)), 0);

  const never = makeCluster(4, { leaderLinkGraceTicks: GRACE });
  links(never, 2, [1, 3]);
  assert.equal(timeouts(tick(never, 2, 50)), 0);

  const off = makeCluster(4, { leaderLinkGraceTicks: 0 });
  links(off, 1, [0, 2, 3]);
  links(off, 1, [2, 3]);
  assert.equal(timeouts(tick(off, 1, 50)), 0);
});

test('one backup alone that lost the primary does not change the view: 2f+1 TIMEOUTs are needed', () => {
  const c = makeCluster(4, { leaderLinkGraceTicks: GRACE });
  links(c, 1, [0, 2, 3]);
  links(c, 1, [2, 3]);
  const out = tick(c, 1, GRACE).find((o) => sent(o, 'timeout').length > 0)!;
  const t = sent(out, 'timeout')[0]!;
  for (const r of [2, 3]) {
    const o = deliver(c, r, t);
    assert.equal(sent(o, 'timeout').length + sent(o, 'view-change').length, 0, `replica ${r} neither joins nor changes view on one TIMEOUT`);
    assert.equal(c.replicas[r]!.status().view, 0);
  }
  assert.equal(c.replicas[1]!.status().status, 'normal', 'the suspecting backup keeps voting in its view');
});

test('the primary does not suspect itself when a backup link closes', () => {
  const c = makeCluster(4, { leaderLinkGraceTicks: GRACE });
  links(c, 0, [1, 2, 3]);
  links(c, 0, [2, 3]);
  assert.equal(timeouts(tick(c, 0, 20)), 0, 'the primary does not suspect itself');
});

test('every suspicion says why: a request timer, f+1 others (joined)', () => {
  const c = makeCluster(4, { leaderLinkGraceTicks: 0, requestTimeoutTicks: 20, minRequestTimeoutTicks: 20 });
  deliverRequest(c, 1, request(makeClient(), 1, 'k', 'v'));
  const outs = tick(c, 1, 25);
  assert.deepEqual(suspicions(outs), ['request-timeout@1']);
  const t1 = sent(outs.find((o) => sent(o, 'timeout').length > 0)!, 'timeout')[0]!;
  deliverRequest(c, 2, request(makeClient(), 1, 'k', 'v'));
  const t2 = sent(tick(c, 2, 25).find((o) => sent(o, 'timeout').length > 0)!, 'timeout')[0]!;
  deliver(c, 3, t1);
  assert.deepEqual(suspicions([deliver(c, 3, t2)]), ['joined@1'], 'f+1 TIMEOUTs: replica 3 joins, and says so');
});

test('a view change whose new primary is unlinked moves on after the grace (2f+1 VIEW-CHANGEs in), not after the view-change timeout', () => {
  for (const linkedToNew of [false, true]) {
    const c = makeCluster(4, { leaderLinkGraceTicks: GRACE, requestTimeoutTicks: 50, retransmitTicks: 1000 });
    const r = request(makeClient(31), 1, 'k', 'v');
    for (const b of [1, 2, 3]) deliverRequest(c, b, r); // the backups watch it; primary 0 never orders it
    links(c, 2, linkedToNew ? [0, 1, 3] : [0, 3]); // replica 1 leads view 1
    const vcs = timeOut(c, [1, 2, 3], 50);
    for (const vc of vcs) if (vc.replica !== 2) deliver(c, 2, vc);
    assert.deepEqual([c.replicas[2]!.status().status, c.replicas[2]!.status().view], ['view-change', 1]);
    const said = suspicions(tick(c, 2, GRACE + 1));
    assert.deepEqual(said, linkedToNew ? [] : ['link-lost@2'], linkedToNew ? 'a linked new primary gets the view-change timer' : 'an unlinked one only the grace');
  }
});
