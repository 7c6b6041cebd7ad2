import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import type { AccountabilityParams } from './params.ts';
import { DEFAULT_ACCOUNTABILITY_PARAMS, MAX_SCORE, validateAccountabilityParams } from './params.ts';
import { addSymptom, createSuspicion, decay, heardFrom, madeProgress, markByzantine, peerState, peerStatuses } from './suspicion.ts';

const P: AccountabilityParams = { ...DEFAULT_ACCOUNTABILITY_PARAMS, suspectThreshold: 50, decayEveryTicks: 10, offlineAfterTicks: 100 };
const r = replicaId;

test('symptoms add their weight, capped at MAX_SCORE; self is never scored', () => {
  const s = createSuspicion(4, r(0), P);
  addSymptom(s, r(1), 'timeout-as-primary');
  assert.equal(peerStatuses(s)[0]!.score, P.symptomWeights['timeout-as-primary']);
  for (let i = 0; i < 20; i++) addSymptom(s, r(1), 'bad-signature');
  assert.equal(peerStatuses(s)[0]!.score, MAX_SCORE);
  addSymptom(s, r(0), 'bad-signature');
  assert.deepEqual(peerStatuses(s).map((p) => p.replica), [1, 2, 3], 'self is not a peer');
  assert.equal(peerState(s, r(0)), 'active');
});

test('active → suspected at the threshold; decay of one point every D ticks brings it back', () => {
  const s = createSuspicion(4, r(0), P);
  addSymptom(s, r(2), 'sender-mismatch'); // 25
  assert.equal(peerState(s, r(2)), 'active');
  addSymptom(s, r(2), 'sender-mismatch'); // 50
  assert.equal(peerState(s, r(2)), 'suspected');
  for (let t = 1; t < 10; t++) decay(s, t);
  assert.equal(peerStatuses(s)[1]!.score, 50, 'no decay before D ticks');
  decay(s, 10);
  assert.equal(peerStatuses(s)[1]!.score, 49);
  assert.equal(peerState(s, r(2)), 'active');
  for (let t = 11; t <= 10 * 60; t++) decay(s, t);
  assert.equal(peerStatuses(s)[1]!.score, 0, 'never below 0');
});

test('offline: silent for T ticks while we made progress; hearing from it again makes it active', () => {
  const s = createSuspicion(4, r(0), P);
  heardFrom(s, r(3), 5);
  madeProgress(s, 104);
  assert.equal(peerState(s, r(3)), 'active', 'progress 99 ticks after the last message: not yet');
  madeProgress(s, 105);
  assert.equal(peerState(s, r(3)), 'offline');
  assert.equal(peerState(s, r(1)), 'offline', 'never heard from since tick 0');
  heardFrom(s, r(3), 106);
  assert.equal(peerState(s, r(3)), 'active');
  const idle = createSuspicion(4, r(0), P);
  assert.equal(peerState(idle, r(1)), 'active', 'silence without progress (an idle cluster) is not offline');
});

test('byzantine is sticky and wins over every other state', () => {
  const s = createSuspicion(4, r(0), P);
  markByzantine(s, r(1));
  heardFrom(s, r(1), 1000);
  for (let t = 1; t <= 1000; t++) decay(s, t);
  assert.equal(peerState(s, r(1)), 'byzantine');
  markByzantine(s, r(0));
  assert.equal(peerState(s, r(0)), 'active', 'never self');
});

test('parameters are validated', () => {
  assert.deepEqual(validateAccountabilityParams(DEFAULT_ACCOUNTABILITY_PARAMS), []);
  assert.equal(validateAccountabilityParams({ ...P, suspectThreshold: 101 }).length, 1);
  assert.equal(validateAccountabilityParams({ ...P, watchThreshold: 60 }).length, 1);
  assert.equal(validateAccountabilityParams({ ...P, decayEveryTicks: 0 }).length, 1);
  assert.equal(validateAccountabilityParams({ ...P, symptomWeights: { ...P.symptomWeights, flood: -1 } }).length, 1);
});
