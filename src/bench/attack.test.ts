// `byz bench --attack` (issue 18 item 1): the attack list, the write check (shown to catch a planted
// lost write and a changed value), and the table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttacks } from './attack-spec.ts';
import { lostWrites } from './attack.ts';
import { attackTable } from './report.ts';
import type { AttackResult, RunFigures } from './types.ts';

test('--attack: replica behaviours go to the replica their role needs unless @R says otherwise; c:NAME is a malicious client', () => {
  assert.deepEqual(parseAttacks('slow,equivocate,withhold,withhold@0,c:flood,c:client-flood,c:partial-mac', 4), [
    { kind: 'replica', label: 'slow@0', behaviour: 'slow', replica: 0 },
    { kind: 'replica', label: 'equivocate@0', behaviour: 'equivocate', replica: 0 },
    { kind: 'replica', label: 'withhold@3', behaviour: 'withhold', replica: 3 },
    { kind: 'replica', label: 'withhold@0', behaviour: 'withhold', replica: 0 },
    { kind: 'client', label: 'c:flood', behaviour: 'flood' },
    { kind: 'client', label: 'c:flood', behaviour: 'flood' },
    { kind: 'client', label: 'c:partial-mac', behaviour: 'partial-mac' },
  ]);
  assert.deepEqual(parseAttacks('bad-new-view', 7), [{ kind: 'replica', label: 'bad-new-view@1', behaviour: 'bad-new-view', replica: 1 }]);
  assert.match(parseAttacks('nasty', 4) as string, /unknown attack "nasty": a comma-separated list of replica behaviours \(equivocate, /);
  assert.match(parseAttacks('c:nasty', 4) as string, /unknown client behaviour "c:nasty"/);
  assert.match(parseAttacks('slow@4', 4) as string, /replica 4 is not in a cluster of 4/);
  assert.match(parseAttacks('slow,,withhold', 4) as string, /an empty name/);
});

test('the write check counts a put missing or changed on any honest replica, and nothing when all read back', async () => {
  const writes = [['a', 'x'], ['b', ''], ['c', 'z']] as const;
  const store = new Map<number, Map<string, string>>([1, 2, 3].map((r) => [r, new Map(writes.map(([k, v]) => [k, v]))]));
  const read = (r: number, k: string): Promise<string | null> => Promise.resolve(store.get(r)?.get(k) ?? null);
  assert.equal(await lostWrites([1, 2, 3], writes, read), 0);
  store.get(2)!.delete('b'); // planted: an acknowledged (empty-valued) put lost on replica 2
  store.get(3)!.set('c', 'other'); // planted: another value on replica 3
  assert.equal(await lostWrites([1, 2, 3], writes, read), 2);
});

const figures = (opsPerSec: number): RunFigures => ({ opsPerSec, latencyMs: { p50: 10, p90: 20, p99: 30, max: 40, mean: 12 } }) as unknown as RunFigures;

test('the attack table shows ratios, detection with its cause, recovery only where it applies, and lost writes', () => {
  const row = (over: Partial<AttackResult>): AttackResult => ({
    attack: 'equivocate@0', attacker: 'replica 0 (primary of view 0)', baseline: figures(1000), attacked: figures(800),
    ratio: { opsPerSec: 0.8, p50: 1.5, p99: 2 }, recoveryApplies: true, writesChecked: 300, honestReplicas: 3, writesLost: 0, did: {}, loadAvg: [2, 2, 2], ...over,
  });
  const table = attackTable([
    row({ detectionMs: 637.4, detectedBy: 'evidence (equivocation) at replica 1', recoveryMs: 3384, did: { 'equivocating pre-prepares': 6 } }),
    row({ attack: 'c:flood', attacker: '4 malicious clients', recoveryApplies: false, writesLost: 2, attackerCpuPercent: 41.5 }),
    row({ attack: 'slow@0' }),
  ]).split('\n');
  assert.equal(table.length, 11);
  assert.equal(table[8], '- equivocate@0: equivocating pre-prepares 6');
  assert.equal(table[9], '- c:flood: nothing counted');
  assert.match(table[2]!, /^\| equivocate@0 \| replica 0 \(primary of view 0\) \| 1000 \| 800 \| 0\.8 \| 1\.5 \| 2 \| 637 \(evidence \(equivocation\) at replica 1\) \| 3384 \| 0 of 300 × 3 replicas \|/);
  assert.match(table[2]!, /\| 0 of 300 × 3 replicas \| — \| 2 2 2 \|$/);
  assert.match(table[3]!, /\| none \| n\/a \| 2 of 300 × 3 replicas \| 41\.5 \|/);
  assert.match(table[4]!, /\| none \| none in window \|/);
});
