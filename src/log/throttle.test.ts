import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger.ts';
import { throttledLog } from './throttle.ts';

function setup(): { lines: Record<string, unknown>[]; clock: { t: number }; log: ReturnType<typeof throttledLog> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ name: 't', level: 'info', env: {}, destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
  const clock = { t: 0 };
  return { lines, clock, log: throttledLog(logger, { intervalMs: 1000, now: () => clock.t }) };
}

test('a flood of one key writes one line per interval, the next carrying the suppressed count', () => {
  const { lines, clock, log } = setup();
  for (let i = 0; i < 500; i++) log.log('warn', 'shed', { reason: 'overloaded' }, 'shedding');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!['suppressed'], undefined);
  assert.equal(lines[0]!['reason'], 'overloaded');
  clock.t = 999;
  log.log('warn', 'shed', {}, 'shedding');
  assert.equal(lines.length, 1, 'still inside the interval');
  clock.t = 1000;
  log.log('warn', 'shed', {}, 'shedding');
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!['suppressed'], 500);
  assert.equal(lines[1]!['level'], 40);
});

test('keys are throttled independently; levels are kept', () => {
  const { lines, log } = setup();
  log.log('warn', 'a', {}, 'a');
  log.log('error', 'b', {}, 'b');
  log.log('warn', 'a', {}, 'a');
  assert.deepEqual(lines.map((l) => [l['msg'], l['level']]), [['a', 40], ['b', 50]]);
});
