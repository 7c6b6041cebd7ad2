// A short check that a loaded app keeps the contract (docs/APPS.md) before a replica or simulator
// relies on it: the factory makes a new object with every method, two fresh instances are equal,
// a snapshot restores, digest = hash(snapshot), and a malformed op gets an answer, not a throw.
// It cannot prove determinism; the simulator's checkers find a non-deterministic app (APPS.md).

import type { Result } from '../core/result.ts';
import { err, ok } from '../core/result.ts';
import { bytesEqual, clientId, seq } from '../core/ids.ts';
import { MAX_OP_BYTES } from '../core/limits.ts';
import { createPrng } from '../core/prng.ts';
import { sha256 } from '../crypto/ed25519.ts';
import type { App, WorkloadFn } from '../app/types.ts';
import { describe } from '../app/guard.ts';

const METHODS = ['execute', 'query', 'snapshot', 'restore', 'digest'] as const;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Calls the factory twice and checks both products. */
export function probeApp(factory: () => unknown): Result<true, string> {
  const a = make(factory);
  if (!a.ok) return a;
  const b = make(factory);
  if (!b.ok) return b;
  if (a.value === b.value) return err('createApp() returned the same object twice; return a new app on every call (each replica and each restart needs its own state)');
  try {
    return behaves(a.value, b.value);
  } catch (e) {
    return err(`the app threw during the start-up check: ${message(e)}; snapshot(), restore() and digest() of a fresh app must work`);
  }
}

function make(factory: () => unknown): Result<App, string> {
  let app: unknown;
  try {
    app = factory();
  } catch (e) {
    return err(`createApp() threw: ${message(e)}; the factory must build a fresh, empty app without failing`);
  }
  if (typeof app !== 'object' || app === null) return err(`createApp() returned ${describe(app)}, not an app object with ${METHODS.join(', ')}`);
  const record = app as Record<string, unknown>;
  const missing = METHODS.filter((m) => typeof record[m] !== 'function');
  if (missing.length > 0) {
    const what = missing.map((m) => `${m} (${record[m] === undefined ? 'missing' : `${describe(record[m])}, not a function`})`);
    return err(`the app from createApp() lacks ${what.join(', ')}; an app needs the methods ${METHODS.join(', ')}`);
  }
  return ok(app as App);
}

function behaves(a: App, b: App): Result<true, string> {
  const snap = a.snapshot();
  if (!(snap instanceof Uint8Array)) return err(`snapshot() returned ${describe(snap)}; it must return a Uint8Array`);
  const other = b.snapshot();
  if (!(other instanceof Uint8Array) || !bytesEqual(snap, other)) {
    return err('two fresh apps from createApp() have different snapshots; the initial state must be identical on every replica (no clock, randomness or I/O)');
  }
  if (a.digest(sha256) !== sha256(snap)) return err('digest(hash) of a fresh app is not hash(snapshot()); return hash(this.snapshot())');
  if ((b.restore(snap) as unknown) !== true) return err('restore(snapshot()) of a fresh app did not return true; restore must accept every snapshot the app produces');
  let answer: unknown;
  try {
    answer = a.execute(new Uint8Array(0), { seq: seq(1), client: clientId('00') });
  } catch (e) {
    return err(`execute() threw on an empty op (${message(e)}); answer a malformed op with an error result instead (ops come from untrusted clients)`);
  }
  if (!(answer instanceof Uint8Array)) return err(`execute() returned ${describe(answer)} for an empty op; it must return a Uint8Array`);
  return ok(true);
}

/** A few draws from a seeded generator: each must be an op of at most MAX_OP_BYTES. */
export function probeWorkload(workload: WorkloadFn): Result<true, string> {
  const rng = createPrng(1);
  for (let i = 0; i < 8; i++) {
    let op: unknown;
    try {
      op = workload(rng);
    } catch (e) {
      return err(`workload(rng) threw: ${message(e)}`);
    }
    if (!(op instanceof Uint8Array)) return err(`workload(rng) returned ${describe(op)}; it must return one op as a Uint8Array`);
    if (op.length > MAX_OP_BYTES) return err(`workload(rng) returned an op of ${op.length} bytes; ops are at most ${MAX_OP_BYTES} bytes`);
  }
  return ok(true);
}
