// Transport totals as Prometheus counters, read from transport.stats() at scrape time (issue #6:
// wire bytes per op, writes per op; issue 15: totals are counters, named *_total). prom-client has
// no "set a counter from an outside total", so each collect() resets it and adds the current total;
// the transport's totals only grow, so the exposed series is monotonic as a counter must be.

import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { TransportStats } from '../transport/port.ts';
import { externalCounter } from '../metrics/metrics.ts';

export function registerTransportTraffic(registry: Registry, stats: () => TransportStats): void {
  const series: readonly [string, string, (s: TransportStats) => number][] = [
    ['byz_transport_bytes_out_total', 'Payload frame bytes written to peers and clients', (s) => s.bytesOut],
    ['byz_transport_bytes_in_total', 'Payload frame bytes read from peers and clients', (s) => s.bytesIn],
    ['byz_transport_frames_out_total', 'Payload frames written', (s) => s.framesOut],
    ['byz_transport_frames_in_total', 'Payload frames read', (s) => s.framesIn],
    ['byz_transport_writes_total', 'Socket writes (coalesced frames, one per peer per flush)', (s) => s.writes],
  ];
  for (const [name, help, pick] of series) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(stats()));
      },
    });
  }
  externalCounter(registry, 'byz_transport_rejections_total', 'Connections refused or closed by the transport, by reason', 'reason', () => stats().rejections);
  externalCounter(registry, 'byz_transport_drops_total', 'Payloads dropped by the transport (queue full, rate limited, no route), by reason', 'reason', () => stats().drops);
}
