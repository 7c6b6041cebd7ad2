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
    rejections: { 'wrong-key': 2 } as unknown as TransportStats['rejections'],
    drops: { 'rate-limited': bytesOut } as unknown as TransportStats['drops'],
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
  assert.equal(value(text, 'byz_transport_bytes_out_total'), 100);
  assert.equal(value(text, 'byz_transport_bytes_in_total'), 7);
  assert.equal(value(text, 'byz_transport_frames_out_total'), 3);
  assert.equal(value(text, 'byz_transport_writes_total'), 1);
  out = 250;
  text = await registry.metrics();
  assert.equal(value(text, 'byz_transport_bytes_out_total'), 250);
});

test('transport totals are counters (TYPE counter, *_total), labelled by reason', async () => {
  const registry = new Registry();
  let out = 5;
  registerTransportTraffic(registry, () => stats(out));
  let text = await registry.metrics();
  assert.match(text, /# TYPE byz_transport_bytes_out_total counter/);
  assert.match(text, /# TYPE byz_transport_rejections_total counter/);
  assert.match(text, /byz_transport_rejections_total\{reason="wrong-key"\} 2/);
  assert.match(text, /byz_transport_drops_total\{reason="rate-limited"\} 5/);
  out = 9;
  text = await registry.metrics();
  assert.match(text, /byz_transport_drops_total\{reason="rate-limited"\} 9/, 'read again at the next scrape, not added twice');
});
