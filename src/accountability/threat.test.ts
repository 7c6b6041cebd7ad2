import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import type { PeerState } from '../protocol/types.ts';
import type { PeerStatus } from './suspicion.ts';
import { assessThreat, compareThreat } from './threat.ts';

const WATCH = 20;

/** n − 1 peers (self excluded) with the given states; scores 0 unless suspected. */
function peers(n: number, states: Record<number, PeerState> = {}, scores: Record<number, number> = {}): PeerStatus[] {
  return Array.from({ length: n - 1 }, (_, i) => {
    const state = states[i + 1] ?? 'active';
    return { replica: replicaId(i + 1), state, score: scores[i + 1] ?? (state === 'suspected' ? 60 : 0) };
  });
}

const level = (f: number, ps: PeerStatus[]): string => assessThreat(f, ps, WATCH).level;

test('n = 4 (f = 1): nothing low, watched medium, f implicated high, f + 1 critical', () => {
  assert.equal(level(1, peers(4)), 'low');
  assert.equal(level(1, peers(4, {}, { 2: WATCH })), 'medium');
  assert.equal(level(1, peers(4, {}, { 2: WATCH - 1 })), 'low');
  for (const s of ['suspected', 'offline', 'byzantine'] as const) assert.equal(level(1, peers(4, { 1: s })), 'high', s);
  assert.equal(level(1, peers(4, { 1: 'byzantine', 2: 'offline' })), 'critical');
  assert.equal(level(1, peers(4, { 1: 'suspected', 3: 'suspected' })), 'critical');
});

test('n = 7 (f = 2): suspicion below f medium, evidence high, f high, f + 1 critical', () => {
  assert.equal(level(2, peers(7)), 'low');
  assert.equal(level(2, peers(7, { 3: 'suspected' })), 'medium');
  assert.equal(level(2, peers(7, { 3: 'offline' })), 'medium');
  assert.equal(level(2, peers(7, { 3: 'byzantine' })), 'high');
  assert.equal(level(2, peers(7, { 3: 'suspected', 5: 'offline' })), 'high');
  assert.equal(level(2, peers(7, { 3: 'byzantine', 5: 'byzantine' })), 'high');
  assert.equal(level(2, peers(7, { 1: 'byzantine', 3: 'suspected', 5: 'offline' })), 'critical');
  assert.equal(level(2, peers(7, { 1: 'byzantine', 2: 'byzantine', 3: 'byzantine' })), 'critical');
});

test('reasons name the bound and each implicated replica', () => {
  const t = assessThreat(1, peers(4, { 1: 'byzantine', 2: 'offline' }), WATCH);
  assert.match(t.reasons[0]!, /2 replicas implicated > f = 1: .*safety is no longer guaranteed/);
  assert.ok(t.reasons.some((r) => /replica 1 is Byzantine/.test(r)));
  assert.ok(t.reasons.some((r) => /replica 2 is offline/.test(r)));
  assert.deepEqual(assessThreat(1, peers(4), WATCH).reasons, ['no evidence and no suspicion']);
  assert.ok(compareThreat('critical', 'high') > 0 && compareThreat('low', 'medium') < 0);
});
