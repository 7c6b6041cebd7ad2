// requestAuth "mac" and "shared" on 4 in-process replica nodes over TCP with Ed25519: the client
// library reads the mode from the config, and writes and reads round trip through consensus.
// (What each mode checks, and faulty clients and primaries, are the simulator's tests:
// test/sim/request-auth.test.ts, test/sim/request-auth-shared.test.ts.)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.ts';
import { startCluster } from './cluster.ts';

const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

for (const requestAuth of ['mac', 'shared'] as const) {
  describe(`requestAuth "${requestAuth}" on a live 4-replica cluster`, () => {
    it('puts and reads back commit and answer', async () => {
      const cluster = await startCluster({ requestAuth });
      const client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 8_000 });
      try {
        assert.equal(cluster.config.requestAuth, requestAuth);
        for (let k = 0; k < 10; k++) await client.put(`k${k}`, `v${k}`);
        assert.equal(text(await client.get('k9')), 'v9');
      } finally {
        await client.close();
        await cluster.stop();
      }
      assert.deepEqual(cluster.fatal, []);
    });
  });
}
