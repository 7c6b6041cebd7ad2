// Forensics beyond f in the simulator (issue 17 item 1; Sheng et al., CCS '21): when f+1 colluding
// replicas (--allow-unsafe) make two honest replicas decide differently, the agreement violation
// carries the forensics of the two commit certificates, which names the colluders — at least f+1 and
// no honest replica — and the 'forensics' checker objects to any report that does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation } from '../../src/sim/run.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';
import { judgeForensics } from '../../src/sim/checkers.ts';
import type { Violation } from '../../src/sim/checkers.ts';
import { digest, replicaId, seq, signature, view } from '../../src/core/ids.ts';
import type { Commit } from '../../src/wire/messages.ts';

function colluding(seed: number): SimOptions {
  const byz = parseByzantine('0:equivocate,1:double-vote');
  assert.ok(byz.ok);
  return { ...DEFAULT_SIM_OPTIONS, ops: 40, seed, byzantine: byz.value, allowUnsafe: true };
}

test('f+1 colluders break agreement; forensics names exactly them, with equivocation evidence', () => {
  let resolved = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const s = runSimulation(colluding(seed));
    assert.deepEqual(s.violations.filter((v) => v.checker === 'forensics'), [], `seed ${seed}`);
    for (const v of s.violations.filter((x) => x.checker === 'agreement')) {
      assert.match(v.detail, /forensics/);
      if (v.forensics?.resolved !== true) continue;
      resolved++;
      const named = v.forensics.culprits.map((e) => e.accused);
      assert.ok(named.length >= 2 && named.every((r) => r === 0 || r === 1), `seed ${seed}: named ${named.join(', ')}`);
    }
  }
  assert.ok(resolved > 0, 'at least one run broke agreement in one view and was resolved');
});

const AMNESIA = ['0:amnesia,1:amnesia', '0:amnesia,2:amnesia', '1:amnesia,2:amnesia'];
const amnesia = (spec: string, seed: number, accountable: boolean): SimOptions => {
  const byz = parseByzantine(spec);
  assert.ok(byz.ok);
  return { ...DEFAULT_SIM_OPTIONS, ops: 40, seed, byzantine: byz.value, allowUnsafe: true, ...(accountable ? {} : { noAccountability: true }) };
};

test('amnesia colluders break agreement across views when undefended; forensics names exactly them, with amnesia evidence', () => {
  let acrossViews = 0;
  for (const spec of AMNESIA) {
    const colluders = spec.split(',').map((x) => Number(x.split(':')[0]));
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const s = runSimulation(amnesia(spec, seed, false));
      assert.deepEqual(s.violations.filter((v) => v.checker === 'forensics'), [], `${spec} seed ${seed}`);
      for (const v of s.violations.filter((x) => x.checker === 'agreement')) {
        assert.ok(v.forensics?.resolved === true, `${spec} seed ${seed}: ${v.detail}`);
        assert.deepEqual(v.forensics.culprits.map((e) => `${e.kind}:${e.accused}`), colluders.map((r) => `amnesia:${r}`));
        acrossViews++;
      }
    }
  }
  assert.ok(acrossViews > 0, 'at least one run broke agreement across views');
});

test('with the accountability layer, amnesia is caught online: honest replicas hold amnesia evidence against both colluders', () => {
  for (const spec of AMNESIA) {
    const colluders = spec.split(',').map((x) => Number(x.split(':')[0]));
    const s = runSimulation(amnesia(spec, 1, true));
    assert.deepEqual(s.violations.filter((v) => v.checker === 'agreement' || v.checker === 'forensics'), [], spec);
    const accused = new Set((s.evidence ?? []).filter((e) => e.kind === 'amnesia').map((e) => e.accused));
    assert.deepEqual([...accused].sort((a, b) => a - b), colluders, `${spec}: ${JSON.stringify(s.evidence)}`);
  }
});

const commit = (r: number, d: string): Commit => ({ type: 'commit', view: view(0), seq: seq(1), digest: digest(d.repeat(64)), replica: replicaId(r), sig: signature(new Uint8Array(64)) });
const violationNaming = (ids: readonly number[]): Violation => ({
  checker: 'agreement',
  tick: 1,
  detail: 'planted',
  forensics: { resolved: true, seq: 1, view: 0, culprits: ids.map((r) => ({ kind: 'equivocation' as const, accused: replicaId(r), messages: [commit(r, 'a'), commit(r, 'b')] })) },
});

test('the forensics checker catches a report that frames an honest replica or names fewer than f+1', () => {
  const honest = (id: number): boolean => id >= 2;
  assert.equal(judgeForensics(violationNaming([0, 1]), 1, honest), undefined);
  assert.match(judgeForensics(violationNaming([0, 2]), 1, honest)?.detail ?? '', /named honest replica\(s\) 2/);
  assert.match(judgeForensics(violationNaming([0]), 1, honest)?.detail ?? '', /fewer than f\+1 = 2/);
});
