import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { TransportStats } from '../transport/port.ts';
import { registerTransportTraffic } from './transport-metrics.ts';

function stats(bytesOut: number): TransportStats {
  return {
    bytesIn: 7,
    bytesOut,
    framesIn: 2,
    framesOut: 3,
    writes: 1,
    rejections: {} as TransportStats['rejections'],
    drops: {} as TransportStats['drops'],
    replaced: 0,
    connectedReplicas: 0,
    connectedClients: 0,
    queuedFrames: 0,
  };
}

const value = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

test('transport traffic is read from the transport at every scrape', async () => {
  const registry = new Registry();
  let out = 100;
  registerTransportTraffic(registry, () => stats(out));
  let text = await registry.metrics();
  assert.equal(value(text, 'byz_transport_bytes_out'), 100);
  assert.equal(value(text, 'byz_transport_bytes_in'), 7);
  assert.equal(value(text, 'byz_transport_frames_out'), 3);
  assert.equal(value(text, 'byz_transport_writes'), 1);
  out = 250;
  text = await registry.metrics();
  assert.equal(value(text, 'byz_transport_bytes_out'), 250);
});
