// Digest replies (TOCS '02 §5.1.1) in the simulator: a workload whose results are larger than the
// threshold, so most replies carry a digest, with a replica that tampers with every reply it sends
// (the whole result or the digest). The checkers (linearizability of what clients accepted, state
// digests, …) must hold, and digest replies must really have been sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKvApp, encodeKvOp } from '../../src/app/kv.ts';
import type { WorkloadRng } from '../../src/app/types.ts';
import { DEFAULT_SIM_OPTIONS } from '../../src/sim/options.ts';
import type { SimOptions } from '../../src/sim/options.ts';
import { runSimulation } from '../../src/sim/run.ts';
import { parseByzantine } from '../../src/sim/byzantine/spec.ts';

/** Puts of 100-byte values and gets over 4 keys: results (a value, or the value replaced) above 64 bytes. */
function bigValues(rng: WorkloadRng): Uint8Array {
  const key = `k${rng.int(0, 3)}`;
  if (rng.chance(0.5)) return encodeKvOp({ type: 'get', key });
  return encodeKvOp({ type: 'put', key, value: new Uint8Array(100).fill(rng.int(0, 255)) });
}

const app = { path: 'kv-big.mjs', name: 'kv-big', create: createKvApp, workload: bigValues };

function run(extra: Partial<SimOptions>): { ok: boolean; detail: string; digests: number; whole: number } {
  let digests = 0;
  let whole = 0;
  const s = runSimulation(
    { ...DEFAULT_SIM_OPTIONS, ops: 300, seed: 5, app, replyDigestMinBytes: 64, ...extra },
    { onOutput: (_node, out) => out.replies.forEach((r) => (r.type === 'reply-digest' ? digests++ : whole++)) },
  );
  return { ok: s.ok, detail: JSON.stringify(s.violations.slice(0, 3)), digests, whole };
}

test('digest replies: every op completes and the checkers hold, with most replies a digest', () => {
  const r = run({});
  assert.ok(r.ok, r.detail);
  assert.ok(r.digests > 2 * r.whole, `digests ${r.digests}, whole ${r.whole}`);
});

test('digest replies with a replica tampering with every reply (whole results and digests)', () => {
  const spec = parseByzantine('2:tamper');
  assert.ok(spec.ok);
  const r = run({ byzantine: spec.value });
  assert.ok(r.ok, r.detail);
  assert.ok(r.digests > 0);
});

test('digest replies under HotStuff (the same service)', () => {
  const r = run({ protocol: 'hotstuff' });
  assert.ok(r.ok, r.detail);
  assert.ok(r.digests > 2 * r.whole, `digests ${r.digests}, whole ${r.whole}`);
});
