// The node driver's round statistics (src/node/driver.ts): how long a round's oldest input waited in
// the inbox and how many inputs were left queued behind it — what the view-change log lines report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeDriver } from './driver.ts';
import type { RoundStats } from './driver.ts';
import { createMemoryStorage } from '../storage/memory.ts';
import { emptyOutput } from '../protocol/types.ts';
import type { Output } from '../protocol/types.ts';

test('each round reports how long its oldest input waited and how many inputs were queued behind it', async () => {
  let clock = 0;
  const handled: string[] = [];
  const core = {
    handle(input: { readonly type: string }): Output {
      handled.push(input.type);
      clock += 2; // each input costs 2 ms of the (fake) clock
      return emptyOutput();
    },
  };
  const rounds: RoundStats[] = [];
  const driver = new NodeDriver<{ readonly type: string }>(core, createMemoryStorage(), {
    release: () => undefined,
    observe: (_e, _ev, r) => rounds.push(r),
    fatal: (e) => assert.fail(String(e)),
  }, { inboxMax: 100, roundMax: 2 }, () => clock);
  for (const t of ['a', 'b', 'c', 'd', 'e']) {
    driver.push({ type: t });
    clock += 1; // queued 1 ms apart: a at 0, … e at 4
  }
  for (let i = 0; i < 100 && rounds.length < 3; i++) await new Promise((r) => setTimeout(r, 1));
  await driver.stop();
  assert.deepEqual(handled, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(rounds.map((r) => r.queued), [3, 1, 0], 'inputs left behind each round of 2');
  // Round 1 starts at 5 (a queued at 0); it costs 4 → round 2 starts at 9 (c at 2); then 13 (e at 4).
  assert.deepEqual(rounds.map((r) => r.waitedMs), [5, 7, 9]);
});
