// Transport traffic counters as Prometheus series, read from transport.stats() at scrape time
// (issue #6: wire bytes per op, writes per op). They only grow, but prom-client counters cannot be
// set from an outside total, so they are gauges named without the _total suffix.

import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { TransportStats } from '../transport/port.ts';

export function registerTransportTraffic(registry: Registry, stats: () => TransportStats): void {
  const series: readonly [string, string, (s: TransportStats) => number][] = [
    ['byz_transport_bytes_out', 'Payload frame bytes written to peers and clients since start', (s) => s.bytesOut],
    ['byz_transport_bytes_in', 'Payload frame bytes read from peers and clients since start', (s) => s.bytesIn],
    ['byz_transport_frames_out', 'Payload frames written since start', (s) => s.framesOut],
    ['byz_transport_frames_in', 'Payload frames read since start', (s) => s.framesIn],
    ['byz_transport_writes', 'Socket writes (coalesced frames, one per peer per flush) since start', (s) => s.writes],
  ];
  for (const [name, help, pick] of series) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(stats()));
      },
    });
  }
}
