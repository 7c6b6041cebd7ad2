import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaId } from '../core/ids.ts';
import { replicaId } from '../core/ids.ts';
import type { ChaosFault, ChaosOptions } from './chaos.ts';
import { formatChaos, parseChaosSpec, withChaos } from './chaos.ts';
import type { TcpTransport } from './tcp.ts';

/** A transport that records what reaches it. */
function fakeTransport(connected: readonly number[]): { t: TcpTransport; sent: [number, number][]; closed: number[]; started: boolean[] } {
  const sent: [number, number][] = [];
  const closed: number[] = [];
  const started: boolean[] = [];
  const t = {
    start: () => { started.push(true); return Promise.resolve(); },
    stop: () => Promise.resolve(),
    sendToReplica: (to: ReplicaId, p: Uint8Array) => void sent.push([to, p[0] ?? -1]),
    sendToClient: () => undefined,
    onMessage: () => undefined,
    connectedReplicas: () => connected.map(replicaId),
    connectedClients: () => [],
    stats: () => { throw new Error('not used'); },
    addresses: () => ({}),
    closeClient: () => undefined,
    closeReplica: (id: ReplicaId) => void closed.push(id),
  } as unknown as TcpTransport;
  return { t, sent, closed, started };
}

/** Manual timers: run() fires those due by `now`. */
function fakeTimers(): { setTimer: (fn: () => void, ms: number) => unknown; clearTimer: (t: unknown) => void; advance: (ms: number) => void; pending: () => number } {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  return {
    setTimer: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (t) => void timers.delete(t as number),
    advance: (ms) => {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}

const opts = (o: Partial<ChaosOptions>): ChaosOptions => ({ dropRate: 0, delayMinMs: 0, delayMaxMs: 0, resetMeanMs: 0, seed: 1, ...o });

describe('chaos mode', () => {
  it('parses a spec, and names what is wrong with a bad one', () => {
    const ok = parseChaosSpec('drop=0.01, delay=5-50,reset=30000,seed=7');
    assert.deepEqual(ok, { ok: true, value: { dropRate: 0.01, delayMinMs: 5, delayMaxMs: 50, resetMeanMs: 30_000, seed: 7 } });
    assert.equal(formatChaos(ok.ok ? ok.value : opts({})), 'drop=0.01,delay=5-50,reset=30000,seed=7');
    assert.deepEqual(parseChaosSpec('delay=20'), { ok: true, value: { dropRate: 0, delayMinMs: 20, delayMaxMs: 20, resetMeanMs: 0, seed: 1 } });
    const bad: [string, RegExp][] = [
      ['drop=0.9', /drop must be a probability from 0 to 0.5, got 0.9/],
      ['drop=-1', /drop must be a probability/],
      ['delay=50-5', /delay must be MS or MIN-MAX/],
      ['delay=20000', /≤ 10000/],
      ['reset=10', /reset must be 0 or whole milliseconds ≥ 100/],
      ['seed=x', /seed must be a whole number/],
      ['loss=0.1', /unknown key "loss"/],
      ['drop', /"drop" is not KEY=VALUE/],
      ['drop=0.1,drop=0.2', /drop is given twice/],
      ['drop=0,reset=0', /it injects nothing/],
      ['', /it injects nothing/],
    ];
    for (const [spec, re] of bad) {
      const r = parseChaosSpec(spec);
      assert.ok(!r.ok && re.test(r.error) && r.error.includes('expected drop=P'), `${spec}: ${JSON.stringify(r)}`);
    }
  });

  it('drops about the asked share of messages to replicas, repeatably for a seed, and counts them', () => {
    const run = (seed: number): { sent: number; faults: number } => {
      const f = fakeTransport([1, 2, 3]);
      let faults = 0;
      const t = withChaos(f.t, opts({ dropRate: 0.2, seed }), { onFault: () => { faults++; } });
      for (let i = 0; i < 2_000; i++) t.sendToReplica(replicaId(1 + (i % 3)), new Uint8Array([i % 256]));
      return { sent: f.sent.length, faults };
    };
    const a = run(7);
    assert.equal(a.sent + a.faults, 2_000);
    assert.ok(a.faults > 320 && a.faults < 480, `~400 of 2000 dropped, got ${a.faults}`);
    assert.deepEqual(run(7), a, 'the same seed makes the same choices');
  });

  it('delays each message within the bounds (so they can overtake each other), and stop() cancels what is pending', async () => {
    const f = fakeTransport([1]);
    const timers = fakeTimers();
    const seen: ChaosFault[] = [];
    const t = withChaos(f.t, opts({ delayMinMs: 10, delayMaxMs: 50, seed: 3 }), { onFault: (x) => void seen.push(x), ...timers });
    for (let i = 0; i < 20; i++) t.sendToReplica(replicaId(1), new Uint8Array([i]));
    timers.advance(9);
    assert.equal(f.sent.length, 0, 'nothing before the minimum delay');
    timers.advance(41);
    assert.equal(f.sent.length, 20, 'everything by the maximum');
    assert.notDeepEqual(f.sent.map(([, b]) => b), [...Array(20).keys()], 'reordered');
    assert.equal(seen.filter((x) => x === 'delay').length, 20);
    t.sendToReplica(replicaId(1), new Uint8Array([99]));
    await t.stop();
    timers.advance(100);
    assert.equal(f.sent.length, 20, 'a message still held when stopped is not sent');
    assert.equal(timers.pending(), 0);
  });

  it('resets a random connected replica link at random intervals from start() on, until stop()', async () => {
    const f = fakeTransport([0, 2, 3]);
    const timers = fakeTimers();
    const t = withChaos(f.t, opts({ resetMeanMs: 1_000, seed: 5 }), { onFault: () => undefined, ...timers });
    timers.advance(10_000);
    assert.deepEqual(f.closed, [], 'nothing before start()');
    await t.start();
    assert.equal(f.started.length, 1);
    timers.advance(60_000);
    assert.ok(f.closed.length > 30 && f.closed.length < 100, `about 60 resets in 60 s, got ${f.closed.length}`);
    assert.deepEqual([...new Set(f.closed)].sort((x, y) => x - y), [0, 2, 3], 'only connected replicas, each of them');
    await t.stop();
    const after = f.closed.length;
    timers.advance(60_000);
    assert.equal(f.closed.length, after);
    t.sendToReplica(replicaId(2), new Uint8Array([1]));
    assert.deepEqual(f.sent, [[2, 1]], 'with no drop or delay asked, a message goes straight through');
  });
});
