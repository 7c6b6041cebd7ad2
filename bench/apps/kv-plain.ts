// The KV store without its state-root capability (`byz bench --app bench/apps/kv-plain.ts`): the
// baseline of "what producing proofs costs the write path" (issue 14, bench/README.md "Proofs on the
// write path"). It is the built-in KV app (src/app/kv.ts) with `capture` left out, so checkpoints
// commit to hash(snapshot()) (O(state) per checkpoint, docs/APPS.md) instead of the sparse Merkle
// tree's root, the tree is never built (the app only buffers one pending-write entry per key), no
// read proofs are answered and stable checkpoints are persisted whole. Run it with `--key-space N`
// so that the state, and so the O(state) snapshot, stays bounded.

import { defineApp } from '../../src/app/index.ts';
import type { App } from '../../src/app/index.ts';
import { createKvApp } from '../../src/app/kv.ts';

export default defineApp((): App => {
  const kv = createKvApp();
  return {
    execute: (op, ctx) => kv.execute(op, ctx),
    query: (op) => kv.query(op),
    isReadOnly: (op) => kv.isReadOnly?.(op) === true,
    snapshot: () => kv.snapshot(),
    restore: (bytes) => kv.restore(bytes),
    digest: (hash) => kv.digest(hash),
    stateBytes: () => kv.stateBytes(),
    growth: (op) => kv.growth(op),
  };
});
