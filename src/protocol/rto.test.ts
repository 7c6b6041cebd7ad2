import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRtoSample, emptyRto, rtoTicks } from './rto.ts';

test('RFC 6298 estimator: first sample sets SRTT = R, RTTVAR = R/2; the RTO is clamped', () => {
  const e = emptyRto();
  assert.equal(rtoTicks(e, 2, 40), 40, 'no sample: the ceiling');
  addRtoSample(e, 10);
  assert.deepEqual(e, { srtt: 10, rttvar: 5 });
  assert.equal(rtoTicks(e, 2, 40), 30);
  addRtoSample(e, 2);
  assert.equal(e.srtt, 9);
  assert.equal(e.rttvar, 0.75 * 5 + 0.25 * 8);
  assert.equal(rtoTicks(e, 2, 20), 20, 'ceiling');
  for (let i = 0; i < 200; i++) addRtoSample(e, 0);
  assert.equal(rtoTicks(e, 2, 40), 2, 'floor');
  addRtoSample(e, -3); // a clock never runs backwards: counts as 0
  assert.ok((e.srtt ?? -1) >= 0);
});

test('a latency spike raises the RTO at once through RTTVAR', () => {
  const e = emptyRto();
  for (let i = 0; i < 50; i++) addRtoSample(e, 5);
  const before = rtoTicks(e, 1, 1000);
  addRtoSample(e, 50);
  assert.ok(rtoTicks(e, 1, 1000) > before + 40, 'one slow answer widens the timeout');
});
