// The public application interface (docs/APPS.md): what a user's replicated state machine
// implements, and the helpers to write one. `byz node|start|sim --app PATH` load a module whose
// default export is an AppFactory (src/app-loader).

export type { App, AppFactory, ExecContext, StateCapture, StateEntry, WorkloadFn, WorkloadRng } from './types.ts';
export type { HashFn } from '../core/crypto-port.ts';
export type { ClientId, Digest, Seq } from '../core/ids.ts';
export { MAX_OP_BYTES, MAX_RESULT_BYTES } from '../core/limits.ts';
export { guardApp } from './guard.ts';
export type { GuardedCall } from './guard.ts';
export { createKvApp } from './kv.ts';
export type { KvApp } from './kv.ts';
export type { MerkleProof } from './merkle.ts';

import type { AppFactory, WorkloadFn } from './types.ts';

/**
 * Types an app factory: `export default defineApp(() => ({ execute, query, snapshot, restore, digest }))`.
 * Returns the factory unchanged; it exists so the editor checks the object against App.
 */
export function defineApp(factory: AppFactory): AppFactory {
  return factory;
}

/** Types a simulator workload: `export const workload = defineWorkload((rng) => …)`. */
export function defineWorkload(fn: WorkloadFn): WorkloadFn {
  return fn;
}
