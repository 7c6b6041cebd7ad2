// A data folder written before the key layout of src/protocol/storage-keys.ts must not be read as
// empty: the replica would start over in view 0 and could sign what contradicts its old messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../src/core/ids.ts';
import { generateSeed, publicKeyFromSeed } from '../../src/crypto/ed25519.ts';
import { buildClusterConfig, formatConfigErrors } from '../../src/config/index.ts';
import { legacyKey } from '../../src/protocol/storage-keys.ts';
import { openLmdbStorage } from '../../src/storage/lmdb.ts';
import { startReplicaNode } from '../../src/node/node.ts';
import { createLogger } from '../../src/log/logger.ts';

test('legacyKey spots the old top-level PBFT records and nothing of the current layout', () => {
  assert.equal(legacyKey(['svc/snapshot', 'p/00000000/pbft/view', 'p/00000000/pbft/pp/0000000000000001', 'acct/evidence/001/1']), undefined);
  assert.equal(legacyKey(['acct/evidence/001/1', 'stable']), 'stable');
  assert.equal(legacyKey(['pp/0000000000000003']), 'pp/0000000000000003');
});

test('a replica refuses a data folder in the old layout, naming it and what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byz-legacy-'));
  try {
    const old = await openLmdbStorage({ path: join(dir, 'replica-0'), durable: true });
    await old.apply([{ op: 'put', key: 'view', value: new Uint8Array(9) }]);
    await old.close();
    const seeds = Array.from({ length: 4 }, () => generateSeed());
    const built = buildClusterConfig({ clusterId: 'legacy', host: '127.0.0.1', basePort: 19_000, publicKeys: seeds.map((s) => toHex(publicKeyFromSeed(s))) });
    assert.ok(built.ok, built.ok ? '' : formatConfigErrors(built.error));
    await assert.rejects(
      startReplicaNode({ config: built.value, id: 0, seed: seeds[0]!, dataDir: dir, logger: createLogger({ name: 'test', level: 'silent' }) }),
      /replica 0 .* was written by an older byzantium \(key "view".*move it away and restart/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
