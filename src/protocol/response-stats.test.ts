import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseEvent, ResponseTracker } from './response-stats.ts';
import {
  CLEAR_SCORE, KEEP_MS, LAG_SLACK_MS, MIN_VERDICTS, answerReceived, createResponseTracker, judgeDue, lagBoundMs, requestAbandoned,
  requestSent, responseStats, resultAccepted,
} from './response-stats.ts';

/** One request at `t0`: the replicas in `answers` answer after their ms, the result is accepted at `quorumMs`, judged at +1 s. */
function request(t: ResponseTracker, reqNo: number, t0: number, quorumMs: number, answers: Readonly<Record<number, number>>, first?: number): ResponseEvent[] {
  const events = [...requestSent(t, reqNo, t0, first)];
  const order = Object.entries(answers).map(([r, ms]) => [Number(r), ms] as const).sort((a, b) => a[1] - b[1]);
  let accepted = false;
  for (const [r, ms] of order) {
    if (!accepted && ms > quorumMs) {
      events.push(...resultAccepted(t, reqNo, t0 + quorumMs));
      accepted = true;
    }
    events.push(...answerReceived(t, reqNo, r, t0 + ms));
  }
  if (!accepted) events.push(...resultAccepted(t, reqNo, t0 + quorumMs));
  events.push(...judgeDue(t, t0 + 1_000));
  return events;
}

describe('per-replica response statistics', () => {
  it('the bound: 3× the quorum time, and at least the slack after it', () => {
    assert.equal(lagBoundMs(2), 2 + LAG_SLACK_MS);
    assert.equal(lagBoundMs(100), 300);
  });

  it('counts answers in time, late ones and missing ones, and smooths response times', () => {
    const t = createResponseTracker(4);
    request(t, 1, 0, 10, { 0: 5, 1: 10, 2: 30, 3: 500 });
    const s = responseStats(t);
    assert.deepEqual(s.map((r) => [r.answered, r.late]), [[1, 0], [1, 0], [1, 0], [0, 1]]);
    assert.deepEqual(s.map((r) => r.srttMs), [5, 10, 30, 500]);
    request(t, 2, 2_000, 10, { 0: 5, 1: 10, 2: 13 });
    const s2 = responseStats(t);
    assert.deepEqual(s2.map((r) => [r.answered, r.late]), [[2, 0], [2, 0], [2, 0], [0, 2]]);
    assert.equal(s2[2]!.srttMs, 30 + (13 - 30) / 8);
    assert.equal(s2[3]!.srttMs, 500, 'no answer is no time sample');
  });

  it('suspects a replica that is late for most requests only after enough verdicts, and clears it with hysteresis', () => {
    const t = createResponseTracker(4);
    const raised: number[] = [];
    for (let i = 1; i <= MIN_VERDICTS + 4; i++) {
      for (const ev of request(t, i, i * 2_000, 10, { 0: 5, 1: 8, 2: 9 })) if (ev.type === 'suspected') raised.push(i);
    }
    assert.deepEqual(raised, [MIN_VERDICTS], 'raised once, at the first verdict that allows it');
    assert.equal(responseStats(t)[3]!.suspected, true);
    assert.equal(responseStats(t).filter((r) => r.suspected).length, 1);
    let cleared = 0;
    for (let i = 100; i < 140 && cleared === 0; i++) {
      for (const ev of request(t, i, i * 2_000, 10, { 0: 5, 1: 8, 2: 9, 3: 11 })) if (ev.type === 'cleared') cleared = i;
    }
    assert.ok(cleared > 101, `it takes several timely answers to clear (cleared at request ${cleared})`);
    assert.ok(responseStats(t)[3]!.lagScore < CLEAR_SCORE);
    assert.equal(responseStats(t)[3]!.suspected, false);
  });

  it('judges the first target at once when it answered before the quorum, else at the bound', () => {
    const t = createResponseTracker(4);
    requestSent(t, 1, 0, 0);
    assert.deepEqual(answerReceived(t, 1, 0, 4), []);
    answerReceived(t, 1, 1, 5);
    assert.deepEqual(resultAccepted(t, 1, 6), [{ type: 'first-target', reqNo: 1, replica: 0, onTime: true }]);

    requestSent(t, 2, 100, 0);
    answerReceived(t, 2, 1, 104);
    answerReceived(t, 2, 2, 105);
    assert.deepEqual(resultAccepted(t, 2, 106), [], 'the primary has not answered yet: no verdict');
    assert.deepEqual(answerReceived(t, 2, 0, 110), [{ type: 'first-target', reqNo: 2, replica: 0, onTime: true }], 'within the bound');

    requestSent(t, 3, 200, 0);
    answerReceived(t, 3, 1, 204);
    resultAccepted(t, 3, 206);
    assert.deepEqual(judgeDue(t, 206 + LAG_SLACK_MS - 1), [], 'before the bound nothing is judged');
    const due = judgeDue(t, 200 + lagBoundMs(6));
    assert.deepEqual(due.filter((e) => e.type === 'first-target'), [{ type: 'first-target', reqNo: 3, replica: 0, onTime: false }]);
    assert.deepEqual(answerReceived(t, 3, 0, 400), [], 'an answer after the verdict changes nothing');
  });

  it('an abandoned request, one sent to all, and a replica answering twice give no verdict and no double count', () => {
    const t = createResponseTracker(4);
    requestSent(t, 1, 0, 0);
    answerReceived(t, 1, 1, 5);
    requestAbandoned(t, 1);
    assert.deepEqual(judgeDue(t, 10_000), []);
    assert.deepEqual(responseStats(t).map((r) => r.answered + r.late), [0, 0, 0, 0]);
    const events = request(t, 2, 20_000, 10, { 0: 5, 1: 6, 2: 7, 3: 8 });
    assert.equal(events.filter((e) => e.type === 'first-target').length, 0, 'read-only: sent to all at once');
    answerReceived(t, 2, 0, 20_010);
    assert.equal(responseStats(t)[0]!.answered, 1);
    assert.deepEqual(answerReceived(t, 99, 0, 5), [], 'an unknown request');
    assert.deepEqual(answerReceived(t, 2, 9, 5), [], 'an unknown replica');
  });

  it('keeps at most 16 open requests: the oldest are judged as more start', () => {
    const t = createResponseTracker(1);
    for (let i = 1; i <= 20; i++) {
      requestSent(t, i, i, undefined);
      resultAccepted(t, i, i + 1);
    }
    assert.equal(t.open.length, 16);
    assert.equal(responseStats(t)[0]!.late, 4, 'the 4 oldest were judged: never answered');
    judgeDue(t, 20 + KEEP_MS);
    assert.equal(t.open.length, 1, 'forgotten once more than KEEP_MS passed since it was sent');
    judgeDue(t, 21 + KEEP_MS);
    assert.equal(t.open.length, 0);
    assert.equal(responseStats(t)[0]!.late, 20);
  });
});
