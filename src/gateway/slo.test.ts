import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSloTracker, isGood } from './slo.ts';
import { DEFAULT_SLO } from '../config/index.ts';

const slo = { availability: 0.99, latencyMs: 100, windowMinutes: 10 };

test('good = answered without a server error within the latency target; 4xx is the service working', () => {
  assert.equal(isGood(slo, 200, 100), true);
  assert.equal(isGood(slo, 404, 5), true);
  assert.equal(isGood(slo, 200, 101), false, 'too slow');
  assert.equal(isGood(slo, 503, 1), false);
  assert.equal(isGood(slo, 504, 1), false);
});

test('budget remaining and burn rates over the window and the last 5 minutes', () => {
  let t = 0;
  const s = createSloTracker(slo, () => t);
  assert.deepEqual(s.state().burnRate, { window: 0, short: 0 });
  assert.equal(s.state().budgetRemaining, 1, 'no operations: nothing spent');
  for (let i = 0; i < 99; i++) s.record(200, 10);
  assert.equal(s.record(503, 10), 'bad');
  // 1 bad in 100 at a 1% budget: exactly on budget.
  assert.equal(s.state().total, 100);
  assert.ok(Math.abs(s.state().burnRate.window - 1) < 1e-9);
  assert.ok(Math.abs(s.state().budgetRemaining) < 1e-9);
  // Six minutes later, a burst of errors: the short window burns far faster than the long one.
  t = 6 * 60_000;
  for (let i = 0; i < 10; i++) s.record(200, 500);
  const st = s.state();
  assert.equal(st.bad, 11);
  assert.ok(st.burnRate.short > 50, `short ${st.burnRate.short}`);
  assert.ok(st.burnRate.window > 9 && st.burnRate.window < 11, `window ${st.burnRate.window}`);
  assert.ok(st.budgetRemaining < 0, 'overspent');
  // Past the window everything has aged out.
  t = 30 * 60_000;
  assert.equal(s.state().total, 0);
  assert.equal(s.state().budgetRemaining, 1);
});

test('the default SLO is 99.9% within 1 s over an hour', () => {
  assert.deepEqual(DEFAULT_SLO, { availability: 0.999, latencyMs: 1000, windowMinutes: 60 });
});
