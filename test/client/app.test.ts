// A cluster of real replica nodes (in process, TCP, memory storage) running a user's app loaded
// the way `byz node --app examples/counter` loads it, used through ByzClient.invoke (docs/APPS.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.ts';
import { loadAppModule } from '../../src/app-loader/load.ts';
import { startCluster } from './cluster.ts';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const op = (s: string): Uint8Array => new TextEncoder().encode(s);

test('replicas run the counter app: invoke returns the agreed results; /local/kv is not served', async () => {
  const loaded = await loadAppModule('examples/counter');
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
  const cluster = await startCluster({ app: { name: loaded.value.name, create: loaded.value.create } });
  const client = await connect({ config: cluster.config, seed: cluster.clientSeed, opTimeoutMs: 8_000 });
  try {
    assert.equal(text(await client.invoke(op('inc 5'))), 'ok 5');
    assert.equal(text(await client.invoke(op('inc 2'))), 'ok 7');
    assert.equal(text(await client.invoke(op('get'))), 'ok 7');
    assert.match(text(await client.invoke(op('put a 1'))), /^err expected "get" or "inc N"/);
    await assert.rejects(client.invoke(new Uint8Array(70_000)), /op too large: 70000 bytes/);
    const r0 = cluster.config.replicas[0]!;
    const res = await fetch(`http://${r0.host}:${r0.httpPort}/local/kv/a`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /runs a user app/);
  } finally {
    await client.close();
    await cluster.stop();
  }
});
