// Seed 004's link faults with every checker on: bit flips (`--corrupt`) become counted ingress
// drops, never a crash, a wrong state or evidence against anyone; bounded link queues
// (`--queue-max`) overflow and the protocol's retransmissions carry the run through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS, replayCommand, validateSimOptions } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';

const opts = (o: Partial<SimOptions>): SimOptions => ({ ...DEFAULT_SIM_OPTIONS, ops: 300, ...o });

for (const seed of [1, 2, 3]) {
  test(`--corrupt 0.05 (seed ${seed}): every op commits, no checker objects, every flipped copy is dropped by ingress`, () => {
    const s = runSimulation(opts({ seed, corrupt: 0.05 }));
    assert.deepEqual(s.violations, []);
    assert.equal(s.ops.committed, 300);
    const corrupted = s.messages.corrupted ?? 0;
    assert.ok(corrupted > 0, 'copies were corrupted');
    const ingressDrops = Object.entries(s.messages.dropped).filter(([k]) => k.startsWith('ingress:')).reduce((a, [, v]) => a + v, 0);
    // A flip can land where nothing checks it twice (e.g. a duplicate the core drops as such), so
    // ingress drops are at most the corrupted copies — and most of them.
    assert.ok(ingressDrops <= corrupted && ingressDrops >= corrupted * 0.9, `ingress drops ${ingressDrops}, corrupted ${corrupted}`);
    assert.equal(s.evidence?.length ?? 0, 0, 'a corrupted message is not evidence against its sender');
  });
}

test('--corrupt: a rejected message on a link that flips bits is counted, never blamed on its sender (no suspicion)', () => {
  // Before link integrity was taken into account this exact run ended with all three other replicas
  // suspected and threat level "critical" (docs/SIMULATOR.md, "Corrupted links and blame").
  const s = runSimulation(opts({ seed: 3, corrupt: 0.05, queueMax: 5, loss: 0.02 }));
  assert.deepEqual(s.violations, []);
  const ingressDrops = Object.entries(s.messages.dropped).filter(([k]) => k.startsWith('ingress:')).reduce((a, [, v]) => a + v, 0);
  assert.ok(ingressDrops > 100, `ingress dropped ${ingressDrops} corrupted copies`);
  assert.equal(s.threat?.level, 'low', `threat ${JSON.stringify(s.threat)}`);
});

test('--queue-max 3 with loss: links overflow, the run still commits every op with no violation', () => {
  const s = runSimulation(opts({ seed: 4, queueMax: 3, loss: 0.02 }));
  assert.deepEqual(s.violations, []);
  assert.equal(s.ops.committed, 300);
  assert.ok((s.messages.dropped['queue-full'] ?? 0) > 0, 'some copies met a full link');
});

test('bad values are refused naming the flag; the replay command repeats the faults', () => {
  assert.match(validateSimOptions(opts({ corrupt: 1 })).join(), /--corrupt must be a number in \[0, 1\)/);
  assert.match(validateSimOptions(opts({ queueMax: 0 })).join(), /--queue-max must be an integer/);
  assert.match(replayCommand(opts({ corrupt: 0.01, queueMax: 8 })), /--corrupt 0\.01 --queue-max 8/);
});
