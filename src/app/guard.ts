// A guard around an application the project did not write (`--app PATH`, docs/APPS.md). The contract
// says execute and query never throw; a module that does anyway must not stop the replica, since a
// single client could then stop every replica with one op. A throw in execute or query becomes an
// empty result (the same replacement the core makes for an over-long result, src/pbft/execute.ts),
// and a throw in restore means "not a valid snapshot". Every replica runs the same deterministic
// code, so every replica replaces the same ops the same way. snapshot and digest are not guarded:
// a replica that cannot describe its state cannot take part in checkpoints, and stops.

import type { App, ExecContext } from './types.ts';

/** The app calls whose throws {@link guardApp} catches. */
export type GuardedCall = 'execute' | 'query' | 'restore';

/** Wraps `app`; `onThrow` (optional) hears of each caught throw, e.g. to log it. */
export function guardApp(app: App, onThrow?: (call: GuardedCall, error: unknown) => void): App {
  const caught = (call: GuardedCall, e: unknown): void => onThrow?.(call, e);
  const guarded: App = {
    execute(op: Uint8Array, ctx: ExecContext): Uint8Array {
      try {
        return asBytes(app.execute(op, ctx));
      } catch (e) {
        caught('execute', e);
        return new Uint8Array(0);
      }
    },
    query(op: Uint8Array): Uint8Array {
      try {
        return asBytes(app.query(op));
      } catch (e) {
        caught('query', e);
        return new Uint8Array(0);
      }
    },
    snapshot: () => app.snapshot(),
    restore(snapshot: Uint8Array): boolean {
      try {
        return (app.restore(snapshot) as unknown) === true; // a JavaScript module may return anything
      } catch (e) {
        caught('restore', e);
        return false;
      }
    },
    digest: (hash) => app.digest(hash),
  };
  // Not guarded either (like snapshot and digest), only passed through when the app has it.
  if (typeof app.capture === 'function') guarded.capture = (hash) => app.capture!(hash);
  // Guarded like restore: a throw or a non-true answer refuses the entries.
  if (typeof app.restoreEntries === 'function') {
    guarded.restoreEntries = (entries) => {
      try {
        return (app.restoreEntries!(entries) as unknown) === true;
      } catch (e) {
        caught('restore', e); // the same hook: restoring a state
        return false;
      }
    };
  }
  // A throw or a non-true answer means "not read-only": the op is then only ever ordered.
  if (typeof app.isReadOnly === 'function') guarded.isReadOnly = (op) => readOnlyOrFalse(() => app.isReadOnly!(op));
  // Quota hooks: a throw or a non-number counts as "no growth" / "no size change", the same everywhere.
  if (typeof app.stateBytes === 'function' && typeof app.growth === 'function') {
    guarded.stateBytes = () => finiteOrZero(() => app.stateBytes!());
    guarded.growth = (op) => finiteOrZero(() => app.growth!(op));
  }
  return guarded;
}

function readOnlyOrFalse(f: () => unknown): boolean {
  try {
    return f() === true;
  } catch {
    return false;
  }
}

function finiteOrZero(f: () => unknown): number {
  try {
    const v = f();
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

/** A module written in JavaScript may return anything; the core needs bytes. */
function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`the app returned ${describe(v)} instead of a Uint8Array`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
