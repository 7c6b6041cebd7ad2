// Retry backoff kinds (seed 002): the delay sequences cockatiel produces from src/client/backoff.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { backoffProblems, createBackoff } from '../../src/client/backoff.ts';
import type { BackoffOptions } from '../../src/client/backoff.ts';

type Ctx = IRetryBackoffContext<unknown>;

function delays(factory: IBackoffFactory<Ctx>, n: number): number[] {
  const out: number[] = [];
  let b: IBackoff<Ctx> | undefined;
  for (let attempt = 1; attempt <= n; attempt++) {
    const ctx = { attempt, signal: new AbortController().signal, result: { value: undefined } } as unknown as Ctx;
    b = b === undefined ? factory.next(ctx) : b.next(ctx);
    out.push(Math.round(b.duration));
  }
  return out;
}

const opts = (o: Partial<BackoffOptions>): BackoffOptions => ({ kind: 'exponential', initialMs: 10, maxMs: 100, jitter: false, ...o });

test('without jitter: exponential doubles, linear adds, fibonacci sums, all capped at maxMs', () => {
  assert.deepEqual(delays(createBackoff(opts({ kind: 'exponential' })), 6), [10, 20, 40, 80, 100, 100]);
  assert.deepEqual(delays(createBackoff(opts({ kind: 'linear' })), 6), [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(delays(createBackoff(opts({ kind: 'fibonacci' })), 8), [10, 10, 20, 30, 50, 80, 100, 100]);
});

test('with jitter every delay stays within [d/2, d] of the plain sequence (linear, fibonacci) or the cap (exponential)', () => {
  const plain = { linear: delays(createBackoff(opts({ kind: 'linear' })), 8), fibonacci: delays(createBackoff(opts({ kind: 'fibonacci' })), 8) };
  for (const kind of ['linear', 'fibonacci'] as const) {
    const got = delays(createBackoff(opts({ kind, jitter: true }), () => 0.5), 8);
    got.forEach((d, i) => assert.ok(d >= plain[kind][i]! / 2 - 1 && d <= plain[kind][i]! + 1, `${kind} #${i}: ${d}`));
    assert.notDeepEqual(got, plain[kind], 'jitter changes the sequence');
  }
  for (const d of delays(createBackoff(opts({ kind: 'exponential', jitter: true })), 20)) assert.ok(d >= 0 && d <= 100, `exponential ${d}`);
});

test('bad options are named', () => {
  assert.match(backoffProblems(opts({ kind: 'cubic' as never })).join(), /retryBackoff.kind must be one of exponential, linear, fibonacci/);
  assert.match(backoffProblems(opts({ initialMs: 0 })).join(), /initialMs must be at least 1/);
  assert.match(backoffProblems(opts({ maxMs: 5 })).join(), /maxMs must be at least initialMs/);
  assert.deepEqual(backoffProblems(opts({})), []);
});
