import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId } from '../core/ids.ts';
import type { Connection } from './connection.ts';
import { Dialer, QUICK_REDIAL_AFTER_MS } from './dialer.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A dialer whose backoff is far longer than the test (10 s), with a hand-set clock. */
function dialer(): { d: Dialer; dials: Connection[]; clock: { now: number } } {
  const dials: Connection[] = [];
  const clock = { now: 0 };
  const d = new Dialer(replicaId(0), {
    initialMs: 10_000,
    maxMs: 60_000,
    now: () => clock.now,
    addressOf: () => ({ host: '127.0.0.1', port: 1 }),
    connect: () => {
      const c = Object.create(null) as Connection; // the dialer only compares identities
      dials.push(c);
      return c;
    },
  });
  return { d, dials, clock };
}

describe('dialer', () => {
  it('redials at once when a connection that was up for a while closes (a reset, not a dead peer)', async () => {
    const { d, dials, clock } = dialer();
    d.start();
    assert.equal(dials.length, 1);
    d.opened(dials[0]!);
    clock.now += QUICK_REDIAL_AFTER_MS;
    d.closed(dials[0]!);
    await sleep(50);
    assert.equal(dials.length, 2, 'redialled without waiting out the backoff');
    d.closed(dials[1]!); // the redial failed (the peer is gone after all): back to the backoff
    await sleep(50);
    assert.equal(dials.length, 2);
    d.stop();
  });

  it('a peer that accepts and drops us is redialled at once only once per interval, then after the backoff', async () => {
    const { d, dials, clock } = dialer();
    d.start();
    d.opened(dials[0]!);
    d.closed(dials[0]!); // dropped right after the handshake: the first quick redial
    await sleep(50);
    assert.equal(dials.length, 2);
    d.opened(dials[1]!);
    clock.now += QUICK_REDIAL_AFTER_MS - 1;
    d.closed(dials[1]!); // again within the interval: the backoff (10 s here)
    await sleep(50);
    assert.equal(dials.length, 2);
    d.stop();
  });

  it('a connection that never completed its handshake is not redialled at once', async () => {
    const { d, dials, clock } = dialer();
    d.start();
    clock.now += 10 * QUICK_REDIAL_AFTER_MS;
    d.closed(dials[0]!);
    await sleep(50);
    assert.equal(dials.length, 1);
    d.stop();
  });

  it('stop() cancels a quick redial', async () => {
    const { d, dials, clock } = dialer();
    d.start();
    d.opened(dials[0]!);
    clock.now += QUICK_REDIAL_AFTER_MS;
    d.closed(dials[0]!);
    d.stop();
    await sleep(50);
    assert.equal(dials.length, 1);
  });
});
