import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, formatPretty, resolveLogLevel } from './logger.ts';

function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

test('a log line is one JSON object with level, time, name, replica, msg and fields', () => {
  const dest = capture();
  const log = createLogger({ name: 'node', replica: 'r3', level: 'info', destination: dest, env: {} });
  log.info({ seq: 42, view: 1 }, 'committed');
  assert.equal(dest.lines.length, 1);
  const line = dest.lines[0]!;
  assert.ok(line.endsWith('\n'));
  const rec = JSON.parse(line) as Record<string, unknown>;
  assert.equal(rec['level'], 30);
  assert.equal(rec['name'], 'node');
  assert.equal(rec['replica'], 'r3');
  assert.equal(rec['msg'], 'committed');
  assert.equal(rec['seq'], 42);
  assert.equal(rec['view'], 1);
  assert.equal(rec['pid'], process.pid);
  assert.equal(typeof rec['time'], 'number');
});

test('level: option beats BYZ_LOG_LEVEL, which beats the default (info)', () => {
  const dest = capture();
  const fromEnv = createLogger({ name: 'x', destination: dest, env: { BYZ_LOG_LEVEL: 'debug' } });
  fromEnv.debug('shown');
  fromEnv.trace('hidden');
  const byOption = createLogger({ name: 'x', level: 'warn', destination: dest, env: { BYZ_LOG_LEVEL: 'debug' } });
  byOption.info('hidden');
  byOption.warn('shown too');
  const byDefault = createLogger({ name: 'x', destination: dest, env: {} });
  byDefault.debug('hidden');
  byDefault.info('shown as well');
  assert.deepEqual(
    dest.lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['shown', 'shown too', 'shown as well'],
  );
  assert.equal(resolveLogLevel(undefined, { BYZ_LOG_LEVEL: ' ERROR ' }), 'error');
  assert.throws(() => createLogger({ name: 'x', destination: dest, env: { BYZ_LOG_LEVEL: 'loud' } }), /BYZ_LOG_LEVEL/);
});

test('no replica field when no replica is given', () => {
  const dest = capture();
  createLogger({ name: 'cli', destination: dest, env: {} }).info('hi');
  assert.ok(!('replica' in (JSON.parse(dest.lines[0]!) as object)));
});

test('pretty mode writes a human line with level, name, replica, message and extra fields', () => {
  const dest = capture();
  const log = createLogger({ name: 'node', replica: 'r1', pretty: true, destination: dest, env: {} });
  log.warn({ peer: 'r2' }, 'slow peer');
  assert.match(dest.lines[0]!, /^\d\d:\d\d:\d\d\.\d\d\d WARN  node\[r1\] slow peer \{"peer":"r2"\}\n$/);
  assert.equal(formatPretty('not json\n'), 'not json\n');
});
